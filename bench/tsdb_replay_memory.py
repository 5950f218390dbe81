#!/usr/bin/env python3
"""WAL replay memory against the steady state of the same head (issue 3: replay must not
need more memory than the head it rebuilds). For each `--series` count, one process
(`pharos-tsdb-compaction-probe write-wal`) appends `--samples` samples to each of that many
node_exporter-like series (one commit per 10,000 series and step, as scrapes commit) with the
WAL on, and reports the head's heap in use and RSS growth: the steady state. A fresh process
(`... replay`) then opens the same directory, replaying the WAL, and reports its peak RSS while
opening (VmHWM after resetting it) above its RSS before, and the heap in use after. A
Markdown table goes to standard output.

    python3 bench/tsdb_replay_memory.py --probe /tmp/pharos-tsdb-compaction-probe --series 10000,100000

Build the probe in release mode for figures:
`swift build -c release --product pharos-tsdb-compaction-probe`. Every process started is
waited for (bounded); the data directories are removed."""
import argparse
import os
import shutil
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(probe, arguments):
    """Runs the probe and returns its `key=value` fields as integers."""
    output = subprocess.run([probe] + arguments, capture_output=True, text=True, timeout=3600, check=True).stdout
    return {k: int(v) for k, v in (pair.split("=", 1) for pair in output.split() if "=" in pair)}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--probe", default=os.path.join(ROOT, ".build/release/pharos-tsdb-compaction-probe"))
    parser.add_argument("--series", default="10000,100000")
    parser.add_argument("--samples", default="120,480")
    parser.add_argument("--directory", default=None, help="where the WALs are written (default: a temporary directory)")
    args = parser.parse_args()
    rows = []
    for series in (int(s) for s in args.series.split(",")):
        for samples in (int(s) for s in args.samples.split(",")):
            work = tempfile.mkdtemp(prefix="pharos-replay-", dir=args.directory)
            try:
                steady = run(args.probe, ["write-wal", work, str(series), str(samples)])
                started = time.time()
                replay = run(args.probe, ["replay", work])
                elapsed = time.time() - started
            finally:
                shutil.rmtree(work, ignore_errors=True)
            rows.append((series, samples, steady, replay, elapsed))
    load = os.getloadavg()
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}\n")
    print("| series × samples | WAL MiB | steady heap MiB (after appends) | steady RSS growth MiB | replay peak RSS growth MiB "
          "| replay peak heap MiB (sampled) | replay heap after MiB | peak RSS / steady RSS | replay s |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    mib = 2 ** 20
    for series, samples, steady, replay, elapsed in rows:
        peak = replay["peak"] - replay["rss"]
        print(f"| {series:,} × {samples} | {steady['wal'] / mib:.1f} | {steady['heap'] / mib:.1f} | {steady['rss'] / mib:.1f} | "
              f"{peak / mib:.1f} | {replay['peakheap'] / mib:.1f} | {replay['heap'] / mib:.1f} | {peak / steady['rss']:.2f} | "
              f"{elapsed:.1f} |")


if __name__ == "__main__":
    main()
