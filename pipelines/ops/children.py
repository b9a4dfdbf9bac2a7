"""Child processes that end with their refresh, however it ends.

A refresh starts processes of its own: dbt (started by dagster-dbt), the validating process and
multiprocessing's helpers. When the refresh is killed (`kill -9`, the machine's out-of-memory
killer), they would run on, holding the warehouse and the CPU. A small watchdog process, asked
by Linux to be signalled when the refresh dies (`PR_SET_PDEATHSIG`), keeps a list of the
refresh's descendants (from /proc, twice a second) and kills them when the refresh is gone. It
ends itself then, or when the refresh ends normally. Elsewhere than Linux it does nothing.
"""

import os
import subprocess
import sys

# Runs in the watchdog: argv[1] is the refresh's pid.
_WATCHDOG = r"""
import ctypes, os, signal, sys, time
parent = int(sys.argv[1])
libc = ctypes.CDLL(None, use_errno=True)
libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG: told when the refresh dies
if os.getppid() != parent:  # it died before the request was made
    sys.exit(0)
known = {}  # pid -> start time (a pid is reused only with another start time)

def started(pid):
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return int(fields[1]), fields[19]  # parent pid, start time
    except (OSError, IndexError, ValueError):
        return None

def scan():
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            info = started(int(entry))
            if info:
                parents[int(entry)] = info
    family, grew = {parent} | set(known), True
    while grew:
        grew = False
        for pid, (ppid, start) in parents.items():
            if ppid in family and pid not in family:
                family.add(pid)
                known[pid] = start
                grew = True

def end(*_):
    scan()  # the last ones, reparented or not: they are still in `known` or found from it
    for pid, start in known.items():
        info = started(pid)
        if info and info[1] == start:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
    os._exit(0)

signal.signal(signal.SIGTERM, end)
while True:
    scan()
    time.sleep(0.5)
"""


def start_watchdog() -> subprocess.Popen | None:
    """Start the watchdog of this process's children (Linux only)."""
    if not sys.platform.startswith("linux"):
        return None
    return subprocess.Popen(
        [sys.executable, "-c", _WATCHDOG, str(os.getpid())],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        close_fds=True,
    )


def stop_watchdog(watchdog: subprocess.Popen | None) -> None:
    """The refresh ended normally: the watchdog ends without killing anything."""
    if watchdog is not None:
        watchdog.kill()
        watchdog.wait()
