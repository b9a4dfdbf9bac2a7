"""Metrics 16-17 end to end, on a copy of the shipped sample whose police/ folder and LSOA
lookup are replaced by ones the test writes in the real shapes (tests/helpers/police.py: street
files directly in police/ and in YYYY-MM/ folders, the download's outcomes and stop-and-search
files beside them, anti-social behaviour without a Crime ID, rows without an LSOA, an LSOA the
lookup lacks, a crime type nobody knows, Derbyshire's June 2024 missing, West Midlands' rows in
Birmingham, which the sample does not hold). Every expected count is worked out from what the
helper wrote, not read from the warehouse.

And the optional inputs absent: a copy of the sample without treatment_outcomes.csv, police/
and lsoa_lookup.csv publishes no row of metrics 13-17 and says so, and every other metric as
the shared refresh of the whole sample does (the same rows; the same values where both show
them). benchmarks/same_as_commit.py compares such a folder's publication with an earlier
commit's, row for row, by hand."""

import csv
import shutil

import pandas as pd
import pytest

from pipelines import config
from pipelines.disclosure import rule
from tests.conftest import SAMPLE_RAW_DIR, run_refresh_in, without_optional_inputs
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
    # the sample's own police/ out: the test's files, whose counts it knows, in its place
    shutil.rmtree(raw / "police", ignore_errors=True)
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


RECOVERY = ("treatment_progress_rate", "acute_housing_problem_rate", "paid_work_rate")
OPTIONAL = (*RECOVERY, *CRIME)  # metrics 13-17: of the optional inputs only
FORMS_NOT_PRODUCED = (
    "treatment_outcomes.csv is absent or has no rows (it is optional): "
    "treatment_progress_rate, acute_housing_problem_rate, paid_work_rate not produced."
)
CRIME_NOT_PRODUCED = (
    "Crime not produced (drug_offences, drug_offences_rate, neighbourhood_crime, "
    "neighbourhood_crime_rate): no police/ folder in the raw folder"
)


@pytest.fixture(scope="module")
def without_optional(tmp_path_factory):
    """A refresh of a copy of the sample without treatment_outcomes.csv, police/ and
    lsoa_lookup.csv, and the lines it showed on the console."""
    root = tmp_path_factory.mktemp("without_optional")
    raw = root / "raw"
    shutil.copytree(SAMPLE_RAW_DIR, raw)
    without_optional_inputs(raw)
    console: list[str] = []
    outcome = run_refresh_in(raw, root / "warehouse.duckdb", root / "marts", echo=console.append)
    assert outcome.success, outcome.explanation()
    return outcome, console


def test_without_the_optional_inputs_metrics_13_to_17_are_not_produced_and_said(
    without_optional,
):
    import json

    import duckdb

    outcome, console = without_optional
    con = duckdb.connect(str(outcome.settings.warehouse), read_only=True)
    rows = con.execute(
        "SELECT count(*) FILTER (WHERE metric_id IN ?), count(DISTINCT metric_id) "
        "FROM marts.fct_outcomes",
        [list(OPTIONAL)],
    ).fetchone()
    quarantined = con.execute(
        "SELECT count(*) FROM quarantine.rows "
        "WHERE file_name IN ('treatment_outcomes.csv', 'lsoa_lookup.csv')"
    ).fetchone()
    con.close()
    assert rows[0] == 0 and rows[1] >= 16 and quarantined == (0,)
    assert not published(outcome).metric_id.isin(OPTIONAL).any()
    # the console: each ingest step's warning, and the summary
    assert any(
        "treatment_outcomes.csv is absent (optional): these metrics are not produced: "
        "treatment_progress_rate, acute_housing_problem_rate, paid_work_rate." in line
        for line in console
    ), console
    assert any(
        "police/ is absent (optional): the crime metrics (drug_offences, neighbourhood_crime "
        "and their rates) are not produced." in line
        for line in console
    ), console
    said = outcome.data_quality
    assert FORMS_NOT_PRODUCED in said
    assert [line for line in said if line.startswith(CRIME_NOT_PRODUCED)], said
    # the lookup goes with police/: said with it, not once more as an absent file
    assert not [line for line in said if "lsoa_lookup.csv" in line], said
    record = json.loads(
        (outcome.settings.marts_dir / "run_record.jsonl").read_text().splitlines()[-1]
    )
    assert FORMS_NOT_PRODUCED in record["data_quality"]
    assert [line for line in record["data_quality"] if line.startswith(CRIME_NOT_PRODUCED)]
    assert not {"treatment_outcomes", "police"} & set(record["inputs_as_of"])
    assert not {"treatment_outcomes.csv", "police/", "lsoa_lookup.csv"} & set(record["inputs"])
    # still documented, as every metric of the catalogue is
    assert set(OPTIONAL) <= set(published(outcome, "dim_metric").metric_id)
    # and the pack's framework page says they were not produced, not that they are missing
    from pipelines.extracts.pack import build_pack

    framework = build_pack(outcome.settings.marts_dir, "E06000016").framework
    supply = framework.set_index("ncdof_outcome").loc["Reduce drug supply"].measures
    assert supply and all("not produced" in m for m in supply), supply


def test_without_the_optional_inputs_every_other_metric_is_published_as_with_them(
    without_optional, refreshed
):
    """Every other metric has the same rows (metric, area, breakdown, period) as in the shared
    refresh of the whole sample, and the same values wherever both show the row: disclosure
    control may hide another set of cells beside metrics 13-15 (their relations to adults in
    treatment), never another number."""
    outcome, _ = without_optional
    full = published(refreshed)
    absent = published(outcome)
    assert set(OPTIONAL) <= set(full.metric_id)  # the whole sample publishes them
    assert set(full.metric_id) - set(absent.metric_id) == set(OPTIONAL)
    others = full[~full.metric_id.isin(OPTIONAL)]
    assert len(absent) == len(others)
    both = others.merge(absent, on=KEY, how="outer", suffixes=("", "_absent"), indicator=True)
    assert (both["_merge"] == "both").all(), both.loc[both["_merge"] != "both", KEY]
    shown = both[~both.is_suppressed & ~both.is_suppressed_absent]
    assert len(shown) > len(both) / 2
    hidden = {"is_suppressed", "suppression_reason"}
    for column in [c for c in absent.columns if c not in {*KEY, *hidden}]:
        pd.testing.assert_series_equal(
            shown[column].reset_index(drop=True),
            shown[f"{column}_absent"].reset_index(drop=True),
            check_names=False,
            obj=column,
        )
    # the tables without a metric are the same
    for table in ("dim_area", "dim_comparator", "fct_ons_reconciliation"):
        without, beside = published(outcome, table), published(refreshed, table)
        order = list(without.columns)
        pd.testing.assert_frame_equal(
            without.sort_values(order).reset_index(drop=True),
            beside.sort_values(order).reset_index(drop=True),
            obj=table,
        )


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
