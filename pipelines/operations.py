"""Running the warehouse unattended: the single-writer guard, the run record, the monthly
schedule and the raw-folder sensor (both off until turned on in the UI)."""

import fcntl
import hashlib
import json
import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines import contract, settings

LOCK_TIMEOUT_ENV = "CDAP_LOCK_TIMEOUT"  # seconds a second refresh waits before giving up
RUN_RECORD_NAME = "run_record.jsonl"


class WarehouseBusy(Exception):
    """Another refresh holds the warehouse for longer than this one will wait."""


@contextmanager
def single_writer(warehouse: Path, timeout: float | None = None, log=None) -> Iterator[None]:
    """Hold an exclusive lock on the warehouse for a whole run. DuckDB allows one writer per
    file across processes: a second refresh (UI, command line, sensor) waits its turn, and is
    refused with a clear message when the first holds on past the timeout."""
    timeout = float(os.environ.get(LOCK_TIMEOUT_ENV, 1800)) if timeout is None else timeout
    lock_path = warehouse.with_name(warehouse.name + ".lock")
    settings.open_folder(lock_path.parent)
    with lock_path.open("a+") as handle:
        deadline = time.monotonic() + timeout
        waiting_said = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "another process"
                if time.monotonic() >= deadline:
                    raise WarehouseBusy(
                        f"the warehouse {warehouse} is being refreshed by {holder}; waited "
                        f"{timeout:.0f} s. Try again when it has finished."
                    ) from None
                if log is not None and not waiting_said:
                    log(f"waiting for the refresh of {holder} to finish")
                    waiting_said = True
                time.sleep(0.5)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {datetime.now(UTC).isoformat(timespec='seconds')}")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


class Warehouse(DuckDBResource):
    """The working DuckDB warehouse, held by one run at a time (see single_writer)."""

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator["Warehouse"]:
        # a warning, so the command line shows it too
        log = context.log.warning if context.log else None
        with single_writer(Path(self.database), log=log):
            yield self


# -- inputs and the run record ------------------------------------------------------------------


def fingerprint(path: Path) -> dict:
    """What identifies a raw file's content: sha256, with size and mtime to skip re-reading."""
    stat = path.stat()
    return {
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
    }


def input_fingerprints(raw_dir: Path) -> dict[str, dict]:
    """The fingerprint of each contract file present in the raw folder."""
    return {
        raw_file.filename: fingerprint(raw_dir / raw_file.filename)
        for raw_file in contract.RAW_FILES
        if (raw_dir / raw_file.filename).is_file()
    }


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args],
        cwd=settings.PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=5,
        check=True,
    ).stdout.strip()


def code_version() -> str:
    try:
        dirty = _git("status", "--porcelain", "--untracked-files=no")
        return _git("rev-parse", "--short", "HEAD") + ("+changes" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        from importlib.metadata import version

        return f"cdap-outcomes-warehouse {version('cdap-outcomes-warehouse')}"


def write_run_record(marts_dir: Path, record: dict) -> Path:
    """Append one JSON line per refresh (one per run id) next to the marts."""
    settings.open_folder(marts_dir)
    path = marts_dir / RUN_RECORD_NAME
    with path.open("a+", encoding="utf-8") as handle:
        if path.stat().st_mode & 0o777 != 0o644:
            path.chmod(0o644)  # shareable tier, appended to by each refresh
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        if any(
            json.loads(line).get("run_id") == record["run_id"] for line in handle if line.strip()
        ):
            return path  # already recorded (e.g. by both the command line and the failure sensor)
        handle.seek(0, os.SEEK_END)
        handle.write(json.dumps(record, sort_keys=True, default=str) + "\n")
    return path


def run_record(
    run_id: str,
    status: str,
    started: float | None,
    ended: float | None,
    checks: dict | None = None,
    published: dict | None = None,
    failures: list[str] | None = None,
    disclosure: dict | None = None,
    data_quality: list[str] | None = None,
) -> dict:
    current = settings.current()
    inputs = input_fingerprints(current.raw_dir) if current.raw_dir.is_dir() else {}
    as_of = {}
    try:
        import duckdb

        with duckdb.connect(str(current.warehouse), read_only=True) as con:
            as_of = dict(
                con.execute(
                    "SELECT source_file, data_as_of_date::varchar "
                    "FROM intermediate.int_source_coverage"
                ).fetchall()
            )
    except Exception:  # no warehouse yet, or it is busy: the record says so
        as_of = {}

    def stamp(seconds: float | None) -> str | None:
        return (
            datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds") if seconds else None
        )

    return {
        "run_id": run_id,
        "status": status,
        "started_at": stamp(started),
        "ended_at": stamp(ended),
        "inputs": {name: info["sha256"] for name, info in inputs.items()},
        "inputs_as_of": as_of,
        "configuration": {
            "raw_dir": str(current.raw_dir),
            "warehouse": str(current.warehouse),
            "marts_dir": str(current.marts_dir),
        },
        "code_version": code_version(),
        "checks": checks or {},
        "published": published or {},
        "disclosure": disclosure or {},
        "data_quality": data_quality or [],
        "failures": failures or [],
    }


# -- schedule and sensor --------------------------------------------------------------------------


def monthly_schedule(job: object) -> dg.ScheduleDefinition:
    return dg.ScheduleDefinition(
        name="monthly_full_refresh",
        job=job,
        # 06:00 on the 5th: NDTMS and prison extracts for the month before have landed by then
        cron_schedule="0 6 5 * *",
        execution_timezone="Europe/London",
        default_status=dg.DefaultScheduleStatus.STOPPED,
        description="Full refresh once a month. Off until turned on in the UI (Automation).",
    )


def raw_folder_sensor(job: object) -> dg.SensorDefinition:
    @dg.sensor(
        name="raw_folder_changed",
        job=job,
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.STOPPED,
        description="Starts a full refresh when a raw file is added or its content changes "
        "(compared by sha256, so touching a file does nothing). Off until turned on in the UI.",
    )
    def _sensor(context: dg.SensorEvaluationContext):
        raw_dir = settings.current().raw_dir
        previous = json.loads(context.cursor) if context.cursor else {}
        current = {}
        for raw_file in contract.RAW_FILES:
            path = raw_dir / raw_file.filename
            if not path.is_file():
                continue
            stat = path.stat()
            known = previous.get(raw_file.filename)
            unchanged = known and (known["size"], known["mtime_ns"]) == (
                stat.st_size,
                stat.st_mtime_ns,
            )
            # same size and mtime: no need to read it again
            current[raw_file.filename] = known if unchanged else fingerprint(path)
        contents = {name: info["sha256"] for name, info in current.items()}
        before = {name: info["sha256"] for name, info in previous.items()}
        context.update_cursor(json.dumps(current, sort_keys=True))
        if contents == before:
            return dg.SkipReason("no raw file added or changed")
        changed = sorted(name for name in contents if contents[name] != before.get(name))
        # one run per state of the folder: the same contents never start a second run
        run_key = hashlib.sha256(json.dumps(contents, sort_keys=True).encode()).hexdigest()[:16]
        return dg.RunRequest(run_key=run_key, tags={"cdap/changed_files": ",".join(changed)})

    return _sensor


def failure_recorder(job: object) -> dg.SensorDefinition:
    @dg.run_failure_sensor(
        name="record_failed_refreshes",
        monitored_jobs=[job],
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Writes the run record of a refresh that failed in the UI (successful "
        "refreshes write theirs when they publish).",
    )
    def _record(context: dg.RunFailureSensorContext) -> None:
        stats = context.instance.get_run_stats(context.dagster_run.run_id)
        write_run_record(
            settings.current().marts_dir,
            run_record(
                context.dagster_run.run_id,
                "failed",
                stats.start_time,
                stats.end_time,
                failures=[context.failure_event.message or "run failed"],
            ),
        )

    return _record
