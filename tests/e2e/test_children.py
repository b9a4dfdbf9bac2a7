"""A refresh killed outright (`kill -9`) leaves no process of its own running: dbt, the
validating process and multiprocessing's helpers end with it."""

import os
import signal
import subprocess
import sys
import time

import pytest

from pipelines import config
from tests.helpers.processes import alive, descendants

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux /proc")


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
