"""The published metrics on the shipped sample: the figures metrics.md says it must reproduce,
read back from the published Parquet, and the properties every published number must have."""

import duckdb
import pandas as pd
import pytest

from pipelines import config
from pipelines.disclosure import rule
from pipelines.transform import interval_reference

LEICESTER = "E06000016"


@pytest.fixture(scope="module")
def outcomes(refreshed) -> pd.DataFrame:
    frame = pd.read_parquet(refreshed.settings.marts_dir / "fct_outcomes.parquet")
    frame["period_end_date"] = frame["period_end_date"].astype(str)
    return frame


def leicester(outcomes, metric_id, period_end, breakdown="all"):
    rows = outcomes[
        (outcomes.metric_id == metric_id)
        & (outcomes.area_code == LEICESTER)
        & (outcomes.breakdown == breakdown)
        & (outcomes.period_end_date == period_end)
    ]
    assert len(rows) == 1, (metric_id, period_end)
    return rows.iloc[0]


@pytest.mark.parametrize(
    ("metric_id", "period_end", "expected", "digits"),
    [
        ("adults_in_treatment", "2021-12-31", 2087, 0),
        ("adults_in_treatment", "2024-12-31", 2500, 0),
        ("continuity_of_care_rate", "2022-03-31", 21.0, 1),
        ("continuity_of_care_rate", "2025-03-31", 55.2, 1),
        ("drug_misuse_death_rate_dsr", "2024-12-31", 14.7, 1),
        ("unmet_need_alcohol", "2025-03-31", 80, 0),
        ("unmet_need_opiate_crack", "2025-03-31", 50, 0),
    ],
)
def test_the_strategy_figures(outcomes, metric_id, period_end, expected, digits):
    row = leicester(outcomes, metric_id, period_end)
    assert round(row.value, digits) == expected
    assert not row.is_provisional


def test_death_rate_is_significantly_worse_than_england(outcomes):
    row = leicester(outcomes, "drug_misuse_death_rate_dsr", "2024-12-31")
    assert row.comparison_to_england == "worse" and row.lower_95 > row.england_value


def test_dsr_interval_matches_the_reference_dobson(refreshed):
    """The SQL Dobson interval equals the Python reference's (interval_reference.dobson) on the
    same deaths and populations."""
    con = duckdb.connect(str(refreshed.settings.warehouse), read_only=True)
    deaths = dict(
        con.execute(
            "SELECT least(floor(age / 5), 18)::int, count(*) "
            "FROM staging.stg_local_register__drug_deaths WHERE area_code = ? "
            "AND year(registration_date) BETWEEN 2022 AND 2024 GROUP BY 1",
            [LEICESTER],
        ).fetchall()
    )
    people = dict(
        con.execute(
            "SELECT e.band_lower_age // 5, sum(p.population) FROM staging.stg_ons__population p "
            "JOIN reference.esp2013 e USING (age_band) WHERE p.area_code = ? "
            "AND p.mid_year BETWEEN 2022 AND 2024 GROUP BY 1",
            [LEICESTER],
        ).fetchall()
    )
    weights = [
        r[0]
        for r in con.execute(
            "SELECT standard_population FROM reference.esp2013 ORDER BY band_lower_age"
        ).fetchall()
    ]
    expected = interval_reference.dobson(
        [deaths.get(i, 0) for i in range(19)], [people[i] for i in range(19)], weights
    )
    got = con.execute(
        "SELECT value, lower_95, upper_95 FROM marts.fct_outcomes WHERE metric_id = "
        "'drug_misuse_death_rate_dsr' AND area_code = ? AND period_end_date = '2024-12-31' "
        "AND breakdown = 'all'",
        [LEICESTER],
    ).fetchone()
    assert got == pytest.approx(expected, rel=1e-9)


def test_every_catalogued_metric_is_published_and_documented(refreshed, outcomes):
    metrics = pd.read_parquet(refreshed.settings.marts_dir / "dim_metric.parquet")
    # the sample holds every optional input (TOP forms, police/ and its lookup): every metric
    assert set(outcomes.metric_id) == set(metrics.metric_id)
    for column in ("definition", "unit", "polarity", "interval_method", "ncdof_outcome"):
        assert metrics[column].notna().all(), column


def test_partnership_counts_each_person_once(outcomes):
    adults = outcomes[(outcomes.metric_id == "adults_in_treatment") & (outcomes.breakdown == "all")]
    pivot = adults.pivot_table(index="period_end_date", columns="area_code", values="numerator")
    pivot = pivot.dropna()  # months where a member's count is suppressed cannot be summed
    assert len(pivot) > 30
    members = pivot[["E06000016", "E10000018", "E06000017"]].sum(axis=1)
    # each person is placed in one area per window, so the partnership is the sum of members
    assert (pivot["LLR"] == members).all()
    assert set(outcomes[outcomes.area_code == "LLR"].area_type) == {"partnership"}


def test_every_published_number_is_coherent(outcomes):
    valued = outcomes.dropna(subset=["value", "lower_95"])
    assert (
        (valued.lower_95 <= valued.value + 1e-9) & (valued.value <= valued.upper_95 + 1e-9)
    ).all()
    # unmet need has no 99.8% interval: only the prevalence estimate's 95% one is published
    assert valued[valued.lower_998.isna()].metric_id.str.startswith("unmet_need").all()
    wide = valued.dropna(subset=["lower_998"])
    assert (
        (wide.lower_998 <= wide.lower_95 + 1e-9) & (wide.upper_95 <= wide.upper_998 + 1e-9)
    ).all()
    shown = outcomes.dropna(subset=["numerator", "denominator"])
    assert (shown.numerator <= shown.denominator).all()
    pct = outcomes[
        (outcomes.unit == "percentage") & ~outcomes.metric_id.str.startswith("unmet_need")
    ]
    assert pct.value.dropna().between(0, 100).all()
    counts = outcomes[outcomes.unit == "count"]
    assert (counts.comparison_to_england == "not_compared").all()


@pytest.fixture(scope="module")
def exact_outcomes(refreshed) -> pd.DataFrame:
    """The restricted fct_outcomes (every month end, provisional values included)."""
    con = duckdb.connect(str(refreshed.settings.warehouse), read_only=True)
    try:
        frame = con.execute("select * from marts.fct_outcomes").df()
    finally:
        con.close()
    frame["period_end_date"] = frame["period_end_date"].astype(str)
    return frame


def test_provisional_follows_each_look_forward(exact_outcomes, outcomes):
    assert not outcomes.is_provisional.any()  # the publication: final values only
    outcomes = exact_outcomes
    last = outcomes.period_end_date.max()
    assert last == "2025-09-30"
    at_last = outcomes[outcomes.period_end_date == last].groupby("metric_id").is_provisional.all()
    assert at_last["successful_completion_rate"] and at_last["continuity_of_care_rate"]
    assert not at_last["adults_in_treatment"]
    # 182 days: March 2025 is final (30 Sep 2025 is day 183), April 2025 is not
    assert not leicester(outcomes, "successful_completion_rate", "2025-03-31").is_provisional
    assert leicester(outcomes, "successful_completion_rate", "2025-04-30").is_provisional


def test_provisional_values_are_never_compared(exact_outcomes):
    provisional = exact_outcomes[exact_outcomes.is_provisional]
    assert len(provisional) > 100
    assert (provisional.comparison_to_england == "not_compared").all()


def test_unmet_need_interval_is_the_prevalence_estimates_own(outcomes):
    """Leicester's and the partnership's unmet need for FY 2024/25, recomputed from the raw
    estimates' own limits by the reference (a partnership sums its members' limits)."""
    raw = pd.read_csv(config.PROJECT_ROOT / "data" / "raw" / "prevalence_estimates.csv")
    raw = raw[raw.year == 2024].set_index(["area_code", "need_group"])
    members = {LEICESTER: [LEICESTER], "LLR": [LEICESTER, "E10000018", "E06000017"]}
    groups = {"unmet_need_opiate_crack": "opiate_crack", "unmet_need_alcohol": "alcohol_dependent"}
    for area, codes in members.items():
        for metric_id, group in groups.items():
            row = outcomes[
                (outcomes.metric_id == metric_id)
                & (outcomes.area_code == area)
                & (outcomes.breakdown == "all")
                & (outcomes.period_end_date == "2025-03-31")
            ].iloc[0]
            estimates = raw.loc[[(code, group) for code in codes]].sum()
            assert row.denominator == estimates.estimate
            in_treatment = row.denominator - row.numerator
            lower, upper = interval_reference.unmet_need_interval(
                in_treatment, estimates.lower_ci, estimates.upper_ci
            )
            assert (row.lower_95, row.upper_95) == pytest.approx((100 * lower, 100 * upper))
            assert pd.isna(row.lower_998) and pd.isna(row.upper_998)


def test_no_published_cell_breaks_disclosure(outcomes):
    # police-recorded crime is public (police.uk publishes it): its small counts are shown
    outcomes = outcomes[~outcomes.metric_id.isin(rule.PUBLIC_METRICS)]
    shown = outcomes[~outcomes.is_suppressed]
    assert not shown[shown.unit == "count"].numerator.between(1, 4).any()
    rates = shown[shown.unit != "count"]
    assert not (rates.numerator.between(1, 4) | rates.denominator.between(1, 4)).any()
    # a denominator stays published beside a suppressed numerator, but never a small one
    assert not outcomes.denominator.between(1, 4).any()
    suppressed = outcomes[outcomes.is_suppressed]
    assert suppressed[["numerator", "value", "lower_95", "upper_95"]].isna().all().all()
    assert (suppressed.comparison_to_england == "not_compared").all()
    # never exactly one hidden cell in a substance-group family (its groups and total)
    family = outcomes[outcomes.breakdown_type.isin(["substance_group", "all"])]
    by_family = family.groupby(["metric_id", "area_code", "period_end_date"])
    hidden = by_family.is_suppressed.sum()[by_family.size() > 1]
    assert not (hidden == 1).any()


def test_scorecard_and_reconciliation(refreshed):
    marts = refreshed.settings.marts_dir
    scorecard = pd.read_parquet(marts / "fct_strategy_scorecard.parquet")
    dsr = scorecard[
        (scorecard.area_code == LEICESTER)
        & (scorecard.metric_id == "drug_misuse_death_rate_dsr")
        & scorecard.is_latest_final
    ].iloc[0]
    assert str(dsr.period_end_date) == "2024-12-31" and round(dsr.value, 1) == 14.7
    assert (
        str(dsr.previous_period_end_date) == "2023-12-31" and dsr.comparison_to_england == "worse"
    )
    # 14.9 to 14.7 per 100,000, intervals of about 12 to 17 around both: not a change
    assert round(dsr.previous_value, 1) == 14.9
    assert dsr.direction_of_travel == "no_significant_change" and not dsr.is_significant_change
    # every objective of the strategy seed, for the partnership's own area, read at one
    # reporting period: 31 March 2025 (the latest 31 March every metric is final at), not each
    # metric's own latest month; a calendar-year metric at its latest year ending by then
    objectives = pd.read_csv(config.DBT_PROJECT_DIR / "seeds" / "strategy_objectives.csv")
    latest = scorecard[(scorecard.area_code == LEICESTER) & scorecard.is_latest_final]
    assert set(zip(latest.objective_id, latest.metric_id, strict=True)) == set(
        zip(objectives.objective_id, objectives.metric_id, strict=True)
    )
    assert len(latest) == len(objectives)
    assert set(scorecard.reporting_period_end_date.astype(str)) == {"2025-03-31"}
    ends = dict(zip(latest.metric_id, latest.period_end_date.astype(str), strict=True))
    assert ends["adults_in_treatment"] == "2025-03-31"  # final to September 2025, read at March
    assert ends["drug_misuse_deaths"] == "2024-12-31"  # published for calendar years only
    assert {m for m, end in ends.items() if end != "2025-03-31"} == {
        "drug_misuse_deaths",
        "drug_misuse_death_rate_dsr",
    }
    reconciliation = pd.read_parquet(marts / "fct_ons_reconciliation.parquet")
    assert set(reconciliation.reconciliation_status) >= {
        "ons_within_interval",
        "ons_outside_interval",
        "not_comparable",
    }
    con = duckdb.connect(str(marts / config.PUBLISHED_DUCKDB_NAME), read_only=True)
    assert con.execute("SELECT count(*) FROM dim_area WHERE area_code = 'LLR'").fetchone()[0] == 1


def test_scorecard_tests_match_the_python_reference(refreshed):
    """Every z statistic and trend statistic of the scorecard, recomputed from fct_outcomes
    (and the DSR's variance) by the Python reference (interval_reference), on the restricted
    warehouse; unmet need's change by its intervals' overlap; no verdict on a provisional
    value."""
    con = duckdb.connect(str(refreshed.settings.warehouse), read_only=True)
    try:
        rows = con.execute("""
            select s.metric_id, s.area_code, s.period_end_date, s.change_z_score,
                s.trend_chi_squared, s.trend_first_period_end_date, s.recent_trend,
                s.is_significant_change, s.direction_of_travel,
                o.is_provisional or coalesce(p.is_provisional, false) as either_provisional,
                o.lower_95, o.upper_95, p.lower_95 as previous_lower_95,
                p.upper_95 as previous_upper_95,
                m.interval_method, m.unit, m.polarity,
                o.numerator, o.denominator, o.value, p.numerator as previous_numerator,
                p.denominator as previous_denominator, p.value as previous_value,
                d.standardised_rate_variance as variance,
                dp.standardised_rate_variance as previous_variance
            from marts.fct_strategy_scorecard as s
            join marts.dim_metric as m using (metric_id)
            join marts.fct_outcomes as o on o.metric_id = s.metric_id
                and o.area_code = s.area_code and o.breakdown = 'all'
                and o.period_end_date = s.period_end_date
            left join marts.fct_outcomes as p on p.metric_id = s.metric_id
                and p.area_code = s.area_code and p.breakdown = 'all'
                and p.period_end_date = s.previous_period_end_date
            left join intermediate.int_metric__drug_misuse_death_rate_dsr as d
                on d.metric_id = s.metric_id and d.area_code = s.area_code
                and d.period_end_date = s.period_end_date
            left join intermediate.int_metric__drug_misuse_death_rate_dsr as dp
                on dp.metric_id = s.metric_id and dp.area_code = s.area_code
                and dp.period_end_date = s.previous_period_end_date
        """).df()
        outcomes = con.execute(
            "select metric_id, area_code, period_end_date, numerator, denominator, "
            "is_provisional from marts.fct_outcomes where breakdown = 'all'"
        ).df()
    finally:
        con.close()
    outcomes["period_end_date"] = pd.to_datetime(outcomes.period_end_date).dt.date
    points = outcomes.set_index(["metric_id", "area_code", "period_end_date"])
    tested = trends = intervals = provisional = 0
    for row in rows.itertuples():
        if row.either_provisional:
            assert row.direction_of_travel == "not_available", row
            assert not row.is_significant_change, row
            provisional += 1
        if pd.isna(row.value) or pd.isna(row.previous_value):
            expected = None
        elif row.interval_method == "prevalence_estimate_interval":
            expected = None  # no z: the two years' intervals are compared
            apart = interval_reference.intervals_apart(
                None if pd.isna(row.lower_95) else (row.lower_95, row.upper_95),
                None
                if pd.isna(row.previous_lower_95)
                else (row.previous_lower_95, row.previous_upper_95),
            )
            assert row.is_significant_change == bool(apart and not row.either_provisional), row
            if apart is None:
                assert row.direction_of_travel == "not_available", row
            intervals += 1
        elif row.interval_method == "wilson":
            expected = interval_reference.two_proportions_z(
                row.numerator, row.denominator, row.previous_numerator, row.previous_denominator
            )
        elif row.interval_method == "dobson":
            expected = interval_reference.two_dsrs_z(
                row.value, row.variance, row.previous_value, row.previous_variance
            )
        elif row.unit == "count":
            expected = interval_reference.two_poisson_z(row.numerator, 1, row.previous_numerator, 1)
        else:
            expected = interval_reference.two_poisson_z(
                row.numerator, row.denominator, row.previous_numerator, row.previous_denominator
            )
        if expected is None:
            assert pd.isna(row.change_z_score), row
        else:
            assert row.change_z_score == pytest.approx(expected, rel=1e-9), row
            tested += 1
        if not pd.isna(row.trend_chi_squared):
            ends = pd.date_range(end=row.period_end_date, periods=5, freq="12ME")
            five = [points.loc[(row.metric_id, row.area_code, e.date())] for e in ends]
            statistic, sign = interval_reference.trend_chi_squared(
                [p.numerator for p in five], [p.denominator for p in five]
            )
            assert row.trend_chi_squared == pytest.approx(statistic, rel=1e-9), row
            rising = row.recent_trend.startswith("increasing")
            if any(p.is_provisional for p in five):
                assert row.recent_trend == "not_available", row
            elif statistic >= interval_reference.TREND_CHI_SQUARED_999:
                assert rising == (sign > 0), row
            else:
                assert row.recent_trend == "no_significant_change", row
            trends += 1
    assert tested > 1000 and trends > 100  # the sample exercises both, widely
    assert intervals > 50 and provisional > 10
