"""Process and HTTP helpers shared by the side-by-side benchmarks in bench/: CPU and memory
of a process from /proc, directory sizes, readiness waits, and stopping by PID."""
import os
import signal
import subprocess
import time
import urllib.request

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """User + system CPU seconds of a process so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def status_bytes(pid, field):
    """A `/proc/PID/status` size field (`VmRSS`, `VmHWM`) in bytes."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def rss_bytes(pid):
    """Resident memory now."""
    return status_bytes(pid, "VmRSS")


def du(path):
    """Bytes of every file below `path`."""
    total = 0
    for base, _, files in os.walk(path):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(base, name))
            except OSError:
                pass
    return total


def wait_http(url, timeout=60):
    """True once `url` answers 2xx, False after `timeout` seconds."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return True
        except Exception:
            time.sleep(0.2)
    return False


def stop(proc, grace=60):
    """SIGTERM, then SIGKILL after `grace` seconds."""
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
