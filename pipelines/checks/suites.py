"""Great Expectations suites: files in expectations/, run on frames read from DuckDB.

Raw suites are generated from the contract (`python -m pipelines.checks.suites` rewrites them;
a test fails while they are out of date), so a rule is written once. Mart suites are written
by hand: they say what must hold of the published numbers. GX is imported inside the
functions: it costs seconds, and the definitions load without it.
"""

import gc
import json
import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pipelines import contract
from pipelines.config import EXPECTATIONS_DIR
from pipelines.contract import RawFile

RESULT_FORMAT = {
    "result_format": "SUMMARY",
    "partial_unexpected_count": 3,
    "unexpected_index_column_names": ["source_row_number"],
}


def _expectation(kind: str, **kwargs: Any) -> dict[str, Any]:
    return {"type": kind, "kwargs": kwargs}


def raw_suite(raw_file: RawFile) -> dict[str, Any]:
    """Every rule of the contract that GX can express, for the loaded (typed) raw table."""
    columns = (*(c for c in raw_file.columns if c.kept), *raw_file.added_columns)
    expectations = [_expectation("expect_column_to_exist", column=c.name) for c in columns]
    for column in columns:
        if column.not_null:
            expectations.append(
                _expectation("expect_column_values_to_not_be_null", column=column.name)
            )
        if column.codes:
            expectations.append(
                _expectation(
                    "expect_column_values_to_be_in_set",
                    column=column.name,
                    value_set=list(column.codes),
                )
            )
        if column.pattern:
            expectations.append(
                _expectation(
                    "expect_column_values_to_match_regex", column=column.name, regex=column.pattern
                )
            )
        if column.min_value is not None or column.max_value is not None:
            expectations.append(
                _expectation(
                    "expect_column_values_to_be_between",
                    column=column.name,
                    min_value=column.min_value,
                    max_value=column.max_value,
                )
            )
        if column.type == "date":
            # no date after today, checked value by value: NULLs are skipped, so an optional
            # column that a provider never fills passes (a column max fails on all-NULL)
            expectations.append(
                _expectation(
                    "expect_column_values_to_be_between",
                    column=column.name,
                    max_value={"$PARAMETER": "today"},
                )
            )
    keys = contract.key_columns(raw_file)
    if len(keys) == 1:
        expectations.append(_expectation("expect_column_values_to_be_unique", column=keys[0]))
    elif keys:
        expectations.append(
            _expectation("expect_compound_columns_to_be_unique", column_list=list(keys))
        )
    if raw_file.record_level and any(c.name == "area_code" for c in raw_file.columns):
        expectations.append(
            _expectation(
                "expect_column_values_to_be_in_set",
                column="area_code",
                value_set=sorted(contract.KNOWN_AREA_CODES),
            )
        )
    for rule in raw_file.row_rules:
        for column_a, column_b in rule.equal:
            expectations.append(
                _expectation(
                    "expect_column_pair_values_to_be_equal",
                    column_A=column_a,
                    column_B=column_b,
                    ignore_row_if="either_value_is_missing",
                )
            )
        for column_a, column_b in rule.greater_or_equal:
            expectations.append(
                _expectation(
                    "expect_column_pair_values_a_to_be_greater_than_b",
                    column_A=column_a,
                    column_B=column_b,
                    or_equal=True,
                    ignore_row_if="either_value_is_missing",
                )
            )
    if raw_file.name == contract.POPULATION.name:
        expectations.append(
            _expectation(
                "expect_column_distinct_values_to_equal_set",
                column="age_band",
                value_set=list(contract.ESP2013_BANDS),
            )
        )
    if raw_file.name == contract.TREATMENT_OUTCOMES.name:
        # at most one start form per journey (what GX can express of its related rules: a
        # form's journey and dates are in another file)
        expectations.append(
            _expectation(
                "expect_column_values_to_be_unique",
                column="journey_id",
                # GX's condition (a string one is deprecated), as GX serialises it
                row_condition={
                    "type": "comparison",
                    "column": {"name": "stage"},
                    "operator": "==",
                    "parameter": "start",
                },
            )
        )
    return {
        "name": f"raw_{raw_file.name}",
        "meta": {
            "generated_from": "pipelines/contract/ by `python -m pipelines.checks.suites`",
            "table": f"raw.{raw_file.name}",
        },
        "expectations": expectations,
    }


def suite_path(name: str) -> Path:
    return EXPECTATIONS_DIR / f"{name}.json"


def write_raw_suites() -> None:
    EXPECTATIONS_DIR.mkdir(exist_ok=True)
    for raw_file in contract.RAW_TABLES:
        text = json.dumps(raw_suite(raw_file), indent=2) + "\n"
        suite_path(f"raw_{raw_file.name}").write_text(text, encoding="utf-8")


def mart_suite_names() -> list[str]:
    """The mart suites present, by file name: mart_<model>.json checks marts.<model>."""
    return sorted(p.stem.removeprefix("mart_") for p in EXPECTATIONS_DIR.glob("mart_*.json"))


@dataclass
class Failure:
    expectation: str
    column: str | None
    unexpected_count: int | None
    examples: list[Any] = field(default_factory=list)
    source_rows: list[Any] = field(default_factory=list)
    row_label: str = "source rows"

    def describe(self) -> str:
        where = f" on {self.column}" if self.column else ""
        count = f": {self.unexpected_count} rows" if self.unexpected_count is not None else ""
        rows = (
            f" ({self.row_label} {', '.join(map(str, self.source_rows))})"
            if self.source_rows
            else ""
        )
        shown = f", e.g. {self.examples}" if self.examples else ""
        return f"{self.expectation}{where}{count}{shown}{rows}"


@dataclass
class Outcome:
    suite: str
    success: bool
    evaluated: int
    failures: list[Failure]


def load_suite(name: str):
    import great_expectations as gx

    spec = json.loads(suite_path(name).read_text(encoding="utf-8"))
    suite = gx.ExpectationSuite(
        name=spec["name"], expectations=spec["expectations"], meta=spec.get("meta")
    )
    # GX drops an invalid expectation with only a log line: refuse to run a suite with fewer
    if len(suite.expectations) != len(spec["expectations"]):
        raise ValueError(f"suite {name}: some expectations are invalid and were dropped by GX")
    return suite


# A process of its own that imports GX at once: started by `cdap refresh` before Dagster loads,
# it imports GX (seconds of Python) on the other core while this process starts, then validates
# the frames it is sent. Without it (the UI's runs, the tests) GX runs in-process. Two such
# processes validate the raw tables 1.3 s sooner, but their imports slow this process's start
# by more (measured: a refresh 1 to 3 s slower), so there is one.
_worker = None


def _start_validating() -> None:
    import atexit

    import great_expectations  # noqa: F401

    # When the refresh is over, end without tearing GX's modules down one by one (0.8 s of
    # the refresh's wall time, waited for by stop_validation_worker): nothing is left to write.
    atexit.register(os._exit, 0)


def start_validation_worker() -> None:
    """Start the validating process now (its GX import overlaps this process's start-up)."""
    global _worker
    import concurrent.futures
    import multiprocessing

    if _worker is None:
        _worker = concurrent.futures.ProcessPoolExecutor(
            1, mp_context=multiprocessing.get_context("spawn"), initializer=_start_validating
        )
        _worker.submit(int)  # starts the process (and its GX import) now


def stop_validation_worker() -> None:
    global _worker
    if _worker is not None:
        _worker.shutdown(wait=True)
        _worker = None
        # the pool's queues and locks released now (their semaphores unlinked), not at the
        # interpreter's exit, which the command line skips
        gc.collect()


Job = tuple[pd.DataFrame, str, dict[str, Any] | None]  # frame, suite name, parameters


def validate_each(jobs: Iterable[Job]) -> Iterator[Outcome]:
    """Validate each (frame, suite, parameters), yielding the outcomes in the jobs' order. With
    the validating process, every frame is sent as soon as the iterable gives it, so the next
    frame is read while the last one is validated; without it, one after another here."""
    global _worker
    if _worker is None:
        for frame, name, parameters in jobs:
            yield validate_here(frame, name, parameters)
        return
    from concurrent.futures.process import BrokenProcessPool

    pool, sent = _worker, []
    for job in jobs:
        future = None
        if pool is not None:
            try:
                future = pool.submit(validate_here, *job)
            except BrokenProcessPool:
                pool = _worker = None
        sent.append((future, job))
    for future, job in sent:
        if future is not None:
            try:
                yield future.result()
                continue
            except BrokenProcessPool:  # the process died: validate here, as without it
                _worker = None
        yield validate_here(*job)


def validate(frame: pd.DataFrame, name: str, parameters: dict[str, Any] | None = None) -> Outcome:
    """Validate a frame against a suite file; the outcome lists each failed expectation."""
    return next(validate_each([(frame, name, parameters)]))


def validate_here(
    frame: pd.DataFrame, name: str, parameters: dict[str, Any] | None = None
) -> Outcome:
    """validate(), in this process."""
    import great_expectations as gx

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}
    source = context.data_sources.add_pandas("frames")
    batch = (
        source.add_dataframe_asset(name)
        .add_batch_definition_whole_dataframe("whole")
        .get_batch(batch_parameters={"dataframe": frame})
    )
    format_ = dict(RESULT_FORMAT)
    if "source_row_number" not in frame.columns:
        format_.pop("unexpected_index_column_names")
    result = batch.validate(
        load_suite(name), result_format=format_, expectation_parameters=parameters or {}
    )
    failures = []
    for item in result.results:
        if item.success:
            continue
        kwargs = item.expectation_config.kwargs
        details = item.result or {}
        rows = [
            i.get("source_row_number") if isinstance(i, dict) else i
            for i in (details.get("partial_unexpected_index_list") or [])
        ]
        failures.append(
            Failure(
                item.expectation_config.type,
                kwargs.get("column")
                or kwargs.get("column_A")
                or ",".join(kwargs.get("column_list", []))
                or None,
                details.get("unexpected_count"),
                list(details.get("partial_unexpected_list") or [])[:3],
                rows[:3],
                "source rows" if "source_row_number" in frame.columns else "frame rows",
            )
        )
        if item.exception_info and item.exception_info.get("raised_exception"):
            failures[-1].examples = [item.exception_info.get("exception_message")]
    return Outcome(name, result.success, len(result.results), failures)


if __name__ == "__main__":
    write_raw_suites()
