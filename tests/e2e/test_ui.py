"""What the Dagster UI shows and how it stops: a refresh of a scratch raw folder is recorded in its
warehouse's own Dagster home, never in the production one; `cdap ui` started in the background
stops on SIGTERM and on SIGINT, with every process it started."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import dagster as dg
import pytest

from pipelines import config
from tests.e2e.test_refresh import break_column
from tests.helpers.processes import alive, descendants, group_members, process_group

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux /proc")


def without_dagster_home() -> dict[str, str]:
    """This environment as a user's shell without DAGSTER_HOME (the tests may have named one)."""
    return {k: v for k, v in os.environ.items() if k != config.DAGSTER_HOME_ENV}


def snapshot(folder: Path) -> dict[str, tuple[int, int]] | None:
    """(size, mtime) of every file below a folder; None if there is no folder."""
    if not folder.exists():
        return None
    return {
        str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_a_refresh_of_a_scratch_raw_folder_leaves_the_production_dagster_home_alone(
    raw_copy, tmp_path, monkeypatch
):
    """The reported case: a refresh of a broken copy of the raw folder marked the production
    asset raw/treatment_journeys Failed in the UI. It is recorded beside its own warehouse now,
    its run tagged with its folders, and the console says where and how to see it."""
    break_column(raw_copy, "treatment_journeys.csv", drop="treatment_start_date")
    production = snapshot(config.DEFAULT_DAGSTER_HOME)
    warehouse, marts = tmp_path / "w.duckdb", tmp_path / "marts"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.cli",
            "refresh",
            "--raw-dir",
            str(raw_copy),
            "--warehouse",
            str(warehouse),
            "--marts-dir",
            str(marts),
        ],
        cwd=config.PROJECT_ROOT,
        env=without_dagster_home(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    assert snapshot(config.DEFAULT_DAGSTER_HOME) == production

    home = tmp_path / "w.duckdb.dagster"
    out = result.stdout
    assert f"recorded in its own Dagster home, {home}" in out
    assert f"./cdap ui --raw-dir {raw_copy} --warehouse {warehouse} --marts-dir {marts}" in out
    monkeypatch.setenv(config.DAGSTER_HOME_ENV, str(home))  # where DagsterInstance.get() looks
    with dg.DagsterInstance.get() as instance:
        runs = instance.get_runs()
        assert len(runs) == 1
        assert runs[0].tags["cdap/raw_dir"] == str(raw_copy)
        assert runs[0].tags["cdap/warehouse"] == str(warehouse)
        assert runs[0].tags["cdap/marts_dir"] == str(marts)
        failures = instance.get_records_for_run(
            runs[0].run_id, of_type=dg.DagsterEventType.STEP_FAILURE
        ).records
        assert [r.event_log_entry.step_key for r in failures] == ["raw__treatment_journeys"]


def test_the_refresh_runs_are_tagged_with_their_folders(refreshed_run):
    settings = refreshed_run.outcome.settings
    run = refreshed_run.instance.get_run_by_id(refreshed_run.outcome.run_id)
    assert {key: run.tags.get(key) for key in settings.run_tags} == settings.run_tags
    assert run.tags["cdap/raw_dir"] == str(settings.raw_dir)


# -- `cdap ui` ------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ui_command(port: int) -> list[str]:
    """`./cdap ui` where the launcher has its .venv; elsewhere (the suite run by another
    interpreter) the command it runs, `python -m pipelines.cli ui`."""
    launcher = config.PROJECT_ROOT / "cdap"
    if (config.PROJECT_ROOT / ".venv" / "bin" / "python").exists():
        return [str(launcher), "ui", "-p", str(port)]
    return [sys.executable, "-m", "pipelines.cli", "ui", "-p", str(port)]


def answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2) as reply:
            return reply.status == 200
    except OSError:
        return False


@pytest.mark.parametrize("stop_with", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_the_ui_started_in_the_background_stops_on_a_signal(tmp_path, stop_with):
    port = free_port()
    env = {
        **without_dagster_home(),
        config.DAGSTER_HOME_ENV: str(tmp_path / "home"),
        config.WAREHOUSE_ENV: str(tmp_path / "w.duckdb"),
        config.MARTS_DIR_ENV: str(tmp_path / "marts"),
    }
    log = (tmp_path / "ui.log").open("w")
    ui = subprocess.Popen(
        ui_command(port),
        cwd=config.PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        # as a shell starts a background job (`./cdap ui &`): SIGINT ignored
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
        start_new_session=True,
    )
    group = None
    try:
        deadline = time.monotonic() + 30
        while not answers(port):
            assert ui.poll() is None, (tmp_path / "ui.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "the UI did not answer within 30 s"
            time.sleep(0.3)
        started = descendants(ui.pid)
        assert len(started) >= 3  # dagster dev, the webserver, the daemon at least
        group = next(pid for pid in started if process_group(pid) == pid)  # dagster dev's
        asked = time.monotonic()
        ui.send_signal(stop_with)
        ui.wait(timeout=20)
        assert time.monotonic() - asked < 20
        assert ui.returncode == 0
        deadline = time.monotonic() + 3  # a process killed last needs a moment to end
        while time.monotonic() < deadline and (
            any(alive(p, s) for p, s in started.items()) or group_members(group)
        ):
            time.sleep(0.1)
        assert [pid for pid, start in started.items() if alive(pid, start)] == []
        assert group_members(group) == []  # nor any it started after the count above
    finally:  # whatever the outcome, nothing of the test left running
        if ui.poll() is None:
            os.killpg(ui.pid, signal.SIGKILL)
            ui.wait()
        if group is not None and group_members(group):
            os.killpg(group, signal.SIGKILL)
        log.close()
    output = (tmp_path / "ui.log").read_text()
    assert "dg dev" not in output and "SupersessionWarning" not in output
    assert f"Dagster home: {tmp_path / 'home'}" in output
    assert "Dagster UI stopped." in output
