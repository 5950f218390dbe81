#!/usr/bin/env python3
"""Side-by-side on-disk size: the same generated node_exporter-like samples stored by
`pharos tsdb create-blocks-from openmetrics`, `promtool tsdb create-blocks-from openmetrics`
(Debian's Prometheus 2.42) and Debian's VictoriaMetrics 1.79 (HTTP import of the same lines,
then `/internal/force_flush` and `/internal/force_merge`). Reports bytes per sample including
the index, as a Markdown table with ratios against Prometheus.

    python3 bench/tsdb_disk_compare.py --series 2000 --hours 6 --jitter-ms 0
    python3 bench/tsdb_disk_compare.py --series 2000 --hours 6 --jitter-ms 5

The data: `--series` series spread over node-like families (CPU-seconds counters with two
decimals, byte counters and gauges in 4 KiB steps, load averages, constant sizes and info
metrics), one sample every 15 s over `--hours` hours ending an hour ago, with timestamps
jittered by up to `--jitter-ms` ms if asked. A fixed seed makes every run store the same
samples. Every process started is stopped by PID; every wait is bounded in time."""
import argparse
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peers  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STEP_MS = 15_000


def families():
    """(name, type, series per host, labels of a host's k-th series, value model) of the
    node-like families."""
    modes = ["idle", "user", "system", "iowait", "irq", "softirq", "steal", "nice"]

    def disk(k):
        return {"device": f"/dev/sd{'abcd'[k]}1", "fstype": "ext4", "mountpoint": f"/mnt/{k}"}

    return [
        ("node_cpu_seconds_total", "counter", 64, lambda k: {"cpu": str(k % 8), "mode": modes[k // 8]}, "cpu"),
        ("node_network_receive_bytes_total", "counter", 4, lambda k: {"device": f"eth{k}"}, "bytes_counter"),
        ("node_memory_Active_bytes", "gauge", 1, lambda k: {}, "bytes_gauge"),
        ("node_filesystem_avail_bytes", "gauge", 4, disk, "bytes_gauge"),
        ("node_filesystem_size_bytes", "gauge", 4, disk, "constant"),
        ("node_load1", "gauge", 1, lambda k: {}, "load"),
        ("node_uname_info", "gauge", 1, lambda k: {"machine": "x86_64", "release": "6.1.0-13-amd64", "sysname": "Linux"}, "one"),
    ]


def generate(path, series_count, hours, jitter_ms, seed=42):
    """Writes the OpenMetrics input (series after series, as promtool's backfill wants each
    family contiguous) and returns the number of samples."""
    rng = random.Random(seed)
    end = (int(time.time() * 1000) // 3_600_000 - 1) * 3_600_000
    points = hours * 3_600_000 // STEP_MS
    start = end - points * STEP_MS
    fams = families()
    per_family = [0] * len(fams)
    for k in range(series_count):
        per_family[k % len(fams)] += 1
    samples = 0
    with open(path, "w") as out:
        for f, (name, kind, per_host, labels_of, model) in enumerate(fams):
            out.write(f"# TYPE {name.removesuffix('_total') if kind == 'counter' else name} {kind}\n")
            for i in range(per_family[f]):
                labels = {"instance": f"host-{i // per_host}:9100", "job": "node"} | labels_of(i % per_host)
                text = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
                value = {"cpu": rng.uniform(1000, 100000), "bytes_counter": rng.randrange(1 << 30),
                         "bytes_gauge": rng.randrange(1 << 18) * 4096, "constant": rng.randrange(1 << 20) * 4096,
                         "load": rng.uniform(0, 4), "one": 1.0}[model]
                lines = []
                for p in range(points):
                    t = start + p * STEP_MS + (rng.randint(-jitter_ms, jitter_ms) if jitter_ms else 0)
                    if model == "cpu":
                        value = round(value + rng.uniform(0, 15 if i % per_host < 8 else 2), 2)
                    elif model == "bytes_counter":
                        value += rng.randrange(0, 1 << 16)
                    elif model == "bytes_gauge":
                        value = max(0, value + rng.randint(-16, 16) * 4096)
                    elif model == "load":
                        value = round(max(0.0, value + rng.uniform(-0.1, 0.1)), 2)
                    shown = repr(float(value)) if model in ("cpu", "load") else str(int(value))
                    lines.append(f"{name}{{{text}}} {shown} {t / 1000:.3f}\n")
                out.writelines(lines)
                samples += points
        out.write("# EOF\n")
    return samples


def block_bytes(directory):
    """Bytes and samples of every block (ULID-named directory) below `directory`."""
    total, samples = 0, 0
    for name in os.listdir(directory):
        path = os.path.join(directory, name)
        if len(name) == 26 and os.path.isdir(path):
            total += peers.du(path)
            with open(os.path.join(path, "meta.json")) as f:
                text = f.read()
            samples += int(text.split('"numSamples":', 1)[1].split(",", 1)[0])
    return total, samples


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def victoria_metrics(input_path, work):
    """Imports the input into a fresh VictoriaMetrics, merges, and returns (bytes, rows)."""
    data = os.path.join(work, "vm-data")
    port = free_port()
    log = open(os.path.join(work, "vm.log"), "w")
    proc = subprocess.Popen(["victoria-metrics", f"-storageDataPath={data}", f"-httpListenAddr=127.0.0.1:{port}",
                             "-retentionPeriod=1y"], stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        if not peers.wait_http(base + "/health", 60):
            raise RuntimeError("victoria-metrics did not start")
        body = []
        size = 0

        def send():
            request = urllib.request.Request(base + "/api/v1/import/prometheus", data="".join(body).encode(), method="POST")
            urllib.request.urlopen(request, timeout=600).read()

        with open(input_path) as f:
            for line in f:
                if line.startswith("#"):
                    continue
                name_labels, value, ts = line.rsplit(" ", 2)
                body.append(f"{name_labels} {value} {int(round(float(ts) * 1000))}\n")
                size += len(line)
                if size > 16 << 20:
                    send()
                    body, size = [], 0
        if body:
            send()
        urllib.request.urlopen(base + "/internal/force_flush", timeout=600).read()
        urllib.request.urlopen(base + "/internal/force_merge", timeout=600).read()
        # The merge runs in the background: wait until no merge is active and the size holds.
        last, stable = -1, 0
        deadline = time.time() + 900
        while time.time() < deadline and stable < 5:
            time.sleep(2)
            metrics = urllib.request.urlopen(base + "/metrics", timeout=30).read().decode()
            active = sum(float(l.rsplit(" ", 1)[1]) for l in metrics.splitlines() if l.startswith("vm_active_merges"))
            now = peers.du(data)
            stable = stable + 1 if active == 0 and now == last else 0
            last = now
        rows = sum(float(l.rsplit(" ", 1)[1]) for l in metrics.splitlines()
                   if l.startswith('vm_rows{type="storage/'))
        return peers.du(data), int(rows)
    finally:
        peers.stop(proc)
        log.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--series", type=int, default=2000)
    parser.add_argument("--hours", type=int, default=6)
    parser.add_argument("--jitter-ms", type=int, default=0)
    parser.add_argument("--pharos", default=None, help="the pharos binary (default: .build/release, then .build/debug)")
    parser.add_argument("--systems", default="pharos,prometheus,victoria-metrics")
    args = parser.parse_args()
    pharos = args.pharos or next((p for p in (os.path.join(ROOT, ".build/release/pharos"), os.path.join(ROOT, ".build/debug/pharos"))
                                  if os.path.exists(p)), None)
    work = tempfile.mkdtemp(prefix="pharos-tsdb-disk-")
    try:
        input_path = os.path.join(work, "input.om")
        started = time.time()
        samples = generate(input_path, args.series, args.hours, args.jitter_ms)
        print(f"generated {samples} samples of {args.series} series in {time.time() - started:.0f} s "
              f"({os.path.getsize(input_path) >> 20} MiB of OpenMetrics)", file=sys.stderr)
        results = {}
        systems = args.systems.split(",")
        if "pharos" in systems:
            out = os.path.join(work, "pharos")
            subprocess.run([pharos, "tsdb", "create-blocks-from", "openmetrics", input_path, out], check=True,
                           stdout=subprocess.DEVNULL, timeout=3600)
            results["Pharos"] = block_bytes(out)
        if "prometheus" in systems:
            out = os.path.join(work, "promtool")
            subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", input_path, out], check=True,
                           stdout=subprocess.DEVNULL, timeout=3600)
            results["Prometheus 2.42 (promtool)"] = block_bytes(out)
        if "victoria-metrics" in systems:
            results["VictoriaMetrics 1.79"] = victoria_metrics(input_path, work)
        reference = results.get("Prometheus 2.42 (promtool)")
        print(f"\n{args.series} series x {args.hours} h at 15 s ({samples} samples), jitter {args.jitter_ms} ms\n")
        print("| system | bytes on disk | samples stored | bytes / sample | vs Prometheus |")
        print("| --- | --- | --- | --- | --- |")
        for name, (size, stored) in results.items():
            ratio = f"{(size / stored) / (reference[0] / reference[1]):.2f}x" if reference and stored else "-"
            print(f"| {name} | {size:,} | {stored:,} | {size / max(stored, 1):.2f} | {ratio} |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
