"""Metrics 16-17 end to end, on a copy of the shipped sample with a police/ folder and an LSOA
lookup written by the test in the real shapes (tests/helpers/police.py: street files directly
in police/ and in YYYY-MM/ folders, the download's outcomes and stop-and-search files beside
them, anti-social behaviour without a Crime ID, rows without an LSOA, an LSOA the lookup lacks,
a crime type nobody knows, Derbyshire's June 2024 missing, West Midlands' rows in Birmingham,
which the sample does not hold). Every expected count is worked out from what the helper wrote,
not read from the warehouse. And the sample without police/ (the shared refresh) publishes what
it did before metrics 16-17: no row of them, every other row as with police/ beside it."""

import csv
import shutil

import pandas as pd
import pytest

from pipelines import config
from pipelines.disclosure import rule
from tests.conftest import SAMPLE_RAW_DIR, run_refresh_in
from tests.helpers import police
from tests.helpers.police import (
    COVENTRY,
    DERBY,
    DRUGS,
    LEICESTER,
    LEICESTERSHIRE,
    NEIGHBOURHOOD,
    NOTTINGHAM,
    RUTLAND,
)

CRIME = sorted(rule.PUBLIC_METRICS)
KEY = ["metric_id", "area_code", "breakdown", "period_end_date"]
AREAS = {LEICESTER, LEICESTERSHIRE, RUTLAND, NOTTINGHAM, DERBY, COVENTRY}
LLR = (LEICESTER, LEICESTERSHIRE, RUTLAND)


@pytest.fixture(scope="module")
def folder():
    return police.sample_police_folder()


@pytest.fixture(scope="module")
def with_police(folder, tmp_path_factory):
    root = tmp_path_factory.mktemp("crime")
    raw = root / "raw"
    shutil.copytree(SAMPLE_RAW_DIR, raw)
    police.write_police(raw, folder)
    police.write_lookup(raw, police.SAMPLE_FORCES)
    outcome = run_refresh_in(raw, root / "warehouse.duckdb", root / "marts")
    assert outcome.success, outcome.explanation()
    return outcome


def published(outcome, table="fct_outcomes") -> pd.DataFrame:
    frame = pd.read_parquet(outcome.settings.marts_dir / f"{table}.parquet")
    if "period_end_date" in frame:
        frame["period_end_date"] = frame["period_end_date"].astype(str)
    return frame


@pytest.fixture(scope="module")
def crime(with_police) -> pd.DataFrame:
    frame = published(with_police)
    return frame[frame.metric_id.isin(CRIME)].set_index(KEY).sort_index()


def month_ends(first: str, last: str) -> list[str]:
    return [
        str(pd.Period(month, "M").end_time.date()) for month in police.months_between(first, last)
    ]


def test_every_window_whose_forces_have_all_months(crime):
    """January 2022 to June 2025: windows to December 2022 onwards; Derby's lack every window
    holding June 2024 (its force's missing month), and nobody else's does (a force whose rows
    never fall in an area does not matter). Birmingham, which the sample does not hold, has
    none."""
    windows = crime.reset_index().groupby(["metric_id", "area_code"]).period_end_date.agg(list)
    every = month_ends("2022-12", "2025-06")
    without_june_2024 = [m for m in every if not "2024-06-30" <= m <= "2025-05-31"]
    for metric in CRIME:
        for area in AREAS | {"LLR"}:
            expected = without_june_2024 if area == DERBY else every
            assert sorted(windows[(metric, area)]) == expected, (metric, area)
    assert set(crime.index.get_level_values("area_code")) == AREAS | {"LLR"}


@pytest.mark.parametrize("end", ["2022-12", "2024-03", "2025-06"])
@pytest.mark.parametrize("area", [LEICESTER, LEICESTERSHIRE, RUTLAND, NOTTINGHAM, COVENTRY])
def test_the_crimes_counted(crime, folder, area, end):
    """Drugs for drug offences; Burglary, Robbery, Theft from the person and Vehicle crime for
    neighbourhood crime; every force whose rows fall in the area (Leicestershire's come from
    two); rows without an LSOA, with one the lookup lacks, and of an unknown type, nowhere."""
    period = month_ends(end, end)[0]
    for metric, types in (("drug_offences", (DRUGS,)), ("neighbourhood_crime", NEIGHBOURHOOD)):
        row = crime.loc[(metric, area, "all", period)]
        assert row.numerator == police.expected_window(folder, (area,), end, types)


def test_a_partnership_is_the_sum_of_its_members(crime, folder):
    for period in month_ends("2022-12", "2025-06"):
        end = period[:7]
        for metric, types in (("drug_offences", (DRUGS,)), ("neighbourhood_crime", NEIGHBOURHOOD)):
            members = sum(crime.loc[(metric, area, "all", period)].numerator for area in LLR)
            assert crime.loc[(metric, "LLR", "all", period)].numerator == members
            assert members == police.expected_window(folder, LLR, end, types)


def test_rates_per_1000_of_the_mid_year_population_never_hidden(crime):
    with (SAMPLE_RAW_DIR / "population.csv").open(newline="") as handle:
        population = pd.DataFrame(list(csv.DictReader(handle)))
    population["population"] = population.population.astype(int)
    by_year = population.groupby(["area_code", "year"]).population.sum()
    for (metric, area, _, period), row in crime.iterrows():
        if not metric.endswith("_rate"):
            assert row.unit == "count" and pd.isna(row.denominator)
            continue
        year = period[:4]
        members = LLR if area == "LLR" else (area,)
        assert row.denominator == sum(by_year[(m, year)] for m in members)
        assert row.unit == "rate_per_1000"
        assert row.value == pytest.approx(1000 * row.numerator / row.denominator)
        assert row.lower_95 < row.value < row.upper_95
    assert not crime.is_suppressed.any() and crime.numerator.notna().all()
    assert (crime.comparison_to_england == "not_compared").all()  # no England in the sample


def test_the_metrics_are_catalogued(with_police):
    metrics = published(with_police, "dim_metric").set_index("metric_id")
    assert metrics.loc["drug_offences", "polarity"] == "not_applicable"
    assert metrics.loc["neighbourhood_crime_rate", "unit"] == "rate_per_1000"


def test_the_refresh_says_what_it_could_not_produce_or_place(with_police, folder):
    said = "\n".join(with_police.data_quality)
    assert (
        "Crime not produced for Derby (E06000015) (and its partnerships) in the 12-month "
        "windows holding a month without derbyshire's street file in police/: 2024-06." in said
    )
    files = len(folder.files())
    assert f"{files:,} rows of police/ have no LSOA code" in said
    assert f"{files:,} rows of police/ have an LSOA that lsoa_lookup.csv lacks" in said
    assert f"{police.UNKNOWN_TYPE} {files:,} rows" in said
    assert "Birmingham (E08000025)" in said
    # the download's other files: said once, not once per file
    others = [line for line in with_police.data_quality if "stop-and-search" in line]
    assert len(others) == 1 and f"{2 * files} outcomes and stop-and-search files" in others[0]
    report = (with_police.settings.marts_dir / "data_quality_report.md").read_text()
    assert len([line for line in report.splitlines() if "stop-and-search" in line]) == 1


def test_without_police_nothing_else_changes(with_police, refreshed):
    """The sample without police/ publishes no row of metrics 16-17 and says so; every other
    row of every table is the same as beside police/."""
    assert any(
        line.startswith("Crime not produced (drug_offences, drug_offences_rate")
        and "police/" in line
        for line in refreshed.data_quality
    )
    for table, key in (
        ("fct_outcomes", KEY),
        ("fct_strategy_scorecard", ["objective_id", "metric_id", "area_code", "period_end_date"]),
        ("fct_neighbour_comparison", ["metric_id", "area_code", "period_end_date"]),
        ("dim_area", ["area_code"]),
        ("fct_ons_reconciliation", None),
    ):
        without = published(refreshed, table)
        beside = published(with_police, table)
        if "metric_id" in without:
            assert not without.metric_id.isin(CRIME).any(), table
            beside = beside[~beside.metric_id.isin(CRIME)]
        order = key or list(without.columns)
        pd.testing.assert_frame_equal(
            without.sort_values(order).reset_index(drop=True),
            beside.sort_values(order).reset_index(drop=True),
            obj=table,
        )
    metrics = published(refreshed, "dim_metric")
    assert set(CRIME) <= set(metrics.metric_id)  # the catalogue describes them all the same


def test_the_readmes_crime_query_runs_against_the_publication(with_police):
    import re

    import duckdb

    readme = (config.PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("**Crime (metrics 16-17).**") :]
    query = re.search(r"```sql\n(.*?)```", section, flags=re.S).group(1)
    con = duckdb.connect(
        str(with_police.settings.marts_dir / config.PUBLISHED_DUCKDB_NAME), read_only=True
    )
    rows = con.execute(query).fetchall()
    assert len(rows) == 2 * 3  # two rates, March 2023, 2024 and 2025
