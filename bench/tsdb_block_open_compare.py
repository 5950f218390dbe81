#!/usr/bin/env python3
"""Side-by-side memory of opening a large block directory: `pharos server` and Debian's
Prometheus 2.42 started on copies of the same data directory, resident memory (VmRSS)
measured once each is ready, against the same server on an empty directory, then again after
a query that reads every sample.

    python3 bench/tsdb_block_open_compare.py --blocks 12 --series 10000 --samples 240

The data: `--blocks` adjacent 2 h blocks of `--series` series with `--samples` hardly
compressible random values each (about 9 bytes a sample, so the chunks dominate), written by
`pharos-tsdb-compaction-probe write-block` (built with the tests). Both servers get a
scrape-less configuration, retention far beyond the data, and are measured before their
first compaction round (one minute after start). Every process started is stopped by PID;
every wait is bounded in time."""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peers  # noqa: E402
from tsdb_disk_compare import free_port  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOUR_MS = 3_600_000


def build_directory(probe, path, blocks, series, samples):
    """Writes the blocks into `path` and returns its size in bytes."""
    os.makedirs(path)
    for window in range(blocks):
        subprocess.run([probe, "write-block", path, str(series), str(samples), str(window)], check=True,
                       stdout=subprocess.DEVNULL, timeout=1800)
    return peers.du(path)


def measure(name, command, base, work, query_end_s):
    """Starts `command`, waits for readiness, and returns (RSS at ready + 10 s, RSS after the
    full query, query seconds)."""
    log = open(os.path.join(work, name + ".log"), "w")
    proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        if not peers.wait_http(base + "/-/ready", 300):
            raise RuntimeError(f"{name} did not become ready; see {log.name}")
        time.sleep(10)
        opened = peers.rss_bytes(proc.pid)
        query = urllib.parse.urlencode({"query": "sum(count_over_time(probe[100d]))", "time": str(query_end_s)})
        started = time.time()
        answer = urllib.request.urlopen(f"{base}/api/v1/query?{query}", timeout=600).read().decode()
        elapsed = time.time() - started
        after = peers.rss_bytes(proc.pid)
        return opened, after, elapsed, answer
    finally:
        peers.stop(proc)
        log.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--blocks", type=int, default=12)
    parser.add_argument("--series", type=int, default=10000)
    parser.add_argument("--samples", type=int, default=240)
    parser.add_argument("--pharos", default=None, help="the pharos binary (default: .build/release, then .build/debug)")
    parser.add_argument("--probe", default=None, help="pharos-tsdb-compaction-probe (default: next to the pharos binary)")
    args = parser.parse_args()
    pharos = args.pharos or next((p for p in (os.path.join(ROOT, ".build/release/pharos"), os.path.join(ROOT, ".build/debug/pharos"))
                                  if os.path.exists(p)), None)
    probe = args.probe or os.path.join(os.path.dirname(pharos), "pharos-tsdb-compaction-probe")
    work = tempfile.mkdtemp(prefix="pharos-block-open-")
    try:
        source = os.path.join(work, "data")
        size = build_directory(probe, source, args.blocks, args.series, args.samples)
        samples = args.blocks * args.series * args.samples
        print(f"{args.blocks} blocks, {args.series} series x {args.samples} samples each: {samples:,} samples, "
              f"{size / (1 << 20):.0f} MiB", file=sys.stderr)
        config = os.path.join(work, "prometheus.yml")
        with open(config, "w") as f:
            f.write("global:\n  scrape_interval: 15s\nscrape_configs: []\n")
        query_end_s = args.blocks * 2 * 3600
        results = {}
        for system in ("Pharos", "Prometheus 2.42"):
            for label, populated in (("empty", False), ("blocks", True)):
                data = os.path.join(work, f"{system.split()[0].lower()}-{label}")
                if populated:
                    shutil.copytree(source, data)
                else:
                    os.makedirs(data)
                port = free_port()
                base = f"http://127.0.0.1:{port}"
                if system == "Pharos":
                    command = [pharos, "server", f"--config.file={config}", f"--storage.tsdb.path={data}",
                               f"--web.listen-address=127.0.0.1:{port}", "--storage.tsdb.retention.time=3650d"]
                else:
                    command = ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={data}",
                               f"--web.listen-address=127.0.0.1:{port}", "--storage.tsdb.retention.time=3650d"]
                results[(system, label)] = measure(f"{system.split()[0].lower()}-{label}", command, base, work, query_end_s)
                shutil.rmtree(data)
        print(f"\n{args.blocks} blocks, {samples:,} samples, {size / (1 << 20):.0f} MiB on disk\n")
        print("| system | RSS, empty directory | RSS, blocks opened | opening added | RSS after reading every sample | query |")
        print("| --- | --- | --- | --- | --- | --- |")
        for system in ("Pharos", "Prometheus 2.42"):
            empty, blocks = results[(system, "empty")], results[(system, "blocks")]
            value = blocks[3].split('"value":', 1)[-1][:40]
            print(f"| {system} | {empty[0] / (1 << 20):.1f} MiB | {blocks[0] / (1 << 20):.1f} MiB | "
                  f"{(blocks[0] - empty[0]) / (1 << 20):.1f} MiB | {blocks[1] / (1 << 20):.1f} MiB | "
                  f"{blocks[2]:.2f} s ({value.strip()}) |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
