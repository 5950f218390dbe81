#!/usr/bin/env python3
"""Side-by-side scrape benchmark: Pharos, Debian's Prometheus 2.42 and VictoriaMetrics 1.79
scrape the same fake exporters (bench/fake_exporters.py) on loopback, one after the other,
with the same config. Reports CPU seconds per million samples, RSS per active series and the
data directory's size, as a Markdown table with ratios against Prometheus.

    python3 bench/scrape_compare.py --targets 50 --series 1000 --interval 15 --duration 120

Every process it starts is stopped by PID; every phase is bounded in time."""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from peers import cpu_seconds, du, rss_bytes, stop, wait_http  # noqa: E402


def scrape_config(args):
    targets = ", ".join(f"'127.0.0.1:{args.base_port + i}'" for i in range(args.targets))
    return (f"global:\n  scrape_interval: {args.interval}s\n  scrape_timeout: {min(args.interval, 10)}s\n"
            f"scrape_configs:\n  - job_name: bench\n    static_configs:\n      - targets: [{targets}]\n")


def run_system(name, command, data_dir, ready_url, args, log):
    proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        if not wait_http(ready_url):
            raise RuntimeError(f"{name} did not become ready; see {log.name}")
        time.sleep(args.warmup)
        cpu0 = cpu_seconds(proc.pid)
        time.sleep(args.duration)
        cpu = cpu_seconds(proc.pid) - cpu0
        rss = rss_bytes(proc.pid)
    finally:
        stop(proc)
    disk = du(data_dir)
    samples = args.targets * args.series * (args.duration / args.interval)
    active = args.targets * args.series
    return {"name": name, "cpu": cpu, "cpu_per_m": cpu / (samples / 1e6), "rss": rss,
            "rss_per_series": rss / active, "disk": disk}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--targets", type=int, default=50)
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--interval", type=int, default=15)
    parser.add_argument("--duration", type=int, default=120, help="measured seconds per system")
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--base-port", type=int, default=19500)
    parser.add_argument("--pharos", default=os.path.join(ROOT, ".build/release/pharos"))
    parser.add_argument("--systems", default="pharos,prometheus,victoria-metrics")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="pharos-bench-")
    config = os.path.join(work, "scrape.yml")
    with open(config, "w") as f:
        f.write(scrape_config(args))
    total = args.warmup + args.duration + 120
    exporters = subprocess.Popen([sys.executable, os.path.join(ROOT, "bench/fake_exporters.py"),
                                  "--targets", str(args.targets), "--series", str(args.series),
                                  "--base-port", str(args.base_port),
                                  "--duration", str(total * len(args.systems.split(",")))])
    results = []
    try:
        time.sleep(2)
        for name in args.systems.split(","):
            data = os.path.join(work, name + "-data")
            log = open(os.path.join(work, name + ".log"), "w")
            if name == "pharos":
                cmd = [args.pharos, "server", f"--config.file={config}", f"--storage.tsdb.path={data}",
                       "--web.listen-address=127.0.0.1:19090", "--pushgateway.listen-address", ""]
                ready = "http://127.0.0.1:19090/-/ready"
            elif name == "prometheus":
                cmd = ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={data}",
                       "--web.listen-address=127.0.0.1:19091"]
                ready = "http://127.0.0.1:19091/-/ready"
            else:
                cmd = ["victoria-metrics", f"-promscrape.config={config}", f"-storageDataPath={data}",
                       "-httpListenAddr=127.0.0.1:19092"]
                ready = "http://127.0.0.1:19092/health"
            if shutil.which(cmd[0]) is None and not os.path.exists(cmd[0]):
                print(f"skipping {name}: {cmd[0]} not found", file=sys.stderr)
                continue
            results.append(run_system(name, cmd, data, ready, args, log))
            log.close()
    finally:
        exporters.terminate()
        exporters.wait()
    base = next((r for r in results if r["name"] == "prometheus"), None)
    print(f"\n{args.targets} targets x {args.series} series, {args.interval} s interval, "
          f"{args.duration} s measured after {args.warmup} s warm-up\n")
    print("| system | CPU s / M samples | RSS | RSS / active series | data dir | CPU vs Prometheus | RSS vs Prometheus |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        cpu_ratio = f"{r['cpu_per_m'] / base['cpu_per_m']:.2f}x" if base and base["cpu_per_m"] else "-"
        rss_ratio = f"{r['rss'] / base['rss']:.2f}x" if base and base["rss"] else "-"
        print(f"| {r['name']} | {r['cpu_per_m']:.2f} | {r['rss'] / 2**20:.0f} MiB | {r['rss_per_series'] / 1024:.2f} KiB "
              f"| {r['disk'] / 2**20:.1f} MiB | {cpu_ratio} | {rss_ratio} |")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
