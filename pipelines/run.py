"""Run the full_refresh job in-process (the same graph the UI shows) and explain the outcome."""

import contextlib
import fcntl
import gc
import io
import logging
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from pipelines import config, contract
from pipelines.checks import report as quality_report
from pipelines.checks.report import REPORT_NAME
from pipelines.config import Settings
from pipelines.ops import run_record
from pipelines.transform import dbt_tests
from pipelines.transform.assets import DBT_STEP

Echo = Callable[[str], None]


def _echo_stdout(line: str) -> None:
    print(line, file=sys.__stdout__, flush=True)


_SKIPPED_STEPS = "Dependencies for step"


class _ProgressHandler(logging.Handler):
    """Turns Dagster's structured events into one short line per step or asset."""

    def __init__(self, echo: Echo):
        super().__init__()
        self.echo = echo
        self.started: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", {}) or {}
        event = meta.get("dagster_event")
        if event is None:
            message = record.getMessage().split(" - ")[-1]
            # Dagster's own account of the steps a failure skips says nothing the reason does
            if record.levelno >= logging.WARNING and not message.startswith(_SKIPPED_STEPS):
                self.echo(f"  ! {message}")
            return
        kind, step = event.event_type_value, event.step_key
        if kind == "STEP_START":
            self.started[step] = time.monotonic()
            self.echo(f"- {step}")
        elif kind == "STEP_SUCCESS":
            took = time.monotonic() - self.started.get(step, time.monotonic())
            self.echo(f"  done in {took:.1f} s")
        elif kind == "ASSET_MATERIALIZATION" and step == DBT_STEP:
            self.echo(f"  built {event.asset_key.to_user_string()}")
        elif kind == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            if not evaluation.passed:
                key = evaluation.asset_check_key
                where = f"{key.asset_key.to_user_string()} {key.name}"
                if evaluation.severity == dg.AssetCheckSeverity.ERROR:
                    # what failed is said once, in the explanation of the stopped refresh
                    self.echo(f"  check failed: {where}")
                else:  # nothing else says what a warning found: a dbt test's rows, a gap
                    detail = f": {evaluation.description}" if evaluation.description else ""
                    self.echo(f"  warning (does not stop the refresh): {where}{detail}")
        elif kind == "STEP_FAILURE":
            self.echo(f"  FAILED: {step}: {_user_message(event.event_specific_data.error)}")


def _progress_logger(echo: Echo) -> dg.LoggerDefinition:
    @dg.logger(description="One line per step: what the command line shows.")
    def progress(_init_context) -> logging.Logger:
        log = logging.getLogger("cdap.progress")
        log.handlers = [_ProgressHandler(echo)]
        log.setLevel(logging.DEBUG)  # Dagster's structured events are DEBUG records
        log.propagate = False
        return log

    return progress


@dataclass
class RefreshOutcome:
    success: bool
    settings: Settings
    run_id: str
    failures: list[str] = field(default_factory=list)
    published: list[Path] = field(default_factory=list)
    log_path: Path | None = None
    report_path: Path | None = None
    # the marts were swapped in before a later step (docs, pack) failed
    has_published_marts: bool = False
    data_quality: list[str] = field(default_factory=list)  # the short summary

    def explanation(self) -> str:
        if self.success:
            return (
                f"Refresh complete. Marts published to {self.settings.marts_dir} "
                f"(data-quality report: {self.report_path})"
            )
        reasons = "; ".join(self.failures).rstrip(".") or "a step failed (see the run in Dagster)"
        if self.has_published_marts:
            return (
                f"The marts passed every check and were published to {self.settings.marts_dir} "
                f"(data-quality report: {self.report_path}), then the refresh stopped: "
                f"{reasons}. Run the refresh again to finish what follows the publication."
                + (f" Full log: {self.log_path}" if self.log_path else "")
            )
        if any(LOCK_HELD in failure for failure in self.failures):
            return (
                f"The refresh did not start: {reasons}. Nothing was read or published: "
                f"{self.settings.marts_dir} holds the previous publication, unchanged, until "
                "the other refresh publishes. Run this one again once it has finished (or "
                f"set {config.LOCK_TIMEOUT_ENV} to wait longer)."
            )
        earlier = (
            "is the previous publication, unchanged"
            if has_publication(self.settings.marts_dir)
            else "holds no publication yet: there is none before this one"
        )
        if any(DISK_FULL_WORDS in failure for failure in self.failures):
            return (
                f"The refresh stopped: {reasons}. Nothing was published: "
                f"{self.settings.marts_dir} {earlier}."
                + (f" Full log: {self.log_path}" if self.log_path else "")
            )
        return (
            f"The refresh stopped: {reasons}. Nothing was published: "
            f"{self.settings.marts_dir} {earlier}. Fix the input "
            f"(raw folder {self.settings.raw_dir}) and run the refresh again; the warehouse "
            "rebuilds from the raw files, so a rerun needs no clean-up."
            + (f" Data-quality report: {self.report_path}." if self.report_path else "")
            + (f" Full log: {self.log_path}" if self.log_path else "")
        )


def has_publication(marts_dir: Path) -> bool:
    return (marts_dir / config.PUBLISHED_DUCKDB_NAME).is_file()


def _user_message(error) -> str:
    """The message of the first exception in the chain that is not Dagster's own wrapper:
    the one the pipeline raised (a RawFileError names file, row and rule)."""
    outermost = error
    while error is not None:
        if not (error.cls_name or "").startswith("Dagster"):
            message = error.message.strip().split("\n")[0]
            # drop the exception's (dotted) class name in front of the message
            return plain_words(re.sub(rf"^[\w.]*{re.escape(error.cls_name or '')}: ", "", message))
        error = error.cause
    return plain_words(outermost.message.strip().split("\n")[0])


def failed_check_line(evaluation: dg.AssetCheckEvaluation, shareable: bool = False) -> str:
    """A blocking check that failed, in one sentence. A dbt test's sentence names its rows
    (`transform.dbt_tests`); `shareable` (the run record beside the publication) leaves them
    out: they may hold numbers the publication hides, and only the console and Dagster's
    storage are restricted."""
    key = evaluation.asset_check_key
    rows_in_words = dbt_tests.FAILING_ROWS_KEY in evaluation.metadata
    failed_rows = evaluation.metadata.get("dagster_dbt/failed_row_count")
    count = ""
    if failed_rows is not None and (shareable or not rows_in_words):
        count = f" ({failed_rows.value} rows)"
    detail = ""
    if evaluation.description and not (shareable and rows_in_words):
        description = evaluation.description
        detail = f": {run_record.without_record_values(description) if shareable else description}"
    return f"check {key.name} on {key.asset_key.to_user_string()} failed{count}{detail}"


def _failures(result: dg.ExecuteInProcessResult, shareable: bool = False) -> list[str]:
    """Why the run stopped, one sentence each (`shareable`: see `failed_check_line`)."""
    failures = []
    for event in result.all_events:
        if (
            event.event_type_value == "ASSET_CHECK_EVALUATION"
            and not event.event_specific_data.passed
        ):
            evaluation = event.event_specific_data
            if evaluation.severity != dg.AssetCheckSeverity.ERROR:
                continue  # warnings are reported, they do not stop the refresh
            failures.append(failed_check_line(evaluation, shareable))
    for event in result.get_step_failure_events():
        message = _user_message(event.step_failure_data.error)
        if shareable:
            message = run_record.without_record_values(message)
        failures.append(f"step {event.step_key}: {message}")
    if not failures:  # the run failed before any step: a resource (the lock), or the run itself
        for kind in ("RESOURCE_INIT_FAILURE", "PIPELINE_FAILURE", "RUN_FAILURE"):
            errors = [
                event.event_specific_data.error
                for event in result.all_events
                if event.event_type_value == kind
                and getattr(event.event_specific_data, "error", None) is not None
            ]
            if errors:
                failures.append(_user_message(errors[0]))
                break
    return failures


LOCK_HELD = "is being refreshed by"  # the words of ops.lock.WarehouseBusy
DISK_FULL_WORDS = "the disk is full"
_DISK_FULL = re.compile(r"No space left on device|\[Errno 28\]|disk is full", re.IGNORECASE)


def plain_words(message: str) -> str:
    """A failure in words a user can act on, where the machine's own words say little."""
    if _DISK_FULL.search(message):
        return (
            f"{DISK_FULL_WORDS} (no space left on device). Free some space on the disk that "
            "holds the warehouse, its folder or the marts folder, then run the refresh again "
            f"(the system said: {message})"
        )
    return message


class _LogFile(io.TextIOBase):
    """The refresh log, emptied and opened at its first write. Only dbt writes to it, once the
    run holds the warehouse's lock, so a refresh waiting for another no longer empties the
    log the other is still writing (the two used to interleave). A run that stops before dbt
    leaves the last run's log as it was, and does not point to it."""

    def __init__(self, path: Path):
        self.path = path
        self.path.touch(exist_ok=True)  # owner-only from the start (the project's umask)
        self._file = None
        self.was_written = False

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if self.closed:
            raise ValueError("I/O operation on closed file.")
        if self._file is None:
            self._file = self.path.open("w", encoding="utf-8")
            self.was_written = True
        return self._file.write(text)

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        super().close()


def persistent_instance(settings: Settings) -> dg.DagsterInstance:
    """The instance of the settings' Dagster home (named DAGSTER_HOME by
    `config.prepare_process`). Two commands starting at the same moment on a new home would
    both create Dagster's SQLite tables and one would fail: the storages are opened, and their
    tables made, under a lock."""
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    with (home / ".cdap-instance.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        instance = dg.DagsterInstance.get()
        instance.get_runs(limit=1)
        instance.get_records_for_run("-", limit=1)
        fcntl.flock(handle, fcntl.LOCK_UN)
    return instance


def run_refresh(
    settings: Settings,
    instance: dg.DagsterInstance | None = None,
    echo: Echo | None = _echo_stdout,
) -> RefreshOutcome:
    """Run the full refresh with these settings: in `instance`, or in the settings' Dagster
    home (so `dagster dev` lists the run)."""
    from pipelines.definitions import FULL_REFRESH_JOB, prepared_definitions
    from pipelines.publish.assets import PUBLISHED_MARTS_KEY

    problem = config.path_problem(settings)
    if problem is not None:  # refused before any work: nothing read, nothing written
        return RefreshOutcome(False, settings, "", [problem])

    job = prepared_definitions(settings).resolve_job_def(FULL_REFRESH_JOB)
    run_config = None
    if echo is not None:
        job = job.with_logger_defs({"progress": _progress_logger(echo)})
        run_config = {"loggers": {"progress": {}}}
    active_instance = instance or persistent_instance(settings)
    # dbt's own log (which dagster-dbt writes to stdout) goes to a file beside the warehouse;
    # the progress lines go to the terminal.
    log_path = settings.refresh_log
    config.open_folder(log_path.parent)
    with _LogFile(log_path) as log, contextlib.redirect_stdout(log):
        # The persistent instance of DAGSTER_HOME by default, so `dagster dev` lists the run.
        result = job.execute_in_process(
            run_config=run_config,
            instance=active_instance,
            raise_on_error=False,
            tags=settings.run_tags,
        )
    # A failed step's traceback sits in a reference cycle with the DuckDB connection it had
    # open; until the cycle is collected that connection holds the warehouse's lock against
    # the next run in this process (a rerun after the fix, from a notebook or a test).
    gc.collect()
    has_published_marts = result.is_node_success(PUBLISHED_MARTS_KEY.to_python_identifier())
    published = []
    if has_published_marts:
        published = sorted(p for p in settings.marts_dir.iterdir() if not p.name.startswith("."))
    failures = [] if result.success else _failures(result)
    checks = quality_report.checks_of_run(active_instance, result.run_id)
    unread = contract.unread_entries(settings.raw_dir)
    report_path = settings.marts_dir / REPORT_NAME
    if not result.success:
        run_record.record_unpublished_run(
            active_instance, result.run_id, "stopped", settings, _failures(result, shareable=True)
        )
    if not has_published_marts:
        # the marts folder keeps the last good publication (and its report) untouched
        report_path = settings.stopped_report
        quarantined = quality_report.quarantine_summary(settings.warehouse)
        report_path.write_text(
            quality_report.render(
                checks, quarantined, "stopped, nothing published", failures, unread=unread
            ),
            encoding="utf-8",
        )
    data_quality = quality_report.summary(
        settings.warehouse, checks, report_path, unread=unread, raw_dir=settings.raw_dir
    )
    return RefreshOutcome(
        result.success,
        settings,
        result.run_id,
        failures,
        published,
        log_path if log.was_written else None,
        report_path,
        has_published_marts,
        data_quality,
    )
