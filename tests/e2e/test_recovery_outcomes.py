"""The recovery outcomes (metrics 13-15, from Treatment Outcomes Profile forms) end to end, on
a copy of the sample with a treatment_outcomes.csv the tests write themselves
(tests/helpers/treatment_outcomes.py: a start form for most journeys, reviews, exits, empty
answers, and forms the ingest must set aside): what is set aside and said, the values against
the definitions worked by hand, what is published, and the publication attacked as the
sample's is (tests/e2e/test_intruder_attacks.py, tests/e2e/test_disclosure.py), with last
month's publication beside it."""

import csv
import shutil
from datetime import date

import duckdb
import pandas as pd
import pytest

from pipelines.transform import interval_reference
from tests.conftest import SAMPLE_RAW_DIR, run_refresh_in
from tests.e2e.test_disclosure import suppression_decisions
from tests.e2e.test_intruder_attacks import KEY, assert_declared_relations_hold, describe
from tests.helpers import intruder
from tests.helpers.attacker import attack_folder
from tests.helpers.treatment_outcomes import (
    SET_ASIDE,
    recovery_metrics,
    write_treatment_outcomes,
)

RECOVERY = ("treatment_progress_rate", "acute_housing_problem_rate", "paid_work_rate")
LLR = {"E06000016", "E10000018", "E06000017"}
# forms broken by a rule of one column, planted in the written file: (row, column, value, rule)
PLANTED = [
    (40, "days_opiates", "29", "range:days_opiates"),
    (41, "days_paid_work", "30", "range:days_paid_work"),
    (42, "quality_of_life", "21", "range:quality_of_life"),
    (43, "stage", "follow_up", "code:stage"),
]


def copy_without_forms(target):
    """A copy of the sample without its treatment_outcomes.csv: the test writes its own, whose
    values it works out by hand."""
    shutil.copytree(SAMPLE_RAW_DIR, target)
    (target / "treatment_outcomes.csv").unlink(missing_ok=True)
    return target


@pytest.fixture(scope="module")
def recovery(tmp_path_factory):
    root = tmp_path_factory.mktemp("recovery")
    raw = copy_without_forms(root / "raw")
    path = write_treatment_outcomes(raw)
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    for row, column, value, _ in PLANTED:
        rows[row][rows[0].index(column)] = value
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    outcome = run_refresh_in(raw, root / "warehouse.duckdb", root / "marts")
    assert outcome.success, outcome.explanation()
    return outcome


@pytest.fixture(scope="module")
def exact(recovery):
    con = duckdb.connect(str(recovery.settings.warehouse), read_only=True)
    frame = con.execute("select * from marts.fct_outcomes").df()
    con.close()
    frame["period_end_date"] = pd.to_datetime(frame["period_end_date"])
    return frame


@pytest.fixture(scope="module")
def published(recovery):
    frame = pd.read_parquet(recovery.settings.marts_dir / "fct_outcomes.parquet")
    frame["period_end_date"] = pd.to_datetime(frame["period_end_date"])
    return frame


def test_forms_that_break_a_rule_are_set_aside_with_file_line_and_rule(recovery):
    con = duckdb.connect(str(recovery.settings.warehouse), read_only=True)
    set_aside = con.execute(
        "SELECT rule_id, source_row_number, record_key, rule_description FROM quarantine.rows "
        "WHERE file_name = 'treatment_outcomes.csv' ORDER BY ALL"
    ).fetchall()
    con.close()
    expected = {**SET_ASIDE, **{rule: 1 for *_, rule in PLANTED}}
    counts = pd.Series([rule for rule, *_ in set_aside]).value_counts().to_dict()
    assert counts == expected
    planted = {rule for *_, rule in PLANTED}
    assert {(rule, row) for rule, row, *_ in set_aside if rule in planted} == {
        (rule, row) for row, *_, rule in PLANTED
    }
    with (recovery.settings.raw_dir / "treatment_outcomes.csv").open(encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    for rule, row, key, words in set_aside:  # the source row is the file's data row
        assert lines[row].startswith(f"{key},"), (rule, row)
        assert words
    summary = "\n".join(recovery.data_quality)
    for rule, count in expected.items():
        assert f"{count:,} from treatment_outcomes.csv: {rule}" in summary
    report = (recovery.settings.marts_dir / "data_quality_report.md").read_text()
    assert "| treatment_outcomes.csv | related:one_start_top_per_journey | 4 |" in report
    assert "raw_treatment_outcomes" in report  # its suite ran, and passed
    assert "not produced" not in summary


@pytest.mark.parametrize(
    ("areas", "area_code", "period_end"),
    [
        ({"E06000016"}, "E06000016", date(2025, 3, 31)),
        (LLR, "LLR", date(2025, 3, 31)),
        ({"E06000018"}, "E06000018", date(2021, 6, 30)),
        ({"E06000017"}, "E06000017", date(2019, 12, 31)),
    ],
    ids=["leicester-2025-03", "llr-2025-03", "nottingham-2021-06", "rutland-2019-12"],
)
def test_values_are_the_definitions_worked_by_hand(recovery, exact, areas, area_code, period_end):
    """The warehouse's numbers against the definitions applied to the raw files in plain
    Python (every adult's counting journey, every form of it), apart from the SQL."""
    by_hand = recovery_metrics(recovery.settings.raw_dir, areas, period_end)
    rows = exact[
        (exact.area_code == area_code)
        & (exact.breakdown == "all")
        & (exact.period_end_date == pd.Timestamp(period_end))
    ].set_index("metric_id")
    for metric, counts in by_hand.items():
        assert (rows.numerator[metric], rows.denominator[metric]) == (
            counts.numerator,
            counts.denominator,
        ), metric
        assert counts.denominator > 0
    # the counts are people in treatment: each denominator at most the adults in treatment
    adults = rows.numerator["adults_in_treatment"]
    assert all(rows.denominator[m] <= adults for m in RECOVERY)


def test_the_substance_groups_of_treatment_progress_add_up_and_the_others_are_all_only(exact):
    progress = exact[exact.metric_id == "treatment_progress_rate"]
    assert set(progress.breakdown) == {
        "all",
        "opiate",
        "non_opiate_only",
        "non_opiate_and_alcohol",
        "alcohol_only",
    }
    groups = progress[progress.breakdown != "all"].groupby(["area_code", "period_end_date"])
    total = progress[progress.breakdown == "all"].set_index(["area_code", "period_end_date"])
    summed = groups[["numerator", "denominator"]].sum()
    pd.testing.assert_frame_equal(
        summed.sort_index(), total[["numerator", "denominator"]].sort_index()
    )
    for metric in ("acute_housing_problem_rate", "paid_work_rate"):
        assert set(exact.loc[exact.metric_id == metric, "breakdown"]) == {"all"}


def test_published_monthly_with_wilson_intervals_and_not_compared(published, exact):
    months = pd.date_range("2019-12-31", "2025-09-30", freq="ME")
    for metric in RECOVERY:
        rows = published[published.metric_id == metric]
        assert sorted(rows.period_end_date.unique()) == list(months), metric
        assert (rows.comparison_to_england == "not_compared").all()  # no England value
        assert not rows.is_provisional.any()
    shown = published[published.metric_id.isin(RECOVERY) & ~published.is_suppressed]
    assert len(shown) > 0 and not shown.numerator.between(1, 4).any()
    assert not shown.denominator.between(1, 4).any()
    for row in shown.sample(40, random_state=1).itertuples():
        assert row.value == pytest.approx(100 * row.numerator / row.denominator)
        lower, upper = interval_reference.wilson(int(row.numerator), int(row.denominator))
        assert (row.lower_95, row.upper_95) == pytest.approx((100 * lower, 100 * upper))
    # what is shown is the warehouse's number
    merged = shown.merge(exact, on=KEY, suffixes=("", "_exact"))
    assert len(merged) == len(shown) and (merged.numerator == merged.numerator_exact).all()


def test_every_relation_the_rule_declares_holds_with_the_recovery_metrics(recovery, exact):
    assert_declared_relations_hold(exact, every_one=True)
    decisions = suppression_decisions(recovery.settings.warehouse)
    assert decisions.equations_not_holding == 0


def test_the_intruder_and_the_subtraction_attack_learn_nothing(recovery):
    marts = recovery.settings.marts_dir
    findings = intruder.attack_all(intruder.load(marts))
    assert findings == [], describe(findings)
    assert attack_folder(marts) == {}
