"""A refresh killed outright (`kill -9`) leaves no process of its own running: dbt, the
validating process and multiprocessing's helpers end with it."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipelines import config

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux /proc")


def descendants(root: int) -> dict[int, str]:
    """pid -> start time of every process below `root`."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            parents[int(entry)] = (int(fields[1]), fields[19])
    family, found, grew = {root}, {}, True
    while grew:
        grew = False
        for pid, (ppid, start) in parents.items():
            if ppid in family and pid not in family:
                family.add(pid)
                found[pid] = start
                grew = True
    return found


def alive(pid: int, start: str) -> bool:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[19] == start and fields[0] != "Z"


@pytest.mark.parametrize("kill_at", ["- cdap_dbt_models", "- published__marts"])
def test_no_child_outlives_a_killed_refresh(tmp_path, kill_at):
    command = [
        sys.executable,
        "-m",
        "pipelines.cli",
        "refresh",
        "--warehouse",
        str(tmp_path / "w.duckdb"),
        "--marts-dir",
        str(tmp_path / "marts"),
    ]
    refresh = subprocess.Popen(
        command,
        cwd=config.PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        for line in refresh.stdout:
            if line.startswith(kill_at):
                break
        else:
            pytest.fail(f"the refresh ended before {kill_at!r}")
        children = descendants(refresh.pid)
        assert len(children) >= 2  # the watchdog and the validating process at least
        os.kill(refresh.pid, signal.SIGKILL)
        refresh.wait()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(alive(p, s) for p, s in children.items()):
            time.sleep(0.2)
        assert [p for p, s in children.items() if alive(p, s)] == []
    finally:
        if refresh.poll() is None:
            refresh.kill()
