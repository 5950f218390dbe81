#!/usr/bin/env python3
"""Side-by-side rule-evaluation benchmark: Pharos and Debian's Prometheus 2.42 evaluate the
node_exporter mixin's rules (bench/node_mixin_rules.yml: 11 recording rules, 18 alerting rules)
over the same simulated fleet of node_exporter hosts, at the same time, on loopback.

The fleet: --hosts hosts with 89 node_exporter series each (CPU, memory, load, disks, network,
filesystems, conntrack, timex, md RAID, file descriptors), values a function of time, a few
hosts in trouble so some alerts are pending or firing. Both systems first load the same
backfill (the filesystem series the `predict_linear(...[6h])` alerts read, 6 h at 15 s; every
other series 15 min) through `create-blocks-from openmetrics`, then scrape the live fleet
every 15 s from one loopback target (`honor_labels: true`, the instance label in the page).

Measured per system, in the same run: CPU seconds of the process over a window without
rules (ingest only) and over a window of the same length after `/-/reload` adds the rule
file; CPU per evaluation round = the difference over the number of rounds (one round = both
groups once, every 15 s). Per-group evaluation time and per-alerting-rule evaluation time
come from each system's `/api/v1/rules`, read every round. At the end both are asked for the
number of series of every recording rule and for `count by (alertname, alertstate) (ALERTS)`:
the answers must agree.

    swift build -c release --product pharos
    python3 bench/rules_compare.py --hosts 1000

Every process it starts is stopped by PID; every phase is bounded in time."""
import argparse
import http.server
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from fake_exporters import Server, send_page  # noqa: E402
from peers import cpu_seconds, rss_bytes, status_bytes, stop, wait_http  # noqa: E402

INTERVAL = 15  # scrape and evaluation interval, seconds
RULES = os.path.join(ROOT, "bench", "node_mixin_rules.yml")
CPU_RATES = {"user": 0.15, "system": 0.05, "iowait": 0.01, "irq": 0.005, "softirq": 0.005,
             "nice": 0.0, "steal": 0.0}
FILESYSTEMS = [("/dev/sda1", "ext4", "/"), ("/dev/sdb1", "ext4", "/var"), ("tmpfs", "tmpfs", "/run")]


def host_series(h, t0):
    """The 89 series of host `h`: (metric name, label text, value function of unix seconds,
    whether a long backfill is needed). Hosts 0-49 have one problem each."""
    inst = f'instance="host{h:04d}:9100",job="node"'
    f = 1 + (h % 7) / 10
    out = []

    def add(name, labels, fn, long=False):
        text = "{" + ",".join([inst] + [f'{k}="{v}"' for k, v in labels]) + "}"
        out.append((name, text, fn, long))

    busy = 45 <= h < 50
    for cpu in range(4):
        rates = dict(CPU_RATES)
        if busy:
            rates["user"] = 0.9
        rates["idle"] = max(0.0, 1 - sum(rates.values()))
        for mode, r in sorted(rates.items()):
            add("node_cpu_seconds_total", [("cpu", cpu), ("mode", mode)],
                lambda t, r=r * f: r * (t - t0) + 1000)
    for name, minutes in (("node_load1", 1), ("node_load5", 5), ("node_load15", 15)):
        add(name, [], lambda t, m=minutes: 4 * (0.3 + 0.2 * math.sin(t / (60 * m) + h)))
    low_mem = 50 <= h < 55
    add("node_memory_MemTotal_bytes", [], lambda t: 16e9)
    add("node_memory_MemAvailable_bytes", [],
        lambda t: (0.5e9 if low_mem else 8e9) + 1e8 * math.sin(t / 600 + h))
    add("node_memory_Buffers_bytes", [], lambda t: 1e8)
    add("node_memory_Cached_bytes", [], lambda t: 4e9 + 1e7 * math.sin(t / 300 + h))
    add("node_memory_MemFree_bytes", [], lambda t: 2e9 + 1e7 * math.cos(t / 300 + h))
    add("node_memory_Slab_bytes", [], lambda t: 3e8)
    add("node_vmstat_pgmajfault", [], lambda t: 5 * f * (t - t0))
    for dev in ("sda", "sdb"):
        add("node_disk_io_time_seconds_total", [("device", dev)], lambda t: 0.2 * f * (t - t0))
        add("node_disk_io_time_weighted_seconds_total", [("device", dev)],
            lambda t: 0.4 * f * (t - t0))
    errors = 35 <= h < 40
    for dev in ("eth0", "lo"):
        for way in ("receive", "transmit"):
            add(f"node_network_{way}_bytes_total", [("device", dev)], lambda t: 1e6 * f * (t - t0))
            add(f"node_network_{way}_packets_total", [("device", dev)], lambda t: 1e3 * f * (t - t0))
            err = 30.0 if errors and dev == "eth0" and way == "receive" else 0.0
            add(f"node_network_{way}_errs_total", [("device", dev)], lambda t, e=err: e * f * (t - t0))
            add(f"node_network_{way}_drop_total", [("device", dev)], lambda t: 0.0)
    filling = h < 20
    for device, fstype, mount in FILESYSTEMS:
        labels = [("device", device), ("fstype", fstype), ("mountpoint", mount)]
        size = 100e9
        add("node_filesystem_size_bytes", labels, lambda t: size)
        if filling and mount == "/var":
            avail = lambda t: 3.5e9 - 1e4 * (t - t0)  # noqa: E731
        else:
            avail = lambda t, p=len(mount): 50e9 + 1e8 * math.sin(t / 900 + h + p)  # noqa: E731
        add("node_filesystem_avail_bytes", labels, avail, long=True)
        add("node_filesystem_files", labels, lambda t: 6.5e6)
        add("node_filesystem_files_free", labels,
            lambda t, p=len(mount): 5e6 + 1e4 * math.sin(t / 900 + h + p), long=True)
        add("node_filesystem_readonly", labels, lambda t: 0.0)
    add("node_nf_conntrack_entries", [], lambda t: 60000.0 if 20 <= h < 30 else 1000.0)
    add("node_nf_conntrack_entries_limit", [], lambda t: 65536.0)
    add("node_textfile_scrape_error", [], lambda t: 1.0 if 30 <= h < 35 else 0.0)
    add("node_timex_offset_seconds", [], lambda t: 0.001 * math.sin(t / 120 + h))
    add("node_timex_sync_status", [], lambda t: 1.0)
    add("node_timex_maxerror_seconds", [], lambda t: 0.1)
    add("node_md_disks_required", [("device", "md0")], lambda t: 2.0)
    add("node_md_disks", [("device", "md0"), ("state", "active")], lambda t: 1.0 if h == 40 else 2.0)
    add("node_md_disks", [("device", "md0"), ("state", "failed")], lambda t: 1.0 if h == 41 else 0.0)
    add("node_md_disks", [("device", "md0"), ("state", "spare")], lambda t: 0.0)
    add("node_filefd_allocated", [], lambda t: 80000.0 if 42 <= h < 45 else 2000.0)
    add("node_filefd_maximum", [], lambda t: 100000.0)
    return out


def fleet(hosts, t0):
    """Every series of the fleet, grouped by metric name (exposition needs families together)."""
    by_name = {}
    for h in range(hosts):
        for name, labels, fn, long in host_series(h, t0):
            by_name.setdefault(name, []).append((labels, fn, long))
    return by_name


def write_backfill(path, series, end, long_history, short_history):
    """OpenMetrics for create-blocks-from: 15 s samples up to `end`, 6 h for the series the
    predict_linear alerts read, `short_history` seconds for the others."""
    count = 0
    with open(path, "w") as out:
        for name, members in series.items():
            out.write(f"# TYPE {name} gauge\n")
            for labels, fn, long in members:
                span = long_history if long else short_history
                prefix = name + labels
                t = end - span
                lines = []
                while t < end:
                    lines.append(f"{prefix} {fn(t)!r} {t}\n")
                    t += INTERVAL
                out.writelines(lines)
                count += len(lines)
        out.write("# EOF\n")
    return count


class FleetHandler(http.server.BaseHTTPRequestHandler):
    """Serves the whole fleet's page at the time of the request."""
    series = {}

    def do_GET(self):
        now = time.time()
        lines = []
        for name, members in self.series.items():
            lines.append(f"# TYPE {name} gauge\n")
            lines.extend(f"{name}{labels} {fn(now)!r}\n" for labels, fn, _ in members)
        send_page(self, "".join(lines).encode())

    def log_message(self, *args):
        pass


def get_json(base, path, params=None, timeout=30):
    url = base + path + ("?" + urllib.parse.urlencode(params, doseq=True) if params else "")
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.load(r)


def instant(base, expr):
    return get_json(base, "/api/v1/query", {"query": expr})["data"]["result"]


def metric_value(base, name, labels=None):
    """Sum of a metric's samples on the system's /metrics page (0 when absent)."""
    with urllib.request.urlopen(base + "/metrics", timeout=30) as r:
        text = r.read().decode()
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            if labels and not all(f'{k}="{v}"' in line for k, v in labels.items()):
                continue
            total += float(line.rsplit(" ", 1)[1])
    return total


def write_config(path, target, with_rules):
    lines = [
        "global:",
        f"  scrape_interval: {INTERVAL}s",
        f"  evaluation_interval: {INTERVAL}s",
        "scrape_configs:",
        "  - job_name: node",
        "    honor_labels: true",
        "    scrape_timeout: 14s",
        "    static_configs:",
        f"      - targets: ['{target}']",
    ]
    if with_rules:
        lines += ["rule_files:", f"  - {RULES}"]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


class System:
    """One server under test: its process, address and what was measured."""

    def __init__(self, name, binary, port, work):
        self.name, self.binary, self.port = name, binary, port
        self.base = f"http://127.0.0.1:{port}"
        self.dir = os.path.join(work, name)
        self.data = os.path.join(self.dir, "data")
        self.config = os.path.join(self.dir, "prometheus.yml")
        self.proc = None
        self.group_times = {}  # group name -> [seconds]
        self.alert_rule_times = []
        self.rule_times = {}  # (group, position, name) -> [seconds]
        self.cpu = {}

    def start(self):
        log = open(os.path.join(self.dir, "server.log"), "w")
        args = [self.binary, f"--config.file={self.config}", f"--storage.tsdb.path={self.data}",
                f"--web.listen-address=127.0.0.1:{self.port}", "--web.enable-lifecycle"]
        if self.name.startswith("pharos"):
            # Its own Pushgateway and Alertmanager listeners off (a second Pharos may run).
            args[1:1] = ["server", "--pushgateway.listen-address=", "--alertmanager.listen-address="]
        self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        if not wait_http(self.base + "/-/ready", timeout=300):
            raise SystemExit(f"{self.name} did not become ready; see {self.dir}/server.log")

    def reload(self):
        req = urllib.request.Request(self.base + "/-/reload", method="POST")
        urllib.request.urlopen(req, timeout=60).read()

    def sample_rules(self):
        """Record every group's and alerting rule's last evaluation time."""
        for group in get_json(self.base, "/api/v1/rules")["data"]["groups"]:
            if group.get("lastEvaluation", "").startswith("0001"):
                continue
            self.group_times.setdefault(group["name"], []).append(group["evaluationTime"])
            for position, rule in enumerate(group["rules"]):
                if rule["type"] == "alerting":
                    self.alert_rule_times.append(rule["evaluationTime"])
                self.rule_times.setdefault((group["name"], position, rule["name"]), []) \
                    .append(rule["evaluationTime"])


def load_backfill(system, om_path, pharos_bin, promtool):
    os.makedirs(system.data, exist_ok=True)
    if system.name.startswith("pharos"):
        cmd = [pharos_bin, "tsdb", "create-blocks-from", "openmetrics", om_path, system.data]
    else:
        cmd = [promtool, "tsdb", "create-blocks-from", "openmetrics", om_path, system.data]
    started = time.time()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, timeout=3600)
    return time.time() - started


def windowed_cpu(systems, seconds, on_round=None):
    """CPU seconds of each system over the next `seconds`; `on_round` runs every interval."""
    before = {s.name: cpu_seconds(s.proc.pid) for s in systems}
    deadline = time.time() + seconds
    while time.time() < deadline:
        time.sleep(min(INTERVAL, max(0.0, deadline - time.time())))
        if on_round:
            for s in systems:
                on_round(s)
    return {s.name: cpu_seconds(s.proc.pid) - before[s.name] for s in systems}


def answers(system, record_names):
    counts = {n: len(instant(system.base, n)) for n in record_names}
    alerts = {(r["metric"]["alertname"], r["metric"]["alertstate"]): int(float(r["value"][1]))
              for r in instant(system.base, "count by (alertname, alertstate) (ALERTS)")}
    return counts, alerts


def percentile(values, q):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hosts", type=int, default=1000)
    ap.add_argument("--window", type=int, default=180, help="seconds per measured window")
    ap.add_argument("--pharos", default=os.path.join(ROOT, ".build", "release", "pharos"))
    ap.add_argument("--baseline", metavar="BINARY",
                    help="a second Pharos binary (e.g. before a change) run beside the others as pharos-base")
    ap.add_argument("--prometheus", default="/usr/bin/prometheus")
    ap.add_argument("--promtool", default="/usr/bin/promtool")
    ap.add_argument("--systems", default="prometheus,pharos", help="comma-separated subset")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--reuse", metavar="DIR",
                    help="a work directory kept by --keep: its loaded data, no new backfill")
    ap.add_argument("--per-rule", action="store_true",
                    help="print each rule's median evaluation time on each system")
    ap.add_argument("--perf", metavar="FILE",
                    help="record Pharos with `perf record -g` during the rules window")
    args = ap.parse_args()

    work = args.reuse or tempfile.mkdtemp(prefix="pharos-rules-bench-")
    stamp = os.path.join(work, "backfill-end")
    if args.reuse:
        t_end = int(open(stamp).read())
    else:
        t_end = int(time.time()) // INTERVAL * INTERVAL
        with open(stamp, "w") as f:
            f.write(str(t_end))
    t0 = t_end - 6 * 3600
    series = fleet(args.hosts, t0)
    total_series = sum(len(m) for m in series.values())
    om_path = os.path.join(work, "backfill.om")
    if not args.reuse:
        samples = write_backfill(om_path, series, t_end, 6 * 3600, 15 * 60)
        print(f"fleet: {args.hosts} hosts, {total_series} series; backfill {samples} samples", flush=True)

    FleetHandler.series = series
    exporter = Server(("127.0.0.1", 0), FleetHandler)
    threading.Thread(target=exporter.serve_forever, daemon=True).start()
    target = f"127.0.0.1:{exporter.server_address[1]}"

    systems = [System(name, binary, port, work)
               for name, binary, port in (("prometheus", args.prometheus, 19390), ("pharos", args.pharos, 19391),
                                          ("pharos-base", args.baseline, 19392))
               if name in args.systems.split(",") + (["pharos-base"] if args.baseline else [])]
    perf = None
    try:
        for s in systems:
            s.load_seconds = float("nan")
            if args.reuse:
                continue
            os.makedirs(s.dir, exist_ok=True)
            s.load_seconds = load_backfill(s, om_path, s.binary, args.promtool)
            print(f"{s.name}: backfill loaded in {s.load_seconds:.0f} s", flush=True)
        if not args.reuse:
            os.remove(om_path)
        for s in systems:
            write_config(s.config, target, with_rules=False)
            s.start()
        # Warm up: a few scrapes land before the ingest-only window.
        time.sleep(3 * INTERVAL)
        base = windowed_cpu(systems, args.window)
        for s in systems:
            write_config(s.config, target, with_rules=True)
            s.reload()
        time.sleep(2 * INTERVAL)
        pharos = [s for s in systems if s.name == "pharos"]
        if args.perf and pharos:
            perf = subprocess.Popen(["perf", "record", "-e", "cpu-clock", "-g", "-o", args.perf,
                                     "-p", str(pharos[0].proc.pid), "--", "sleep", str(args.window)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        iterations = {s.name: metric_value(s.base, "prometheus_rule_group_iterations_total")
                      for s in systems}
        missed = {s.name: metric_value(s.base, "prometheus_rule_group_iterations_missed_total")
                  for s in systems}
        rules = windowed_cpu(systems, args.window, on_round=System.sample_rules)
        for s in systems:
            group_iterations = metric_value(s.base, "prometheus_rule_group_iterations_total") \
                - iterations[s.name]
            s.rounds = group_iterations / 2
            s.missed = metric_value(s.base, "prometheus_rule_group_iterations_missed_total") \
                - missed[s.name]
            s.cpu = {"base": base[s.name], "rules": rules[s.name]}
            s.peak_rss = status_bytes(s.proc.pid, "VmHWM")
            s.rss = rss_bytes(s.proc.pid)
        record_names = [line.split("record:")[1].strip() for line in open(RULES)
                        if line.strip().startswith("- record:")]
        results = {s.name: answers(s, record_names) for s in systems}
    finally:
        if perf:
            perf.wait(timeout=args.window + 120)
        for s in systems:
            if s.proc:
                stop(s.proc)
        exporter.shutdown()
        if not args.keep and not args.reuse:
            shutil.rmtree(work, ignore_errors=True)

    print(f"\nload average {os.getloadavg()[0]:.1f}; window {args.window} s; {args.hosts} hosts, "
          f"{total_series} series\n")
    print("| system | backfill load | CPU s, ingest only | CPU s, ingest + rules | rounds "
          "| CPU ms per round | group p50 ms (records / alerts) | alerting rule p50 / p99 ms "
          "| missed | peak RSS |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for s in systems:
        per_round = (s.cpu["rules"] - s.cpu["base"]) / max(s.rounds, 1) * 1000
        s.per_round = per_round
        groups = " / ".join(f"{statistics.median(s.group_times[g]) * 1000:.0f}"
                            if s.group_times.get(g) else "-"
                            for g in ("node-exporter.rules", "node-exporter"))
        print(f"| {s.name} | {s.load_seconds:.0f} s | {s.cpu['base']:.1f} | {s.cpu['rules']:.1f} "
              f"| {s.rounds:.0f} | {per_round:.0f} | {groups} "
              f"| {percentile(s.alert_rule_times, 0.5) * 1000:.2f} / "
              f"{percentile(s.alert_rule_times, 0.99) * 1000:.2f} | {s.missed:.0f} "
              f"| {s.peak_rss / 2**20:.0f} MiB |")
    if args.per_rule:
        print("\n| group | # | rule | " + " | ".join(f"{s.name} p50 ms" for s in systems) + " |")
        print("| --- | --- | --- | " + " | ".join("---" for _ in systems) + " |")
        for key in sorted({k for s in systems for k in s.rule_times}):
            medians = [f"{statistics.median(s.rule_times[key]) * 1000:.2f}" if s.rule_times.get(key) else "-"
                       for s in systems]
            print(f"| {key[0]} | {key[1] + 1} | {key[2]} | " + " | ".join(medians) + " |")
    if len(systems) < 2:
        return
    prom, pharos = systems[:2]
    for other in systems[1:]:
        print(f"\nCPU per round: Prometheus / {other.name} = {prom.per_round / max(other.per_round, 1e-9):.2f}×")
    same = all(results["prometheus"] == results[other.name] for other in systems[1:])
    print(f"same recorded series counts and ALERTS: {'yes' if same else 'NO'}")
    if not same:
        print(json.dumps({k: [v[0], {f'{a}/{b}': c for (a, b), c in v[1].items()}]
                          for k, v in results.items()}, indent=1))
    else:
        counts, alerts = results["pharos"]
        print("alerts: " + ", ".join(f"{a} {b} {c}" for (a, b), c in sorted(alerts.items())))


if __name__ == "__main__":
    main()
