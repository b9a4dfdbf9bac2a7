"""The Great Expectations suites: generated from the contract, and able to fail."""

import csv
import json
from datetime import date

import duckdb
import pandas as pd
import pytest

from pipelines import contract
from pipelines.checks import suites
from pipelines.ingest.load import load_raw_file
from tests.conftest import SAMPLE_RAW_DIR


def test_raw_suites_are_generated_from_the_contract():
    for raw_file in contract.RAW_TABLES:
        on_disk = json.loads(suites.suite_path(f"raw_{raw_file.name}").read_text())
        assert on_disk == json.loads(json.dumps(suites.raw_suite(raw_file))), (
            "run python -m pipelines.checks.suites"
        )


def test_every_suite_loads_whole():
    for path in sorted(suites.suite_path("x").parent.glob("*.json")):
        assert len(suites.load_suite(path.stem).expectations) == len(
            json.loads(path.read_text())["expectations"]
        )


def outcomes_frame(**changes):
    row = dict(
        metric_id="continuity_of_care_rate",
        area_code="E06000016",
        breakdown="all",
        period_end_date="2024-03-31",
        numerator=40,
        denominator=100,
        value=40.0,
        lower_95=30.9,
        upper_95=49.8,
        lower_998=26.0,
        upper_998=55.0,
        unit="percentage",
        comparison_to_england="similar",
        is_provisional=False,
    )
    row.update(changes)
    return pd.DataFrame([row])


def test_mart_suite_passes_a_good_row_and_fails_impossible_numbers():
    ids = {"catalogued_metric_ids": ["continuity_of_care_rate"]}
    assert suites.validate(outcomes_frame(), "mart_fct_outcomes", ids).success
    bad = suites.validate(outcomes_frame(numerator=120, value=120.0), "mart_fct_outcomes", ids)
    failed = {f.expectation for f in bad.failures}
    assert "expect_column_pair_values_a_to_be_greater_than_b" in failed  # numerator > denominator
    assert "expect_column_values_to_be_between" in failed  # a percentage over 100
    unknown = suites.validate(outcomes_frame(metric_id="made_up"), "mart_fct_outcomes", ids)
    assert any(f.column == "metric_id" for f in unknown.failures)


def test_the_validation_worker_gives_the_same_outcome_as_in_process():
    ids = {"catalogued_metric_ids": ["continuity_of_care_rate"]}
    bad = outcomes_frame(numerator=120, value=120.0)
    here = suites.validate_here(bad, "mart_fct_outcomes", ids)
    suites.start_validation_worker()
    try:
        there = suites.validate(bad, "mart_fct_outcomes", ids)
        assert suites._worker is not None  # it ran in the worker, not after a fallback
    finally:
        suites.stop_validation_worker()
    assert not there.success and there == here


def test_published_suite_fails_a_suppressed_value_shown_as_zero():
    frame = outcomes_frame(numerator=None, denominator=None, value=0.0, lower_95=None)
    frame["is_suppressed"] = True
    frame["suppression_reason"] = "count_1_to_4"
    outcome = suites.validate(frame, "published_fct_outcomes")
    assert not outcome.success
    assert any(f.column == "value" for f in outcome.failures)


PAIRED = {"discharge_date": ("discharge_reason",), "discharge_reason": ("discharge_date",)}
OPTIONAL_COLUMNS = [
    (raw_file, column)
    for raw_file in contract.RAW_FILES
    for column in raw_file.columns
    if not column.not_null
]


@pytest.mark.parametrize(
    ("raw_file", "column"),
    OPTIONAL_COLUMNS,
    ids=[f"{f.name}.{c.name}" for f, c in OPTIONAL_COLUMNS],
)
def test_an_optional_column_empty_on_every_row_is_accepted(raw_file, column, tmp_path):
    """A provider that never fills an optional column sends it empty on every row: the ingest
    rules and the raw suite must both accept that (a column max or min fails on all-NULL)."""
    source = SAMPLE_RAW_DIR / raw_file.filename
    if not source.exists():
        pytest.skip(f"the sample has no {raw_file.filename}")
    with source.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header = [contract.normalise_header(h) for h in rows[0]]
    wanted = contract.normalise_header(column.header)
    if wanted not in header:
        pytest.skip(f"the sample's {raw_file.filename} has no {column.header} column")
    # a discharge date and its reason come together (a contract row rule): blank both
    together = {column.header, *PAIRED.get(column.header, ())}
    positions = [header.index(contract.normalise_header(h)) for h in together]
    for row in rows[1:]:
        for position in positions:
            row[position] = ""
    with (tmp_path / raw_file.filename).open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    con = duckdb.connect()
    for name in raw_file.needs:  # the files its rules read (a form's journey), as shipped
        load_raw_file(con, contract.RAW_FILES_BY_NAME[name], SAMPLE_RAW_DIR, today=date(2026, 1, 1))
    load_raw_file(con, raw_file, tmp_path, today=date(2026, 1, 1))
    frame = con.execute(f'SELECT * FROM raw."{raw_file.name}"').df()
    assert frame[column.name].isna().all()
    check = suites.validate(frame, f"raw_{raw_file.name}", {"today": pd.Timestamp(date.today())})
    assert check.success, [f.describe() for f in check.failures]


def test_the_forms_suite_fails_a_journeys_second_start_form():
    """What GX can say of the forms' rules across rows: one start form per journey."""
    frame = pd.DataFrame(
        {
            "top_id": ["T1", "T2", "T3", "T4"],
            "journey_id": ["J1", "J1", "J2", "J2"],
            "top_date": pd.to_datetime(["2020-01-01", "2020-07-01", "2020-01-01", "2020-01-02"]),
            "stage": ["start", "review", "start", "start"],
            "source_row_number": [1, 2, 3, 4],
        }
    )
    for column in contract.TREATMENT_OUTCOMES.columns:
        if column.name not in frame:
            frame[column.name] = None
    today = {"today": pd.Timestamp(date.today())}
    outcome = suites.validate(frame, "raw_treatment_outcomes", today)
    assert [(f.column, f.unexpected_count, f.source_rows) for f in outcome.failures] == [
        ("journey_id", 2, [3, 4])
    ]
    assert suites.validate(frame[frame.top_id != "T4"], "raw_treatment_outcomes", today).success
