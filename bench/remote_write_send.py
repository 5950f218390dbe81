#!/usr/bin/env python3
"""Side-by-side remote-write *sender* benchmark: Pharos and Debian's Prometheus 2.42 scrape
the same fake exporters (bench/fake_exporters.py) and remote-write what they scrape to one
recording receiver on loopback, one system after the other, with the same config.

Per system, three phases:
  * scrape only (no `remote_write`) for `--duration` s: the CPU baseline;
  * scrape + remote write for `--duration` s: CPU, samples sent (the sender's own
    `prometheus_remote_storage_samples_total`) and compressed bytes on the wire (counted by the
    receiver), so the sender's CPU per sample is the difference of the two phases;
  * an outage: the receiver answers 503 for `--outage` s (both senders retry 5xx and keep the
    backlog in their write-ahead log), then 204 again; the catch-up rate is the best 2 s window
    of samples sent after the receiver returns, and the drain time runs until the send rate is
    back under twice the steady rate.

    python3 bench/remote_write_send.py --targets 50 --series 1000 --interval 5 --duration 60 --outage 60

Every process it starts is stopped by PID; every phase is bounded in time."""
import argparse
import http.server
import os
import shutil
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from peers import cpu_seconds, rss_bytes, stop, wait_http  # noqa: E402


class Receiver(http.server.BaseHTTPRequestHandler):
    """Counts remote-write requests and body bytes; answers 503 while `down` is set."""
    lock = threading.Lock()
    requests = 0
    body_bytes = 0
    down = False

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if Receiver.down:
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        with Receiver.lock:
            Receiver.requests += 1
            Receiver.body_bytes += len(body)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


class ThreadingServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def config_text(args, remote_write):
    targets = ", ".join(f"'127.0.0.1:{args.base_port + i}'" for i in range(args.targets))
    text = (f"global:\n  scrape_interval: {args.interval}s\n  scrape_timeout: {min(args.interval, 10)}s\n"
            f"scrape_configs:\n  - job_name: bench\n    static_configs:\n      - targets: [{targets}]\n")
    if remote_write:
        text += f"remote_write:\n  - url: http://127.0.0.1:{args.receiver_port}/api/v1/write\n"
    return text


def samples_sent(port):
    """The sum of `prometheus_remote_storage_samples_total` over every queue of a sender."""
    body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    total = 0.0
    for line in body.splitlines():
        if line.startswith("prometheus_remote_storage_samples_total"):
            total += float(line.rsplit(" ", 1)[1])
    return total


def command(name, config, data, port, pharos):
    if name == "pharos":
        return [pharos, "server", f"--config.file={config}", f"--storage.tsdb.path={data}",
                f"--web.listen-address=127.0.0.1:{port}", "--pushgateway.listen-address", ""]
    return ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={data}",
            f"--web.listen-address=127.0.0.1:{port}"]


def start(name, args, work, port, remote_write):
    config = os.path.join(work, f"{name}-{'rw' if remote_write else 'scrape'}.yml")
    with open(config, "w") as f:
        f.write(config_text(args, remote_write))
    data = tempfile.mkdtemp(prefix=name + "-data-", dir=work)
    log = open(os.path.join(work, os.path.basename(config) + ".log"), "w")
    proc = subprocess.Popen(command(name, config, data, port, args.pharos), stdout=log, stderr=subprocess.STDOUT)
    if not wait_http(f"http://127.0.0.1:{port}/-/ready"):
        stop(proc)
        raise RuntimeError(f"{name} did not become ready; see {log.name}")
    return proc


def baseline_cpu(name, args, work, port):
    proc = start(name, args, work, port, remote_write=False)
    try:
        time.sleep(args.warmup)
        cpu0 = cpu_seconds(proc.pid)
        time.sleep(args.duration)
        return cpu_seconds(proc.pid) - cpu0
    finally:
        stop(proc)


def sending_run(name, args, work, port):
    proc = start(name, args, work, port, remote_write=True)
    try:
        time.sleep(args.warmup)
        cpu0, sent0 = cpu_seconds(proc.pid), samples_sent(port)
        with Receiver.lock:
            bytes0 = Receiver.body_bytes
        time.sleep(args.duration)
        cpu, sent = cpu_seconds(proc.pid) - cpu0, samples_sent(port) - sent0
        with Receiver.lock:
            wire = Receiver.body_bytes - bytes0
        rss = rss_bytes(proc.pid)
        steady_rate = sent / args.duration

        Receiver.down = True
        time.sleep(args.outage)
        backlog_start = samples_sent(port)
        Receiver.down = False
        returned = time.time()
        best, drained, previous, previous_time = 0.0, None, backlog_start, returned
        while time.time() - returned < args.outage * 2 + 30:
            time.sleep(2)
            now, count = time.time(), samples_sent(port)
            rate = (count - previous) / (now - previous_time)
            best = max(best, rate)
            if best > 0 and drained is None and rate < 2 * steady_rate and now - returned > 6:
                drained = now - returned
                break
            previous, previous_time = count, now
        return {"name": name, "cpu": cpu, "sent": sent, "wire": wire, "rss": rss,
                "steady_rate": steady_rate, "catch_up_rate": best, "drain_s": drained}
    finally:
        stop(proc)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--targets", type=int, default=50)
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--interval", type=int, default=5)
    parser.add_argument("--duration", type=int, default=60, help="measured seconds per phase")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--outage", type=int, default=60)
    parser.add_argument("--base-port", type=int, default=19500)
    parser.add_argument("--receiver-port", type=int, default=19600)
    parser.add_argument("--pharos", default=os.path.join(ROOT, ".build/release/pharos"))
    parser.add_argument("--systems", default="pharos,prometheus")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="pharos-rw-send-")
    names = args.systems.split(",")
    per_system = 2 * (args.warmup + args.duration) + 3 * args.outage + 120
    exporters = subprocess.Popen([sys.executable, os.path.join(ROOT, "bench/fake_exporters.py"),
                                  "--targets", str(args.targets), "--series", str(args.series),
                                  "--base-port", str(args.base_port), "--duration", str(per_system * len(names))])
    receiver = ThreadingServer(("127.0.0.1", args.receiver_port), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    results = []
    try:
        time.sleep(2)
        for index, name in enumerate(names):
            port = 19090 + index
            if name != "pharos" and shutil.which("prometheus") is None:
                print("skipping prometheus: not installed", file=sys.stderr)
                continue
            base = baseline_cpu(name, args, work, port)
            run = sending_run(name, args, work, port)
            run["sender_cpu"] = max(run["cpu"] - base, 0.0)
            run["baseline_cpu"] = base
            results.append(run)
    finally:
        receiver.shutdown()
        exporters.terminate()
        exporters.wait()
    peer = next((r for r in results if r["name"] == "prometheus"), None)
    print(f"\n{args.targets} targets x {args.series} series every {args.interval} s; {args.duration} s per phase "
          f"after {args.warmup} s warm-up; {args.outage} s receiver outage\n")
    print("| sender | samples/s sent | wire bytes/sample | CPU s scrape only | CPU s scrape + send "
          "| sender CPU µs/sample | catch-up samples/s | drain after outage | RSS sending |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        per_sample = r["sender_cpu"] / r["sent"] * 1e6 if r["sent"] else float("nan")
        drain = f"{r['drain_s']:.0f} s" if r["drain_s"] is not None else "not drained"
        print(f"| {r['name']} | {r['steady_rate']:,.0f} | {r['wire'] / max(r['sent'], 1):.2f} | {r['baseline_cpu']:.2f} "
              f"| {r['cpu']:.2f} | {per_sample:.2f} | {r['catch_up_rate']:,.0f} | {drain} | {r['rss'] / 2**20:.0f} MiB |")
    if peer:
        for r in results:
            if r is peer or not peer["sender_cpu"] or not r["sent"]:
                continue
            cpu_ratio = (peer["sender_cpu"] / peer["sent"]) / max(r["sender_cpu"] / r["sent"], 1e-12)
            wire_ratio = (r["wire"] / r["sent"]) / max(peer["wire"] / peer["sent"], 1e-12)
            print(f"\n{r['name']} vs prometheus: {cpu_ratio:.2f}x as CPU-efficient per sample sent, "
                  f"{wire_ratio:.2f}x the wire bytes per sample, "
                  f"{r['catch_up_rate'] / max(peer['catch_up_rate'], 1):.2f}x the catch-up rate")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
