#!/usr/bin/env python3
"""End-to-end lag of Pharos's cluster roles: how long after the distributor acknowledged a
remote write (Kafka acknowledged it, acks=all) the sample is returned by the querier.

Starts librdkafka's mock cluster (`pharos-kafka-mock-helper`: three brokers speaking the real
Kafka protocol on loopback, since no Kafka broker can run here), one distributor, one ingester
per partition and one querier, each a `pharos server` process. A load thread sends
`--series` series per request at `--rate` requests/s; a probe thread writes the series
`lag_probe` with an increasing value, and after each acknowledgement polls the querier every
2 ms until the value shows. Reports p50/p90/p99/max of the lag, the load achieved, each
process's CPU and the bytes per sample of the records in the topic (read back with Debian's
kcat); then the same against a single `--role=all` process (acknowledged means already
queryable there: its lag is the query round trip, the floor of the method).

    python3 bench/cluster_lag.py --probes 200 --series 1000 --rate 20

Every process started is stopped by PID; every phase is bounded in time."""
import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peers import cpu_seconds, stop  # noqa: E402
from remote_write_receive import field, series_labels, snappy_literal, uvarint, wait_ready  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def body_v1(series, t_ms, value_of):
    """A remote-write 1.0 request: one sample at `t_ms` per label set of `series`."""
    parts = []
    for i, labels in enumerate(series):
        label_bytes = b"".join(field(1, 2, field(1, 2, n.encode()) + field(2, 2, v.encode())) for n, v in labels)
        sample = field(1, 1, struct.pack("<d", value_of(i))) + field(2, 0, uvarint(t_ms))
        parts.append(field(1, 2, label_bytes + field(2, 2, sample)))
    return snappy_literal(b"".join(parts))


def post(conn, body):
    conn.request("POST", "/api/v1/write", body=body, headers={
        "Content-Type": "application/x-protobuf", "Content-Encoding": "snappy",
        "X-Prometheus-Remote-Write-Version": "0.1.0"})
    response = conn.getresponse()
    text = response.read()
    if response.status != 204:
        raise RuntimeError(f"remote write answered {response.status}: {text[:200]!r}")


def measure(args, write_port, read_port, roles):
    """Runs the load and the probes; returns the lags (ms), load requests sent, seconds and CPU per role."""
    stop_load = threading.Event()
    load_sent = [0]
    load_labels = series_labels(args.series)

    def load():
        conn = http.client.HTTPConnection("127.0.0.1", write_port, timeout=60)
        r = 0
        next_at = time.time()
        while not stop_load.is_set():
            post(conn, body_v1(load_labels, int(time.time() * 1000), lambda i: float(r + i)))
            load_sent[0] += 1
            r += 1
            next_at += 1 / args.rate
            time.sleep(max(0, next_at - time.time()))

    load_thread = threading.Thread(target=load, daemon=True)
    cpu_before = {name: cpu_seconds(p.pid) for name, p in roles.items()}
    started = time.time()
    load_thread.start()
    writer = http.client.HTTPConnection("127.0.0.1", write_port, timeout=60)
    reader = http.client.HTTPConnection("127.0.0.1", read_port, timeout=60)
    probe = [[("__name__", "lag_probe"), ("job", "bench")]]
    lags = []
    try:
        for n in range(1, args.probes + 1):
            t = int(time.time() * 1000)
            post(writer, body_v1(probe, t, lambda _: float(n)))
            acked = time.perf_counter()
            query = urllib.parse.urlencode({"query": "lag_probe", "time": f"{t / 1000:.3f}"})
            deadline = acked + 30
            while True:
                reader.request("GET", f"/api/v1/query?{query}")
                answer = json.loads(reader.getresponse().read())
                result = answer.get("data", {}).get("result", [])
                if result and float(result[0]["value"][1]) >= n:
                    lags.append((time.perf_counter() - acked) * 1000)
                    break
                if time.perf_counter() > deadline:
                    raise RuntimeError(f"probe {n} not queryable after 30 s: {answer}")
                time.sleep(0.002)
            time.sleep(0.05)
    finally:
        stop_load.set()
        load_thread.join(timeout=60)
    elapsed = time.time() - started
    cpu = {name: cpu_seconds(p.pid) - cpu_before[name] for name, p in roles.items()}
    return sorted(lags), load_sent[0], elapsed, cpu


def record_bytes(bootstraps):
    """The number of records in the topic and the sum of their payload sizes, read with kcat."""
    kcat = shutil.which("kcat")
    if kcat is None:
        return None
    out = subprocess.run([kcat, "-C", "-b", bootstraps, "-t", "pharos", "-e", "-q", "-f", "%S\n"],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    sizes = [int(line) for line in out.split()]
    return len(sizes), sum(sizes)


def report(title, args, lags, sent, elapsed, cpu):
    q = statistics.quantiles(lags, n=100)
    print(f"{title}: probes={len(lags)} load={sent / elapsed:.1f} req/s x {args.series} series = {sent * args.series / elapsed:.0f} samples/s")
    print(f"  lag ms: p50={q[49]:.1f} p90={q[89]:.1f} p99={q[98]:.1f} max={lags[-1]:.1f}")
    for name, seconds in cpu.items():
        print(f"  {name}: {seconds:.2f} CPU s over {elapsed:.1f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/debug/pharos"))
    parser.add_argument("--mock", default=None, help="pharos-kafka-mock-helper (default: beside --binary)")
    parser.add_argument("--partitions", type=int, default=2)
    parser.add_argument("--probes", type=int, default=200)
    parser.add_argument("--series", type=int, default=1000, help="series per load request")
    parser.add_argument("--rate", type=float, default=20, help="load requests per second")
    parser.add_argument("--record-format", default="chained", choices=["chained", "remote_write_v2"],
                        help="stream.record_format of the distributor")
    parser.add_argument("--fetch-wait-ms", type=int, default=None,
                        help="stream.client fetch.wait.max.ms (librdkafka: 500): the mock cluster answers a fetch "
                             "only after this wait when it had no data, where a real broker answers as soon as data arrives")
    args = parser.parse_args()
    mock = args.mock or os.path.join(os.path.dirname(args.binary), "pharos-kafka-mock-helper")
    work = tempfile.mkdtemp(prefix="pharos-cluster-lag-")
    procs = []
    try:
        kafka = subprocess.Popen([mock, "pharos", str(args.partitions)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        procs.append(kafka)
        bootstraps = kafka.stdout.readline().strip()
        if not bootstraps or "failed" in bootstraps:
            raise RuntimeError(f"mock cluster did not start: {bootstraps}")
        ports = {"distributor": free_port(), "querier": free_port()}
        for p in range(args.partitions):
            ports[f"ingester-{p}"] = free_port()
        ingesters = "\n".join(f'    - {{address: "127.0.0.1:{ports[f"ingester-{p}"]}", partitions: [{p}]}}' for p in range(args.partitions))
        brokers = ", ".join(f'"{b}"' for b in bootstraps.split(","))
        config = os.path.join(work, "prometheus.yml")
        with open(config, "w") as f:
            f.write(f"stream:\n  kind: kafka\n  partitions: {args.partitions}\n  brokers: [{brokers}]\n"
                    f"  topic: pharos\n  replication_factor: 3\n  record_format: {args.record_format}\n  ingesters:\n{ingesters}\n")
            if args.fetch_wait_ms is not None:
                f.write(f"  client:\n    fetch.wait.max.ms: \"{args.fetch_wait_ms}\"\n")
        roles = {}
        for name, port in ports.items():
            role = name.split("-")[0]
            flags = [f"--role={role}"] + ([f"--ingester.id={name}"] if role == "ingester" else [])
            log = open(os.path.join(work, f"{name}.log"), "w")
            proc = subprocess.Popen([args.binary, "server", f"--config.file={config}", f"--storage.tsdb.path={work}/{name}",
                                     f"--web.listen-address=127.0.0.1:{port}", "--pushgateway.listen-address", ""] + flags,
                                    stdout=log, stderr=subprocess.STDOUT)
            procs.append(proc)
            roles[name] = proc
        for name, port in ports.items():
            wait_ready(f"http://127.0.0.1:{port}/-/ready", roles[name])

        cluster = measure(args, ports["distributor"], ports["querier"], roles)
        report(f"cluster ({args.record_format} records, fetch.wait.max.ms={args.fetch_wait_ms or 'default 500'})", args, *cluster)
        counted = record_bytes(bootstraps)
        if counted:
            samples = cluster[1] * args.series + len(cluster[0])
            print(f"  topic: {counted[0]} records, {counted[1]} payload bytes for {samples} samples = {counted[1] / samples:.2f} B/sample")
        single_port = free_port()
        with open(os.path.join(work, "single.yml"), "w") as f:
            f.write("global: {}\n")
        log = open(os.path.join(work, "single.log"), "w")
        single = subprocess.Popen([args.binary, "server", f"--config.file={work}/single.yml", f"--storage.tsdb.path={work}/single",
                                   f"--web.listen-address=127.0.0.1:{single_port}", "--pushgateway.listen-address", "",
                                   "--web.enable-remote-write-receiver"], stdout=log, stderr=subprocess.STDOUT)
        procs.append(single)
        wait_ready(f"http://127.0.0.1:{single_port}/-/ready", single)
        report("single process (--role=all)", args, *measure(args, single_port, single_port, {"all": single}))
    finally:
        for proc in reversed(procs):
            if proc.poll() is None:
                if proc is procs[0]:
                    proc.stdin.close()
                    try:
                        proc.wait(timeout=10)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        proc.wait()
                else:
                    stop(proc, grace=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
