"""The dbt process `cdap refresh` starts ahead (pipelines/dbt_warm.py): a dbt command sent to it
runs there as `dbt` would run it, and without it the command runs as plain dbt."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipelines import dbt_warm, settings
from pipelines.dbt_warm import CLIENT, DBT

# prints where the command ran: the pid of the process started ahead, or "here"
WHERE = 'select \'{{ env_var("CDAP_DBT_STARTED_AHEAD", "here") }}\' as ran_in'


def run(executable: Path, *arguments: str, env: dict | None = None):
    return subprocess.run(
        [str(executable), *arguments],
        capture_output=True,
        text=True,
        cwd=settings.DBT_PROJECT_DIR,
        env=env,
        timeout=300,
    )


@pytest.fixture
def started_ahead():
    dbt_warm.start()
    yield dbt_warm._process
    dbt_warm.stop()


def test_a_command_runs_in_the_process_started_ahead(started_ahead, tmp_path):
    env = {  # started_ahead set the socket's variable; dbt's folders in tmp_path
        **os.environ,
        "CDAP_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
        "DBT_TARGET_PATH": str(tmp_path / "target"),
        "DBT_LOG_PATH": str(tmp_path / "logs"),
    }
    result = run(CLIENT, "compile", "--quiet", "--inline", WHERE, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"'{started_ahead.pid}' as ran_in" in result.stdout, result.stdout
    assert result.stderr == ""  # as from dbt: no warning of what the child left behind


def test_without_it_the_command_runs_as_plain_dbt():
    result = run(CLIENT, "no-such-command", env={**os.environ, dbt_warm.SOCKET_VARIABLE: ""})
    assert result.returncode == 2 and "No such command 'no-such-command'" in result.stderr


def test_the_same_output_and_exit_status_as_dbt(started_ahead):
    for arguments in (["--help"], ["build", "--no-such-option"]):
        warm, plain = run(CLIENT, *arguments), run(DBT, *arguments)
        assert (warm.returncode, warm.stdout, warm.stderr) == (
            plain.returncode,
            plain.stdout,
            plain.stderr,
        ), arguments


def test_a_process_that_died_is_not_waited_for(started_ahead):
    started_ahead.kill()
    started_ahead.wait()
    result = run(CLIENT, "no-such-command")  # the socket is still named in the environment
    assert result.returncode == 2 and "No such command 'no-such-command'" in result.stderr


def test_it_ends_with_the_refresh_that_started_it(tmp_path):
    # a refresh killed outright never calls stop(): its dbt process must not live on
    owner = subprocess.run(
        [
            sys.executable,
            "-c",
            "from pipelines import dbt_warm; dbt_warm.start(); print(dbt_warm._process.pid)",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    orphan = int(owner.stdout)
    deadline = time.monotonic() + 60
    while Path(f"/proc/{orphan}").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not Path(f"/proc/{orphan}").exists()


def test_stop_leaves_nothing_behind():
    dbt_warm.start()
    process, socket_path = dbt_warm._process, Path(os.environ[dbt_warm.SOCKET_VARIABLE])
    dbt_warm.stop()
    assert process.poll() == -signal.SIGKILL
    assert not socket_path.parent.exists()
    assert dbt_warm.SOCKET_VARIABLE not in os.environ


def test_stop_ends_it_where_sigterm_is_ignored():
    # as in a refresh started in the background: SIGINT ignored, and Dagster's runs give
    # SIGTERM the handler of SIGINT; the process started ahead inherits SIGTERM ignored
    code = (
        "import signal; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "from pipelines import dbt_warm; dbt_warm.start(); dbt_warm.stop(); print('stopped')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == "stopped", result.stderr
