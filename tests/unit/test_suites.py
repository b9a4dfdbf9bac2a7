"""The Great Expectations suites: generated from the contract, and able to fail."""

import json

import pandas as pd

from pipelines import contract
from pipelines.checks import suites


def test_raw_suites_are_generated_from_the_contract():
    for raw_file in contract.RAW_FILES:
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


def test_published_suite_fails_a_suppressed_value_shown_as_zero():
    frame = outcomes_frame(numerator=None, denominator=None, value=0.0, lower_95=None)
    frame["is_suppressed"] = True
    frame["suppression_reason"] = "count_1_to_4"
    outcome = suites.validate(frame, "published_fct_outcomes")
    assert not outcome.success
    assert any(f.column == "value" for f in outcome.failures)
