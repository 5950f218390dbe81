#!/usr/bin/env python3
"""Head memory per active series, Pharos and Debian's Prometheus 2.42 side by side: each is
started alone with its remote-write receiver on (loopback, its own empty data directory) and
gets the same remote-write 1.0 requests: `--series` node_exporter-like series (the families of
bench/fake_exporters.py and `NodeLikeSeries`, 1,000 series per instance, plus `--extra-labels`
target labels: 9-11 labels, 9.6 on average) with `--samples` samples each at 15 s steps (120: one full
chunk), one request per `--batch` series and step. Once every sample is in, it reports, minus
the same figures taken after start-up (empty head):

- RSS and its anonymous part (`RssAnon`: without mapped files, so without Prometheus's
  memory-mapped head chunks or either binary's text) from /proc;
- the heap in use: Prometheus's `go_memstats_heap_inuse_bytes` after a forced GC
  (`/debug/pprof/heap?gc=1`); Pharos's glibc heap in use (`malloc_stats()` "in use bytes",
  called through gdb, as the TSDB memory benchmark counts it), when gdb is installed;

each divided by the series count, as a Markdown table.

    python3 bench/head_memory_compare.py --series 200000 --samples 120 --pharos /tmp/pharos

Bodies are written here (protobuf, snappy literal-only blocks). Every process started is
stopped by PID; every wait is bounded."""
import argparse
import http.client
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request

from peers import status_bytes, stop, wait_http
from remote_write_receive import field, snappy_literal, uvarint

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FAMILIES = [("node_cpu_seconds_total", ["cpu", "mode"]), ("node_network_receive_bytes_total", ["device"]),
            ("node_filesystem_avail_bytes", ["device", "fstype", "mountpoint"]),
            ("node_disk_read_bytes_total", ["device"]), ("node_memory_bytes", ["kind"])]
EXTRA = [("cluster", "eu-west-1"), ("env", "production"), ("region", "europe"), ("datacenter", "dc-7"),
         ("team", "infrastructure"), ("service", "node-exporter")]


def node_like(i, extra):
    """The labels of series `i`, sorted by name (as `NodeLikeSeries.labels` plus target labels)."""
    name, names = FAMILIES[i % len(FAMILIES)]
    within = (i % 1000) // len(FAMILIES)
    labels = [("__name__", name), ("job", "node"), ("instance", f"host-{i // 1000}.example.org:9100")]
    labels += [(n, f"{n}{within}") for n in names] + EXTRA[:extra]
    return sorted(labels)


def send(port, encoded, samples, batch, base_ms):
    """POSTs `samples` steps of one sample per series, `batch` series per request, in order
    over one connection; returns the failed requests."""
    failures = []
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    for step in range(samples):
        stamp = field(2, 0, uvarint(base_ms + step * 15_000))
        for first in range(0, len(encoded), batch):
            parts = []
            for i in range(first, min(first + batch, len(encoded))):
                value = float((i % 1000) + step * 0.25 * ((i + step) % 7 - 3))
                parts.append(field(1, 2, encoded[i] + field(2, 2, field(1, 1, struct.pack("<d", value)) + stamp)))
            conn.request("POST", "/api/v1/write", body=snappy_literal(b"".join(parts)), headers={
                "Content-Type": "application/x-protobuf", "Content-Encoding": "snappy",
                "X-Prometheus-Remote-Write-Version": "0.1.0"})
            response = conn.getresponse()
            body = response.read()
            if response.status // 100 != 2:
                failures.append((response.status, body[:200]))
    conn.close()
    return failures


def go_heap(port):
    """Prometheus's Go heap in use after a forced garbage collection."""
    urllib.request.urlopen(f"http://127.0.0.1:{port}/debug/pprof/heap?gc=1", timeout=120).read()
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=60).read().decode()
    return int(float(re.search(r"^go_memstats_heap_inuse_bytes (\S+)$", text, re.M).group(1)))


def glibc_heap(pid, log_path):
    """glibc's heap in use of process `pid` ("in use bytes" of `malloc_stats()`, which it prints
    to its standard error, our log), or None without gdb."""
    if shutil.which("gdb") is None:
        return None
    before = os.path.getsize(log_path)
    subprocess.run(["gdb", "-p", str(pid), "-batch", "-ex", "call (void) malloc_stats()"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300, check=False)
    with open(log_path, errors="replace") as f:
        f.seek(before)
        totals = f.read().split("Total (incl. mmap):")
    if len(totals) < 2:
        return None
    match = re.search(r"in use bytes\s*=\s*(\d+)", totals[-1])
    return int(match.group(1)) if match else None


def head_series(port):
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=60).read().decode()
    match = re.search(r"^prometheus_tsdb_head_series (\S+)$", text, re.M)
    return int(float(match.group(1))) if match else None


def measure(proc, name, port, log_path):
    anon = status_bytes(proc.pid, "RssAnon")
    rss = status_bytes(proc.pid, "VmRSS")
    heap = go_heap(port) if name == "prometheus" else glibc_heap(proc.pid, log_path)
    return rss, anon, heap


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--series", type=int, default=200_000)
    parser.add_argument("--samples", type=int, default=120)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--extra-labels", type=int, default=5, choices=range(0, len(EXTRA) + 1))
    parser.add_argument("--pharos", default=os.path.join(ROOT, ".build/release/pharos"))
    parser.add_argument("--systems", default="pharos,prometheus")
    args = parser.parse_args()
    # Recent enough for both heads, old enough that the last sample is not in the future.
    base_ms = (int(time.time()) - args.samples * 15 - 60) * 1000
    encoded = [b"".join(field(1, 2, field(1, 2, n.encode()) + field(2, 2, v.encode())) for n, v in node_like(i, args.extra_labels))
               for i in range(args.series)]
    labels_per_series = sum(len(node_like(i, args.extra_labels)) for i in range(1000)) / 1000
    work = tempfile.mkdtemp(prefix="pharos-head-memory-")
    rows = []
    try:
        for name in args.systems.split(","):
            data = os.path.join(work, name)
            os.makedirs(data)
            port = 20000 + (os.getpid() + len(rows)) % 20000
            config = os.path.join(work, name + ".yml")
            with open(config, "w") as f:
                f.write("global: {}\n")
            if name == "pharos":
                cmd = [args.pharos, "server", f"--config.file={config}", f"--storage.tsdb.path={data}",
                       f"--web.listen-address=127.0.0.1:{port}", "--pushgateway.listen-address", "",
                       "--web.enable-remote-write-receiver"]
            else:
                cmd = ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={data}",
                       f"--web.listen-address=127.0.0.1:{port}", "--web.enable-remote-write-receiver"]
            log_path = os.path.join(work, name + ".log")
            with open(log_path, "w") as log:
                proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
                try:
                    if not wait_http(f"http://127.0.0.1:{port}/-/ready", timeout=180):
                        raise RuntimeError(f"{name} not ready")
                    time.sleep(2)
                    before = measure(proc, name, port, log_path)
                    started = time.time()
                    failures = send(port, encoded, args.samples, args.batch, base_ms)
                    elapsed = time.time() - started
                    time.sleep(5)
                    after = measure(proc, name, port, log_path)
                    series = head_series(port)
                finally:
                    stop(proc)
            if failures:
                print(f"{name}: {len(failures)} failed requests, first: {failures[0]}", file=sys.stderr)
            rows.append((name, before, after, series, elapsed))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def per_series(a, b):
        return "—" if a is None or b is None else f"{(b - a) / args.series:,.0f}"

    load = os.getloadavg()
    print(f"{args.series:,} node-like series ({labels_per_series:.1f} labels on average) x {args.samples} samples at 15 s, "
          f"remote write 1.0 in requests of {args.batch:,} series; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
          f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}\n")
    print("| system | head series | RSS B/series | RssAnon B/series | heap in use B/series | RSS after, MiB | ingest s |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, before, after, series, elapsed in rows:
        heap_name = "Go heap" if name == "prometheus" else "glibc heap"
        print(f"| {name} | {series} | {per_series(before[0], after[0])} | {per_series(before[1], after[1])} | "
              f"{per_series(before[2], after[2])} ({heap_name}) | {after[0] / 2**20:,.0f} | {elapsed:,.0f} |")


if __name__ == "__main__":
    main()
