"""The publication against a determined intruder (tests/helpers/intruder.py, written apart from
the disclosure code): every relation and inequality, the monthly counts behind the windows, and
last month's publication beside this month's. And the relations themselves: each one the rule
declares holds in the sample's exact warehouse."""

import json
from datetime import date

import duckdb
import pandas as pd
import pytest

from pipelines.disclosure import rule, shareable
from pipelines.publish import files as publish
from pipelines.transform.project import dbt_project
from tests.conftest import SAMPLE_RAW_DIR, copy_publication, run_refresh_in
from tests.helpers import intruder
from tests.helpers.earlier_extract import write_earlier_extract

KEY = ["metric_id", "area_code", "breakdown", "period_end_date"]


def describe(findings) -> str:
    return "; ".join(
        f"{f.attack}: {f.metric_id} {f.column} {f.area_code} {f.breakdown} "
        f"{f.period_end_date} in {f.low:g}..{f.high:g}"
        for f in findings[:10]
    )


def test_the_intruder_learns_nothing_from_the_sample_publication(refreshed):
    findings = intruder.attack_all(intruder.load(refreshed.settings.marts_dir))
    assert findings == [], describe(findings)


@pytest.fixture(scope="module")
def exact(refreshed):
    con = duckdb.connect()
    con.execute(f"ATTACH '{refreshed.settings.warehouse}' AS warehouse (READ_ONLY)")
    frame = con.execute("select * from warehouse.marts.fct_outcomes").df()
    con.close()
    frame["period_end_date"] = pd.to_datetime(frame["period_end_date"])
    return frame


def pairs(exact: pd.DataFrame, left: tuple[str, str], right: tuple[str, str]) -> pd.DataFrame:
    (metric, column), (other_metric, other_column) = left, right
    this = exact.loc[exact.metric_id == metric, [*KEY[1:], column]].rename(columns={column: "x"})
    that = exact.loc[exact.metric_id == other_metric, [*KEY[1:], other_column]]
    return this.merge(that.rename(columns={other_column: "y"}), on=KEY[1:]).dropna()


def test_every_relation_and_inequality_the_rule_declares_holds_in_the_warehouse(exact):
    assert_declared_relations_hold(exact)


def assert_declared_relations_hold(exact: pd.DataFrame, every_one: bool = False) -> None:
    """Each relation and inequality `rule` declares holds in an exact fct_outcomes, on rows it
    has. A relation of metrics the warehouse has no row of (their optional file absent: the
    recovery metrics without treatment_outcomes.csv) is left out, unless `every_one`."""
    present = set(exact.metric_id)

    def checked(*metrics: str) -> bool:
        return every_one or set(metrics) <= present

    for relation in rule.SAME_NUMBERS:
        if not checked(relation.metric, relation.other_metric):
            continue
        joined = pairs(
            exact, (relation.metric, relation.column), (relation.other_metric, "numerator")
        )
        assert len(joined) > 0 and (joined.x == joined.y).all(), relation
    for relation in rule.AT_MOST:
        if not checked(relation.whole[0], *(metric for metric, _ in relation.parts)):
            continue
        whole = exact.loc[exact.metric_id == relation.whole[0], [*KEY[1:], relation.whole[1]]]
        total = whole.rename(columns={relation.whole[1]: "whole"}).assign(parts=0.0)
        for metric, column in relation.parts:
            part = exact.loc[exact.metric_id == metric, [*KEY[1:], column]]
            total = total.merge(part, on=KEY[1:])
            total["parts"] += total.pop(column)
        assert len(total) > 0 and (total.parts <= total.whole).all(), relation
    for metric in rule.NUMERATOR_WITHIN_DENOMINATOR:
        if not checked(metric):
            continue
        rows = exact[(exact.metric_id == metric) & exact.denominator.notna()]
        assert len(rows) > 0 and (rows.numerator <= rows.denominator).all(), metric
    for relation in rule.ESTIMATE_MINUS_COUNTS:
        unmet = exact[exact.metric_id == relation.metric]
        counts = exact[
            (exact.metric_id == relation.count_metric) & exact.breakdown.isin(relation.groups)
        ]
        in_treatment = counts.groupby(["area_code", "period_end_date"]).numerator.sum()
        joined = unmet.join(
            in_treatment.rename("in_treatment"), on=["area_code", "period_end_date"]
        )
        assert len(joined) > 0
        assert (joined.numerator == joined.denominator - joined.in_treatment).all(), relation
    for relation in rule.CALENDAR_YEAR_SUMS:
        deaths = exact[(exact.metric_id == relation.part_metric) & (exact.breakdown == "all")]
        deaths = deaths.set_index(["area_code", "period_end_date"]).numerator
        whole = exact[exact.metric_id == relation.metric]
        assert len(whole) > 0
        for row in whole.itertuples():
            years = [
                deaths[(row.area_code, pd.Timestamp(row.period_end_date.year - k, 12, 31))]
                for k in range(relation.years)
            ]
            assert row.numerator == sum(years), row


def test_event_metrics_are_published_for_whole_years_and_final_values_only(refreshed, exact):
    published = pd.read_parquet(refreshed.settings.marts_dir / "fct_outcomes.parquet")
    published["period_end_date"] = pd.to_datetime(published["period_end_date"])
    assert not published.is_provisional.any()
    months = pd.to_datetime(published.period_end_date).dt.month
    for metric, month in rule.EVENT_METRICS.items():
        assert (months[published.metric_id == metric] == month).all(), metric
    # the people in treatment stay monthly, and the strategy's figures are all there
    assert months[published.metric_id == "adults_in_treatment"].nunique() == 12
    leicester = published[(published.area_code == "E06000016") & (published.breakdown == "all")]
    periods = leicester.period_end_date.dt.strftime("%Y-%m-%d")
    figures = leicester.set_index(["metric_id", periods]).value
    assert figures["adults_in_treatment", "2021-12-31"] == 2087
    assert figures["adults_in_treatment", "2024-12-31"] == 2500
    assert round(figures["continuity_of_care_rate", "2022-03-31"], 1) == 21.0
    assert round(figures["continuity_of_care_rate", "2025-03-31"], 1) == 55.2
    assert round(figures["drug_misuse_death_rate_dsr", "2024-12-31"], 1) == 14.7
    # every published row is the warehouse's (no publication before this one to freeze)
    merged = published.merge(exact, on=KEY, suffixes=("", "_exact"))
    assert len(merged) == len(published)
    shown = merged[~merged.is_suppressed]
    assert (shown.numerator == shown.numerator_exact).all()


@pytest.fixture(scope="module")
def two_publications(refreshed, tmp_path_factory):
    """Last month's publication (the sample as extracted on 31 August 2025), then this month's
    made over it in the same marts folder, as a monthly refresh does."""
    root = tmp_path_factory.mktemp("revisions")
    raw = write_earlier_extract(SAMPLE_RAW_DIR, root / "raw_earlier", date(2025, 8, 31))
    outcome = run_refresh_in(raw, root / "earlier.duckdb", root / "marts")
    assert outcome.success, outcome.explanation()
    earlier = copy_publication(root / "marts", root / "kept_by_the_intruder")
    # this month's: the shared refresh's warehouse published over last month's files
    marts = shareable.published_marts(dbt_project().manifest_path)
    publish.publish(
        refreshed.settings.warehouse, root / "marts", marts, home_area=refreshed.settings.home_area
    )
    return earlier, root / "marts"


def test_last_months_publication_beside_this_months_gives_nothing_back(two_publications):
    earlier, current = two_publications
    findings = intruder.attack_revisions(intruder.load(earlier), intruder.load(current))
    assert findings == [], describe(findings)


def test_a_published_value_is_published_again_as_it_was(two_publications):
    earlier, current = (pd.read_parquet(p / "fct_outcomes.parquet") for p in two_publications)
    both = earlier.merge(current, on=KEY, suffixes=("_earlier", ""))
    assert len(both) == len(earlier)  # nothing published is withdrawn
    for column in ["numerator", "denominator", "value", "lower_95", "is_suppressed"]:
        pd.testing.assert_series_equal(both[f"{column}_earlier"], both[column], check_names=False)
    assert len(current) > len(earlier)  # and this month's new final values are added
    # the sample holds every optional input: the recovery and crime metrics are among them
    optional = {"treatment_progress_rate", "acute_housing_problem_rate", "paid_work_rate"}
    assert optional | {"drug_offences", "neighbourhood_crime"} <= set(earlier.metric_id)


def test_nothing_beside_a_hidden_cell_says_anything_about_it(refreshed):
    marts = refreshed.settings.marts_dir
    outcomes = pd.read_parquet(marts / "fct_outcomes.parquet")
    hidden_dsr = outcomes[
        (outcomes.metric_id == "drug_misuse_death_rate_dsr") & outcomes.is_suppressed
    ]
    reconciliation = pd.read_parquet(marts / "fct_ons_reconciliation.parquet")
    beside = reconciliation.merge(hidden_dsr[["area_code", "period_end_date"]])
    assert len(beside) > 0  # the sample hides some 3-year counts that ONS publishes
    assert (beside.reconciliation_status == "not_comparable").all()
    assert (
        beside[["warehouse_deaths", "warehouse_rate", "is_ons_rate_within_interval"]]
        .isna()
        .all()
        .all()
    )
    # the run record and the report give the total of hidden cells only
    record = json.loads((marts / "run_record.jsonl").read_text().splitlines()[-1])
    assert "cells_suppressed" in record["disclosure"]
    assert not any("primary" in k or "secondary" in k for k in record["disclosure"])
    assert "small numbers and" not in (marts / "data_quality_report.md").read_text()
    # what was not produced is counted over the published rows (a hidden row's note is hidden)
    noted = outcomes[outcomes.value.isna() & outcomes.value_note.notna()]
    not_produced = [line for line in record["data_quality"] if line.startswith("Not produced")]
    assert sum(int(line.split(", ")[1].split(" rows")[0]) for line in not_produced) == len(noted)


def test_a_row_the_warehouse_has_changed_since_is_published_as_it_was(refreshed, tmp_path):
    """A discharge recorded late, say: the warehouse's number moves under a published row. The
    row is published again as it was, and what is derived from the new number is blanked."""
    marts = shareable.published_marts(dbt_project().manifest_path)
    folder = tmp_path / "marts"
    publish.publish(
        refreshed.settings.warehouse, folder, marts, home_area=refreshed.settings.home_area
    )
    earlier = pd.read_parquet(folder / "fct_outcomes.parquet")
    row = (
        (earlier.metric_id == "adults_in_treatment")
        & (earlier.area_code == "E06000016")
        & (earlier.breakdown == "all")
        & (earlier.period_end_date.astype(str) == "2024-12-31")
    )
    earlier.loc[row, ["numerator", "value"]] = [2499.0, 2499.0]  # the warehouse now has 2,500
    (folder / "fct_outcomes.parquet").chmod(0o644)
    earlier.to_parquet(folder / "fct_outcomes.parquet")
    publication = publish.publish(
        refreshed.settings.warehouse, folder, marts, home_area=refreshed.settings.home_area
    )
    current = pd.read_parquet(folder / "fct_outcomes.parquet")
    assert current.loc[row, "numerator"].tolist() == [2499.0]
    assert publication.protection.rows_changed_since == 1
    scorecard = pd.read_parquet(folder / "fct_strategy_scorecard.parquet")
    derived = scorecard[
        (scorecard.metric_id == "adults_in_treatment")
        & (scorecard.area_code == "E06000016")
        & (scorecard.period_end_date.astype(str) == "2024-12-31")
    ]
    assert derived.value.isna().all() and len(derived) > 0


def test_an_earlier_publication_that_gave_cells_away_is_not_repeated(refreshed, exact, tmp_path):
    """A publication made by an earlier version, under an older rule, that gives a suppressed
    cell away today: the refresh publishes anyway (nothing can take the cell back from a reader
    who kept it), but this publication must not give it away to anyone else. It hides what it
    must of what that one showed, revises no value, and says so."""
    earlier_dir = copy_publication(refreshed.settings.marts_dir, tmp_path / "earlier")
    outcomes_path = earlier_dir / "fct_outcomes.parquet"
    earlier = pd.read_parquet(outcomes_path)
    earlier["period_end_date"] = pd.to_datetime(earlier["period_end_date"])
    # an older rule's mistake: of two substance groups hidden beside a published total, one
    # shown, which gives the other away by subtraction
    family = earlier[(earlier.metric_id == "adults_in_treatment") & earlier.breakdown.ne("all")]
    hidden = family[family.is_suppressed].groupby(["area_code", "period_end_date"])
    pair = next(rows for _, rows in hidden if len(rows) == 2)
    shown_row = pair[KEY].merge(exact[[*KEY, "numerator", "value"]], on=KEY).iloc[0]
    where = (earlier[KEY] == shown_row[KEY]).all(axis=1)
    earlier.loc[where, ["numerator", "value"]] = [shown_row.numerator, shown_row.value]
    earlier.loc[where, ["is_suppressed", "suppression_reason"]] = [False, None]
    outcomes_path.chmod(0o644)
    earlier.to_parquet(outcomes_path, index=False)
    leaked_before = intruder.attack_all(intruder.load(earlier_dir))
    assert leaked_before, "the doctored publication leaks"
    kept = copy_publication(earlier_dir, tmp_path / "kept_by_the_intruder")

    marts = shareable.published_marts(dbt_project().manifest_path)
    publication = publish.publish(
        refreshed.settings.warehouse,
        earlier_dir,
        marts,
        home_area=refreshed.settings.home_area,
    )
    assert publication.protection.earlier_cells_given_away >= 1
    assert publication.protection.cells_shown_before_hidden_now >= 1
    assert "gives away" in publication.protection.warnings()[0]
    # said on the console only: the shareable figures and report do not point at the cells
    assert "gives away" not in " ".join(publication.protection.describe())
    assert "earlier_publication_cells_given_away" not in publication.protection.figures()
    # this one alone gives nothing away, and beside the withdrawn one nothing more than it did
    findings = intruder.attack_all(intruder.load(earlier_dir))
    assert findings == [], describe(findings)
    # (a cell by where it is: the same count is published under two metrics)
    already = {(f.area_code, f.breakdown, f.period_end_date) for f in leaked_before}
    together = intruder.attack_all(intruder.load(earlier_dir), intruder.load(kept))
    new_findings = [
        f for f in together if (f.area_code, f.breakdown, f.period_end_date) not in already
    ]
    assert new_findings == [], describe(new_findings)
    current = pd.read_parquet(earlier_dir / "fct_outcomes.parquet")
    current["period_end_date"] = pd.to_datetime(current["period_end_date"])
    again = current.merge(earlier, on=KEY, suffixes=("", "_earlier"))
    assert bool(again.loc[(again[KEY] == shown_row[KEY]).all(axis=1), "is_suppressed"].iloc[0])
    # no value is revised: what is still shown is what was shown
    both_shown = again[~again.is_suppressed & ~again.is_suppressed_earlier]
    assert (both_shown.numerator == both_shown.numerator_earlier).all()
    # and what was hidden stays hidden
    assert again.loc[again.is_suppressed_earlier, "is_suppressed"].all()
