#!/usr/bin/env python3
"""Side-by-side PromQL benchmark: Pharos, Debian's Prometheus 2.42 and VictoriaMetrics 1.79
answer the same range queries over the same data, one system at a time, over HTTP on
loopback.

The data and expressions follow Prometheus's own engine benchmark (promql/bench_test.go):
metrics a_X and b_X (X = one, ten, hundred series, label l), classic histograms h_X (le 0..9
and +Inf), a sparse series, one sample per series every 10 s, value s + i/N. Pharos and
Prometheus load it with `create-blocks-from openmetrics`, VictoriaMetrics through
/api/v1/import/prometheus. Every expression runs once as warm-up, then --runs times; the
table gives the median wall time of each system (request to last byte of the response), the
response size, the speed-up (the peer's time over Pharos's: above 1 means Pharos is faster), whether Pharos's answer equals Prometheus's (same series and timestamps,
values within 1e-9 relative; evaluation times sit 5 s off the sample grid so 2.x's closed
and 3.x's open range windows select the same samples), and peak RSS.

    swift build -c release --product pharos
    python3 bench/promql_compare.py --intervals 18640 --runs 5

Every process it starts is stopped by PID; every phase is bounded in time."""
import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from peers import cpu_seconds, du, status_bytes, stop, wait_http  # noqa: E402

INTERVAL = 10  # seconds between samples, as bench_test.go

# (expression, steps) — bench_test.go's cases for X = hundred (and one), at 1,000 or 10,000 steps.
CASES = [
    ("a_one", 1000),
    ("a_hundred", 1000),
    ("rate(a_hundred[1m])", 1000),
    ("rate(a_hundred[1m])", 10000),
    ("rate(sparse[1m])", 10000),
    ("rate(a_hundred[1d])", 1000),
    ("changes(a_hundred[1d])", 1000),
    ("-a_hundred", 1000),
    ("a_hundred - b_hundred", 1000),
    ("a_hundred - b_hundred", 10000),
    ("a_hundred and b_hundred{l=~'.*[0-4]$'}", 1000),
    ("a_hundred or b_hundred{l=~'.*[0-4]$'}", 1000),
    ("abs(a_hundred)", 1000),
    ("label_replace(a_hundred, 'l2', '$1', 'l', '(.*)')", 1000),
    ("label_join(a_hundred, 'l2', '-', 'l', 'l')", 1000),
    ("sum(a_hundred)", 1000),
    ("sum(a_hundred)", 10000),
    ("sum without (l)(h_hundred)", 1000),
    ("sum without (le)(h_hundred)", 1000),
    ("sum by (le)(h_hundred)", 1000),
    ("count_values('value', h_hundred)", 100),
    ("topk(1, a_hundred)", 1000),
    ("topk(5, a_hundred)", 1000),
    ("rate(a_hundred[1m]) + rate(b_hundred[1m])", 1000),
    ("sum without (l)(rate(a_hundred[1m]))", 1000),
    ("sum without (l)(rate(a_hundred[1m])) / sum without (l)(rate(b_hundred[1m]))", 1000),
    ("histogram_quantile(0.9, rate(h_hundred[5m]))", 1000),
    ("a_hundred + on(l) group_right a_one", 1000),
    ("timestamp(a_hundred)", 1000),
]


def series_list():
    """The bench's label sets in its order: (name, labels dict)."""
    out = [("a_one", {}), ("b_one", {})]
    out += [("h_one", {"le": str(j)}) for j in range(10)] + [("h_one", {"le": "+Inf"})]
    for size, count in (("ten", 10), ("hundred", 100)):
        for i in range(count):
            out += [(f"a_{size}", {"l": str(i)}), (f"b_{size}", {"l": str(i)})]
            out += [(f"h_{size}", {"l": str(i), "le": str(j)}) for j in range(10)]
            out.append((f"h_{size}", {"l": str(i), "le": "+Inf"}))
    return out


def label_text(name, labels):
    if not labels:
        return name
    return name + "{" + ",".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"


def write_data(work, intervals, t0):
    """The OpenMetrics file (seconds) for create-blocks-from and the text file (milliseconds)
    for VictoriaMetrics, one family after another, each series' samples in time order."""
    series = series_list()
    n = len(series)
    om_path, text_path = os.path.join(work, "data.om"), os.path.join(work, "data.prom")
    with open(om_path, "w") as om, open(text_path, "w") as text:
        families = {}
        for i, (name, labels) in enumerate(series):
            families.setdefault(name, []).append((i, labels))
        for name, members in families.items():
            om.write(f"# TYPE {name} gauge\n")
            for i, labels in members:
                prefix = label_text(name, labels)
                for s in range(intervals):
                    v = repr(s + i / n)
                    t = t0 + s * INTERVAL
                    om.write(f"{prefix} {v} {t}\n")
                    text.write(f"{prefix} {v} {t * 1000}\n")
        om.write("# TYPE sparse gauge\n")
        per_sparse = max(intervals // 50, 1)
        for l in range(intervals // per_sparse + 1):
            for s in range(l * per_sparse, min((l + 1) * per_sparse, intervals)):
                v = repr(s / n)
                t = t0 + s * INTERVAL
                om.write(f'sparse{{l="{l}"}} {v} {t}\n')
                text.write(f'sparse{{l="{l}"}} {v} {t * 1000}\n')
        om.write("# EOF\n")
    return om_path, text_path, n * intervals + intervals


def run_checked(cmd, log, timeout):
    with open(log, "w") as out:
        subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, timeout=timeout, check=True)


def import_victoria(text_path, base, chunk_lines=500_000):
    with open(text_path) as f:
        while True:
            lines = [line for _, line in zip(range(chunk_lines), f)]
            if not lines:
                break
            body = "".join(lines).encode()
            urllib.request.urlopen(urllib.request.Request(base + "/api/v1/import/prometheus", data=body), timeout=600).read()
    urllib.request.urlopen(base + "/internal/force_flush", timeout=600).read()


def query(base, expr, start, end, step):
    params = urllib.parse.urlencode({"query": expr, "start": start, "end": end, "step": step, "nocache": 1})
    began = time.perf_counter()
    try:
        body = urllib.request.urlopen(base + "/api/v1/query_range?" + params, timeout=600).read()
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"{base} {expr}: {error.code} {error.read()[:300]!r}") from None
    return time.perf_counter() - began, body


def matrix(body):
    doc = json.loads(body)
    if doc.get("status") != "success":
        return None
    return {tuple(sorted(s["metric"].items())): s["values"] for s in doc["data"]["result"]}


def same_answer(ours, theirs):
    a, b = matrix(ours), matrix(theirs)
    if a is None or b is None or a.keys() != b.keys():
        return False
    for key, points in a.items():
        other = b[key]
        if len(points) != len(other):
            return False
        for (t1, v1), (t2, v2) in zip(points, other):
            x, y = float(v1), float(v2)
            if t1 != t2 or not (x == y or (math.isnan(x) and math.isnan(y)) or abs(x - y) <= 1e-9 * max(abs(x), abs(y))):
                return False
    return True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--intervals", type=int, default=18640, help="samples per series (bench_test.go: 1 day + 10,000 steps)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pharos", default=os.path.join(ROOT, ".build/release/pharos"))
    parser.add_argument("--systems", default="pharos,prometheus,victoria-metrics")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--reuse", help="a kept work directory: its data and loaded systems are used again")
    parser.add_argument("--only", action="append", default=[],
                        help="run only the cases whose `expression@steps` contains this text (repeatable)")
    args = parser.parse_args()

    work = args.reuse or tempfile.mkdtemp(prefix="pharos-promql-bench-")
    if args.reuse:
        with open(os.path.join(work, "t0")) as f:
            t0 = int(f.read())
        om_path, text_path = os.path.join(work, "data.om"), os.path.join(work, "data.prom")
        samples = (len(series_list()) + 1) * args.intervals
    else:
        now = int(time.time())
        span = args.intervals * INTERVAL
        t0 = (now - span - 7200) // 7200 * 7200  # 2 h aligned, within VictoriaMetrics's default retention
        print(f"work dir {work}; generating {args.intervals} intervals from {t0}", file=sys.stderr)
        om_path, text_path, samples = write_data(work, args.intervals, t0)
        with open(os.path.join(work, "t0"), "w") as f:
            f.write(str(t0))
    last = t0 + (args.intervals - 1) * INTERVAL
    systems = {
        "pharos": (19190, lambda d, p: [args.pharos, "server", f"--config.file={work}/empty.yml", f"--storage.tsdb.path={d}",
                                        f"--web.listen-address=127.0.0.1:{p}", "--pushgateway.listen-address", ""], "/-/ready"),
        "prometheus": (19191, lambda d, p: ["prometheus", f"--config.file={work}/empty.yml", f"--storage.tsdb.path={d}",
                                            f"--web.listen-address=127.0.0.1:{p}"], "/-/ready"),
        "victoria-metrics": (19192, lambda d, p: ["victoria-metrics", f"-storageDataPath={d}", f"-httpListenAddr=127.0.0.1:{p}",
                                                  "-search.disableCache", "-retentionPeriod=100y"], "/health"),
    }
    cases = [c for c in CASES if not args.only or any(o in f"{c[0]}@{c[1]}" for o in args.only)]
    with open(f"{work}/empty.yml", "w") as f:
        f.write("global:\n  scrape_interval: 15s\n")
    timings, sizes, bodies, stats = {}, {}, {}, {}
    for name in args.systems.split(","):
        port, command, ready = systems[name]
        data = os.path.join(work, name + "-data")
        if shutil.which(command(data, port)[0]) is None and not os.path.exists(command(data, port)[0]):
            print(f"skipping {name}: not found", file=sys.stderr)
            continue
        load_began = time.time()
        loaded = os.path.isdir(data)
        if loaded:
            pass
        elif name == "pharos":
            run_checked([args.pharos, "tsdb", "create-blocks-from", "openmetrics", "--quiet", om_path, data], f"{work}/{name}-load.log", 3600)
        elif name == "prometheus":
            run_checked(["promtool", "tsdb", "create-blocks-from", "openmetrics", "--quiet", om_path, data], f"{work}/{name}-load.log", 3600)
        log = open(os.path.join(work, name + ".log"), "w")
        proc = subprocess.Popen(command(data, port), stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            if not wait_http(base + ready, timeout=600):
                raise RuntimeError(f"{name} did not become ready; see {log.name}")
            if name == "victoria-metrics" and not loaded:
                import_victoria(text_path, base)
            load_seconds = time.time() - load_began
            cpu0 = cpu_seconds(proc.pid)
            for expr, steps in cases:
                end = last - 5
                start = end - (steps - 1) * INTERVAL
                try:
                    _, body = query(base, expr, start, end, INTERVAL)
                except RuntimeError as error:
                    print(error, file=sys.stderr)
                    continue
                bodies[(name, expr, steps)] = body if name in ("pharos", "prometheus") else None
                runs = [query(base, expr, start, end, INTERVAL)[0] for _ in range(args.runs)]
                timings[(name, expr, steps)] = statistics.median(runs)
                sizes[(name, expr, steps)] = len(body)
            stats[name] = {"cpu": cpu_seconds(proc.pid) - cpu0, "hwm": status_bytes(proc.pid, "VmHWM"),
                           "disk": du(data), "load": load_seconds}
        finally:
            stop(proc)
            log.close()
    names = [n for n in args.systems.split(",") if n in stats]
    print(f"\n{len(series_list()) + 1} series families' data: {samples:,} samples, {args.intervals} per series, "
          f"10 s apart; range queries with a 10 s step, median of {args.runs}\n")
    print("| expression | steps | " + " | ".join(f"{n} ms" for n in names) +
          " | speed-up vs Prometheus | speed-up vs VictoriaMetrics | same answer as Prometheus | response |")
    print("| --- | --- | " + " | ".join("---" for _ in names) + " | --- | --- | --- | --- |")
    for expr, steps in cases:
        cells = [f"{timings[(n, expr, steps)] * 1000:.0f}" if (n, expr, steps) in timings else "error" for n in names]
        def ratio(peer):
            if ("pharos", expr, steps) in timings and (peer, expr, steps) in timings:
                return f"{timings[(peer, expr, steps)] / timings[('pharos', expr, steps)]:.2f}x"
            return "-"
        same = "-"
        if ("pharos", expr, steps) in bodies and ("prometheus", expr, steps) in bodies:
            same = "yes" if same_answer(bodies[("pharos", expr, steps)], bodies[("prometheus", expr, steps)]) else "**no**"
        size = sizes.get(("pharos", expr, steps), 0)
        print(f"| `{expr}` | {steps} | " + " | ".join(cells) + f" | {ratio('prometheus')} | {ratio('victoria-metrics')} | {same} | {size / 1e6:.1f} MB |")
    print("\n| system | load time | data on disk | CPU s over all queries | peak RSS |")
    print("| --- | --- | --- | --- | --- |")
    for n in names:
        s = stats[n]
        print(f"| {n} | {s['load']:.0f} s | {s['disk'] / 2**20:.0f} MiB | {s['cpu']:.1f} | {s['hwm'] / 2**20:.0f} MiB |")
    if not args.keep and not args.reuse:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
