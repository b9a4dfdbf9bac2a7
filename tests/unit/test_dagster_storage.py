"""The event log that keeps its engines and connections stores what Dagster's own SQLite event
log stores, in the same files: each reads the other's runs. It keeps a bounded number of files
open, and none before a wipe."""

import dagster as dg

from pipelines import settings
from pipelines.dagster_storage import _OPEN_FILES, SqliteEventLogStorageKeepingEngines


@dg.asset
def numbers() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"rows": 3})


@dg.asset_check(asset=numbers, blocking=True)
def numbers_are_there() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True)


def _instance(home, yaml_text: str) -> dg.DagsterInstance:
    (home / "dagster.yaml").write_text(yaml_text)
    return dg.DagsterInstance.from_config(str(home))


def test_runs_are_stored_as_dagster_stores_them(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    keeping = _instance(tmp_path, settings.DAGSTER_YAML)
    assert isinstance(keeping.event_log_storage, SqliteEventLogStorageKeepingEngines)
    first = dg.materialize([numbers], instance=keeping, selection=[numbers]).run_id
    dg.materialize([numbers, numbers_are_there], instance=keeping)

    dagsters_own = _instance(tmp_path, "telemetry:\n  enabled: false\n")
    assert type(dagsters_own.event_log_storage).__name__ == "SqliteEventLogStorage"
    assert [e.dagster_event_type for e in dagsters_own.all_logs(first)] == [
        e.dagster_event_type for e in keeping.all_logs(first)
    ]
    latest = dagsters_own.get_latest_materialization_event(numbers.key)
    assert latest.asset_materialization.metadata["rows"].value == 3
    check = dagsters_own.event_log_storage.get_latest_asset_check_execution_by_key(
        [numbers_are_there.check_key]
    )[numbers_are_there.check_key]
    assert check.status.value == "SUCCEEDED"
    # and the other way round: a run stored by Dagster's own class, read through the keeping one
    third = dg.materialize([numbers], instance=dagsters_own).run_id
    assert len(keeping.all_logs(third)) == len(dagsters_own.all_logs(third)) > 0


def test_open_files_are_bounded_and_closed_before_a_wipe(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    keeping = _instance(tmp_path, settings.DAGSTER_YAML)
    storage = keeping.event_log_storage
    runs = [dg.materialize([numbers], instance=keeping).run_id for _ in range(20)]
    # one file per run, plus the index: the least recently used are closed
    assert len(storage._engines) == _OPEN_FILES
    assert all(keeping.all_logs(run_id) for run_id in runs)  # reopened when read again
    keeping.wipe()
    assert set(storage._engines) <= {"index"}  # the index is emptied and opened again
    assert not list((tmp_path / "history" / "runs").glob("*-*.db"))
