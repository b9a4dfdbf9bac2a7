"""Running the warehouse unattended: the monthly schedule, the raw-folder sensor (both off
until turned on in the UI) and the sensor that records refreshes that failed in the UI."""

import hashlib
import json
from pathlib import Path

import dagster as dg

from pipelines import contract
from pipelines.config import Settings
from pipelines.ops.run_record import (
    POLICE_INPUT,
    fingerprint,
    police_fingerprint,
    record_unpublished_run,
    without_record_values,
)


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


def raw_folder_sensor(job: object, raw_dir: Path) -> dg.SensorDefinition:
    @dg.sensor(
        name="raw_folder_changed",
        job=job,
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.STOPPED,
        description="Starts a full refresh when a raw file is added or its content changes "
        "(compared by sha256, so touching a file does nothing). Off until turned on in the UI.",
    )
    def _sensor(context: dg.SensorEvaluationContext):
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
        # police.uk's street files, as one input (read again only when a name, size or
        # modification time changed)
        police = police_fingerprint(raw_dir, previous.get(POLICE_INPUT))
        if police is not None:
            current[POLICE_INPUT] = police
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


def failure_recorder(job: object, settings: Settings) -> dg.SensorDefinition:
    @dg.run_failure_sensor(
        name="record_failed_refreshes",
        monitored_jobs=[job],
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Writes the run record of a refresh that failed in the UI (successful "
        "refreshes write theirs when they publish).",
    )
    def _record(context: dg.RunFailureSensorContext) -> None:
        record_unpublished_run(
            context.instance,
            context.dagster_run.run_id,
            "failed",
            settings,
            [without_record_values(context.failure_event.message or "run failed")],
        )

    return _record


def build_ops_definitions(job: object, settings: Settings) -> dg.Definitions:
    """The schedule and sensors of the full refresh."""
    return dg.Definitions(
        schedules=[monthly_schedule(job)],
        sensors=[raw_folder_sensor(job, settings.raw_dir), failure_recorder(job, settings)],
    )
