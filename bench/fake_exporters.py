#!/usr/bin/env python3
"""Fake exporters for the side-by-side scrape benchmark: N HTTP servers on 127.0.0.1, each
serving a node_exporter-sized page (SERIES series in node_exporter-like families) whose values
change on every scrape. Runs until killed or for --duration seconds, whichever comes first."""
import argparse
import http.server
import random
import socketserver
import threading
import time

FAMILIES = [
    ("node_cpu_seconds_total", "counter", ["cpu", "mode"]),
    ("node_network_receive_bytes_total", "counter", ["device"]),
    ("node_filesystem_avail_bytes", "gauge", ["device", "fstype", "mountpoint"]),
    ("node_disk_read_bytes_total", "counter", ["device"]),
    ("node_memory_bytes", "gauge", ["kind"]),
]


def make_series(count):
    series = []
    i = 0
    while len(series) < count:
        name, kind, labels = FAMILIES[i % len(FAMILIES)]
        values = ",".join(f'{label}="{label}{i // len(FAMILIES)}"' for label in labels)
        series.append((name, kind, "{" + values + "}"))
        i += 1
    return series


class Handler(http.server.BaseHTTPRequestHandler):
    series = []
    counter = [0]

    def do_GET(self):
        self.counter[0] += 1
        step = self.counter[0]
        lines = []
        seen = set()
        for n, (name, kind, labels) in enumerate(self.series):
            if name not in seen:
                seen.add(name)
                lines.append(f"# HELP {name} Benchmark family {name}.")
                lines.append(f"# TYPE {name} {kind}")
            value = step * (n % 17 + 1) + random.random() if kind == "counter" else random.random() * 1e9
            lines.append(f"{name}{labels} {value}")
        send_page(self, ("\n".join(lines) + "\n").encode())

    def log_message(self, *args):
        pass


def send_page(handler, body):
    """Answers a scrape with `body` in the text format."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/plain; version=0.0.4")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--targets", type=int, default=50)
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--base-port", type=int, default=19500)
    parser.add_argument("--duration", type=float, default=3600)
    args = parser.parse_args()
    Handler.series = make_series(args.series)
    servers = []
    for i in range(args.targets):
        server = Server(("127.0.0.1", args.base_port + i), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    print(f"serving {args.targets} targets x {args.series} series from port {args.base_port}", flush=True)
    time.sleep(args.duration)


if __name__ == "__main__":
    main()
