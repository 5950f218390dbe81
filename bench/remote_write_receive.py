#!/usr/bin/env python3
"""Side-by-side remote-write receive benchmark: the same stream of remote-write requests is
POSTed to Pharos, Debian's Prometheus 2.42 and VictoriaMetrics 1.79 (each with its receiver
on, one after the other, on loopback). Each of `--connections` streams (a sender's shards) owns
`--series` series (10 labels each) and sends `--requests` requests in order, each with one
sample per series, advancing the timestamp by 15 s.
Reports the receiver's CPU microseconds per sample (its utime + stime from /proc, so the
client's own CPU does not count), samples per CPU-second and samples per wall-second, as a
Markdown table with ratios against Prometheus.

    python3 bench/remote_write_receive.py --series 2000 --requests 50 --connections 4 --version 1

Bodies are protobuf written here and snappy *literal-only* blocks (valid snappy every
decoder accepts, uncompressed), built before any receiver starts. Prometheus 2.42 and
VictoriaMetrics take only 1.0; `--version 2` measures Pharos alone. Every process started is
stopped by PID; every phase is bounded in time."""
import argparse
import http.client
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TICKS = os.sysconf("SC_CLK_TCK")


def uvarint(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def field(number, wire, payload):
    """A protobuf field: tag, then `payload` (length-prefixed for wire type 2)."""
    tag = uvarint(number << 3 | wire)
    return tag + (uvarint(len(payload)) + payload if wire == 2 else payload)


def snappy_literal(data):
    """A snappy block holding `data` as literals only (no compression)."""
    out = bytearray(uvarint(len(data)))
    for start in range(0, len(data), 65536):
        chunk = data[start:start + 65536]
        out += bytes([61 << 2]) + struct.pack("<H", len(chunk) - 1) + chunk
    return bytes(out)


def series_labels(count, first=0):
    """`count` label sets of 10 labels each, sorted by name, `__name__` first."""
    sets = []
    for i in range(first, first + count):
        labels = [("__name__", f"bench_metric_{i % 50}")]
        labels += sorted([("cluster", "eu-1"), ("env", "prod"), ("instance", f"host-{i // 50}:9100"),
                          ("job", "node"), ("le", "none"), ("mode", f"m{i % 7}"), ("region", "west"),
                          ("series", str(i)), ("team", f"t{i % 13}")])
        sets.append(labels)
    return sets


def bodies_v1(labels, requests, base_ms):
    encoded = [b"".join(field(1, 2, field(1, 2, n.encode()) + field(2, 2, v.encode())) for n, v in ls) for ls in labels]
    out = []
    for r in range(requests):
        t = base_ms + r * 15_000
        parts = []
        for i, label_bytes in enumerate(encoded):
            sample = field(1, 1, struct.pack("<d", float(r * 10 + i % 10))) + field(2, 0, uvarint(t))
            parts.append(field(1, 2, label_bytes + field(2, 2, sample)))
        out.append(snappy_literal(b"".join(parts)))
    return out


def bodies_v2(labels, requests, base_ms):
    symbols = [""]
    index = {"": 0}
    refs = []
    for ls in labels:
        r = []
        for n, v in ls:
            for s in (n, v):
                if s not in index:
                    index[s] = len(symbols)
                    symbols.append(s)
                r.append(index[s])
        refs.append(field(1, 2, b"".join(uvarint(x) for x in r)))
    table = b"".join(field(4, 2, s.encode()) for s in symbols)
    out = []
    for r in range(requests):
        t = base_ms + r * 15_000
        parts = [table]
        for i, ref_bytes in enumerate(refs):
            sample = field(1, 1, struct.pack("<d", float(r * 10 + i % 10))) + field(2, 0, uvarint(t))
            parts.append(field(5, 2, ref_bytes + field(2, 2, sample)))
        out.append(snappy_literal(b"".join(parts)))
    return out


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def wait_ready(url, proc, timeout=180):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"exited with {proc.returncode} before ready")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except Exception:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} not ready after {timeout}s")


def send_all(port, path, streams, content_type):
    """POSTs each stream's bodies in order over its own keep-alive connection, the streams in
    parallel (as a sender's shards: each series stays in one stream); returns failures."""
    failures = []
    lock = threading.Lock()

    def worker(bodies):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        for body in bodies:
            conn.request("POST", path, body=body, headers={
                "Content-Type": content_type, "Content-Encoding": "snappy",
                "X-Prometheus-Remote-Write-Version": "0.1.0"})
            response = conn.getresponse()
            body = response.read()
            if response.status // 100 != 2:
                with lock:
                    failures.append((response.status, body[:200]))
        conn.close()

    threads = [threading.Thread(target=worker, args=(bodies,)) for bodies in streams]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=1800)
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--series", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--version", type=int, choices=[1, 2], default=1)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--pharos", default=os.path.join(ROOT, ".build/release/pharos"))
    parser.add_argument("--systems", default="pharos,prometheus,victoria-metrics")
    args = parser.parse_args()
    base_ms = (int(time.time()) - 4 * 3600) * 1000
    encode = bodies_v1 if args.version == 1 else bodies_v2
    streams = [encode(series_labels(args.series, c * args.series), args.requests, base_ms) for c in range(args.connections)]
    content_type = "application/x-protobuf" + ("" if args.version == 1 else ";proto=io.prometheus.write.v2.Request")
    samples = args.series * args.requests * args.connections
    work = tempfile.mkdtemp(prefix="pharos-rw-bench-")
    rows = []
    try:
        for name in args.systems.split(","):
            if args.version == 2 and name != "pharos":
                continue
            data = os.path.join(work, name)
            os.makedirs(data)
            port = 20000 + os.getpid() % 20000
            if name == "pharos":
                config = os.path.join(work, "pharos.yml")
                with open(config, "w") as f:
                    f.write("global: {}\n")
                cmd = [args.pharos, "server", f"--config.file={config}", f"--storage.tsdb.path={data}",
                       f"--web.listen-address=127.0.0.1:{port}", "--pushgateway.listen-address", "",
                       "--web.enable-remote-write-receiver"]
                ready, path = f"http://127.0.0.1:{port}/-/ready", "/api/v1/write"
            elif name == "prometheus":
                config = os.path.join(work, "prometheus.yml")
                with open(config, "w") as f:
                    f.write("global: {}\n")
                cmd = ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={data}",
                       f"--web.listen-address=127.0.0.1:{port}", "--web.enable-remote-write-receiver"]
                ready, path = f"http://127.0.0.1:{port}/-/ready", "/api/v1/write"
            else:
                cmd = ["victoria-metrics", f"-httpListenAddr=127.0.0.1:{port}", f"-storageDataPath={data}",
                       "-retentionPeriod=1"]
                ready, path = f"http://127.0.0.1:{port}/health", "/api/v1/write"
            with open(os.path.join(work, name + ".log"), "w") as log:
                proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
                try:
                    wait_ready(ready, proc)
                    cpu0, wall0 = cpu_seconds(proc.pid), time.time()
                    failures = send_all(port, path, streams, content_type)
                    cpu, wall = cpu_seconds(proc.pid) - cpu0, time.time() - wall0
                finally:
                    proc.send_signal(signal.SIGTERM)
                    try:
                        proc.wait(timeout=60)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        proc.wait(timeout=10)
            if failures:
                print(f"{name}: {len(failures)} failed requests, first: {failures[0]}", file=sys.stderr)
            rows.append((name, cpu, wall))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    reference = next((cpu for name, cpu, _ in rows if name == "prometheus"), None)
    print(f"{args.connections} connections x {args.requests} requests x {args.series} series (10 labels, 1 sample each) "
          f"= {samples} samples, remote write {args.version}.0\n")
    print("| receiver | CPU µs/sample | samples per CPU-second | samples per wall-second | CPU vs Prometheus |")
    print("| --- | --- | --- | --- | --- |")
    for name, cpu, wall in rows:
        ratio = f"{reference / cpu:.2f}× as efficient" if reference and cpu > 0 else "—"
        print(f"| {name} | {cpu / samples * 1e6:.3f} | {samples / cpu if cpu else 0:,.0f} | {samples / wall:,.0f} | {ratio} |")


if __name__ == "__main__":
    main()
