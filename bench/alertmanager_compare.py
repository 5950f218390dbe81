#!/usr/bin/env python3
"""Side-by-side Alertmanager benchmark: Pharos (`pharos server --role=alertmanager`) and
Debian's Alertmanager 0.25 get the same config (20 inhibit rules, grouping by `group`,
group_wait 0s) and, one after the other, the same 10,000 alerts in 500 groups with 50
silences, posted in batches of 100 over loopback. Reports dispatch latency (first alert of a
group posted -> that group's first webhook received, p50/p99 over the groups), RSS and its
anonymous part (RssAnon: heap and stacks, without the pages of the binary and shared libraries).

    python3 bench/alertmanager_compare.py --pharos .build/release/pharos

Every process it starts is stopped by PID; every phase is bounded in time."""
import argparse
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

from peers import rss_bytes, status_bytes, stop, wait_http


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Recorder(http.server.BaseHTTPRequestHandler):
    first = {}
    lock = threading.Lock()

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        now = time.monotonic()
        group = json.loads(body).get("groupLabels", {}).get("group", "")
        with Recorder.lock:
            Recorder.first.setdefault(group, now)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def config(hook, rules):
    inhibit = "\n".join(
        f"  - source_matchers: ['severity=\"critical\"', 'rule=\"r{i}\"']\n"
        f"    target_matchers: ['severity=\"warning\"']\n    equal: [group]" for i in range(rules))
    return f"""route:
  receiver: hook
  group_by: [group]
  group_wait: 0s
  group_interval: 5m
  repeat_interval: 4h
receivers:
  - name: hook
    webhook_configs: [{{url: '{hook}'}}]
inhibit_rules:
{inhibit}
"""


def bench_silences(count):
    """Silences of the alerts `instance="i0"` … `"i{count-1}"`, active until 2099."""
    return [{"matchers": [{"name": "instance", "value": f"i{i}", "isRegex": False}], "startsAt": "2026-01-01T00:00:00Z",
             "endsAt": "2099-01-01T00:00:00Z", "createdBy": "bench", "comment": "bench"} for i in range(count)]


def bench_alerts(count, groups):
    """`count` alerts spread round-robin over `groups` groups; every 50th is critical (an inhibition source)."""
    return [{"labels": {"alertname": "Bench", "group": f"g{i % groups}", "instance": f"i{i}",
                        "severity": "critical" if i % 50 == 0 else "warning", "rule": f"r{i % 40}"},
             "annotations": {"summary": "benchmark alert"}} for i in range(count)]


def post(url, body):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=30).read()


def run(name, command, args, hook_port):
    print("running", name, file=sys.stderr, flush=True)
    Recorder.first = {}
    port = free_port()
    work = tempfile.mkdtemp(prefix="pharos-ambench-")
    with open(os.path.join(work, "am.yml"), "w") as f:
        f.write(config(f"http://127.0.0.1:{hook_port}/", args.rules))
    argv = [a.format(config=os.path.join(work, "am.yml"), data=os.path.join(work, "data"), port=port) for a in command]
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}/api/v2"
        if not wait_http(base + "/status"):
            raise SystemExit(f"{name} did not start")
        for silence in bench_silences(args.silences):
            post(base + "/silences", silence)
        idle = rss_bytes(process.pid)
        idle_anon = status_bytes(process.pid, "RssAnon")
        print("  silences posted", file=sys.stderr, flush=True)
        posted = {}
        alerts = bench_alerts(args.alerts, args.groups)
        for start in range(0, len(alerts), args.batch):
            batch = alerts[start:start + args.batch]
            now = time.monotonic()
            for alert in batch:
                posted.setdefault(alert["labels"]["group"], now)
            post(base + "/alerts", batch)
        deadline = time.time() + 120
        while time.time() < deadline and len(Recorder.first) < args.groups:
            time.sleep(0.05)
        print("  notified groups:", len(Recorder.first), file=sys.stderr, flush=True)
        latencies = sorted(Recorder.first[g] - posted[g] for g in Recorder.first)
        loaded = rss_bytes(process.pid)
        loaded_anon = status_bytes(process.pid, "RssAnon")
        count = len(json.load(urllib.request.urlopen(base + "/alerts", timeout=60)))
        def pct(p):
            return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else float("nan")
        return {"name": name, "groups": len(latencies), "alerts": count, "p50": pct(0.5), "p99": pct(0.99),
                "idle": idle, "rss": loaded, "idle_anon": idle_anon, "anon": loaded_anon}
    finally:
        stop(process, grace=20)
        shutil.rmtree(work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pharos", default=".build/release/pharos")
    parser.add_argument("--alertmanager", default="/usr/bin/prometheus-alertmanager")
    parser.add_argument("--alerts", type=int, default=10000)
    parser.add_argument("--groups", type=int, default=500)
    parser.add_argument("--silences", type=int, default=50)
    parser.add_argument("--rules", type=int, default=20)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()
    hook = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    hook_port = hook.server_address[1]
    results = [
        run("Alertmanager 0.25", [args.alertmanager, "--config.file={config}", "--storage.path={data}",
                                  "--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address="], args, hook_port),
        run("Pharos", [args.pharos, "server", "--role=alertmanager", "--config.file={config}", "--storage.path={data}",
                       "--web.listen-address=127.0.0.1:{port}"], args, hook_port),
    ]
    hook.shutdown()
    print("| server | groups notified | active alerts | dispatch p50 | dispatch p99 | RSS idle | RSS loaded | anon idle | anon loaded |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        print(f"| {r['name']} | {r['groups']} | {r['alerts']} | {r['p50']:.1f} ms | {r['p99']:.1f} ms | "
              f"{r['idle'] / 2**20:.1f} MiB | {r['rss'] / 2**20:.1f} MiB | "
              f"{r['idle_anon'] / 2**20:.1f} MiB | {r['anon'] / 2**20:.1f} MiB |")


if __name__ == "__main__":
    main()
