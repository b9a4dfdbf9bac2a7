"""The rules metrics 16-17 bring beside the data: police-recorded crime is public, so the
disclosure step never hides it (small counts included) and publishes it every month; a metric
without a polarity is compared with the neighbours as higher, similar or lower (never better
or worse) and its change and comparisons read so in the pack's words. (The SQL rules of the
windows, the crime types and the comparison with England are dbt unit tests beside the
models: int_crime__*.yml, int_metric__drug_offences.yml, fct_outcomes.yml,
fct_strategy_scorecard.yml.)"""

from types import SimpleNamespace

import duckdb
import pandas as pd

from pipelines.checks import suites
from pipelines.disclosure import audit, rule, shareable, suppression
from pipelines.extracts import words
from pipelines.publish import neighbours

PERIOD = pd.Timestamp("2024-12-31")
LLR = {"LLR": ("E06000016", "E06000017", "E10000018")}


def rows(metric: str, cells: dict[str, tuple[float, float | None]], unit: str) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "metric_id": metric,
                "area_code": area,
                "area_type": "partnership" if area == "LLR" else "local_authority",
                "breakdown": "all",
                "period_end_date": PERIOD,
                "unit": unit,
                "numerator": float(numerator),
                "denominator": denominator,
            }
            for area, (numerator, denominator) in cells.items()
        ]
    )


def test_crime_counts_are_public_small_ones_included():
    """Rutland's 3 drug offences and its rate beside a population are published as they are,
    and so are the partnership's and its members' (no relation to protect); a small count of
    people in treatment beside them is still hidden."""
    crime = pd.concat(
        [
            rows(
                "drug_offences",
                {
                    "E06000016": (410, None),
                    "E06000017": (3, None),
                    "E10000018": (220, None),
                    "LLR": (633, None),
                },
                "count",
            ),
            rows(
                "drug_offences_rate",
                {
                    "E06000016": (410, 368600.0),
                    "E06000017": (3, 41000.0),
                    "E10000018": (220, 712300.0),
                    "LLR": (633, 1121900.0),
                },
                "rate_per_1000",
            ),
            rows(
                "neighbourhood_crime",
                {
                    "E06000016": (2, None),
                    "E06000017": (0, None),
                    "E10000018": (1, None),
                    "LLR": (3, None),
                },
                "count",
            ),
        ]
    )
    people = rows(
        "adults_in_treatment",
        {
            "E06000016": (2000, None),
            "E06000017": (3, None),
            "E10000018": (900, None),
            "LLR": (2903, None),
        },
        "count",
    )
    truth = pd.concat([crime, people], ignore_index=True)
    decisions = suppression.decide(truth, {}, LLR)
    hidden = decisions.rows[decisions.rows.hide_numerator | decisions.rows.hide_denominator]
    assert set(hidden.metric_id) == {"adults_in_treatment"}
    assert "E06000017" in set(hidden.area_code)
    published = truth.merge(decisions.rows, on=suppression.KEY)
    published["is_suppressed"] = published.hide_numerator | published.hide_denominator
    published.loc[published.hide_numerator, "numerator"] = None
    assert audit.audit(published, truth, {}, LLR).passed


def test_crime_is_published_every_month():
    months = pd.to_datetime(["2024-03-31", "2024-04-30", "2024-05-31"])
    frame = pd.DataFrame(
        [
            {"metric_id": m, "period_end_date": d, "is_provisional": False}
            for m in sorted(rule.PUBLIC_METRICS)
            for d in months
        ]
    )
    assert shareable.publishable(frame).all()
    assert not rule.PUBLIC_METRICS & set(rule.EVENT_METRICS)
    assert {"drug_offences_rate", "neighbourhood_crime_rate"} <= rule.PUBLIC_DENOMINATOR_METRICS


def test_the_published_suite_lets_public_small_counts_through_and_no_other():
    public = sorted(rule.PUBLIC_METRICS)
    base = dict(
        area_code="E06000017",
        breakdown="all",
        period_end_date="2024-12-31",
        is_suppressed=False,
        suppression_reason=None,
        value=3.0,
        lower_95=1.0,
    )
    frame = pd.DataFrame(
        [
            {
                **base,
                "metric_id": m,
                "unit": "count" if "rate" not in m else "rate_per_1000",
                "numerator": 3,
                "denominator": None if "rate" not in m else 41000,
            }
            for m in public
        ]
    )
    assert suites.validate(frame, "published_fct_outcomes").success
    frame.loc[0, "metric_id"] = "deaths_in_treatment"
    assert not suites.validate(frame, "published_fct_outcomes").success
    # the suite names the same public metrics as the rule
    conditions = [
        str(expectation.row_condition)
        for expectation in suites.load_suite("published_fct_outcomes").expectations
        if "metric_id not in" in str(getattr(expectation, "row_condition", None) or "")
    ]
    assert len(conditions) == 2
    assert all(f'"{m}"' in condition for condition in conditions for m in public)


def comparison(polarity: str) -> pd.DataFrame:
    """A (1.0 to 1.4) below, B (2.6 to 3.4) above, C (2.0 to 2.9) around its neighbours'
    median of 2.5 (D, E, F: 2.0, 2.5, 3.0)."""
    con = duckdb.connect()
    values = {
        "A": (1.2, 1.0, 1.4),
        "B": (3.0, 2.6, 3.4),
        "C": (2.5, 2.0, 2.9),
        "D": (2.0, 1.8, 2.2),
        "E": (2.5, 2.3, 2.7),
        "F": (3.0, 2.8, 3.2),
    }
    con.execute(
        "create table fct_outcomes (metric_id varchar, area_code varchar, area_type varchar, "
        "breakdown varchar, period_end_date date, unit varchar, value double, lower_95 double, "
        "upper_95 double)"
    )
    for area, (value, lower, upper) in values.items():
        con.execute(
            "insert into fct_outcomes values ('m', ?, 'local_authority', 'all', "
            "date '2024-12-31', 'rate_per_1000', ?, ?, ?)",
            [area, value, lower, upper],
        )
    con.execute(f"create table dim_metric as select 'm' as metric_id, '{polarity}' as polarity")
    con.execute(
        "create table dim_comparator as select area_code, comparator_area_code, 'list' as "
        "list_name, date '2025-01-01' as version_date from (values ('A'), ('B'), ('C')) a "
        "(area_code) cross join (values ('D'), ('E'), ('F')) c (comparator_area_code)"
    )
    return con.execute(neighbours.comparison_sql()).df().set_index("area_code")


def test_the_neighbours_comparison_of_a_metric_without_polarity():
    found = comparison("not_applicable")
    assert found.comparison_to_neighbours.to_dict() == {"A": "lower", "B": "higher", "C": "similar"}
    # ranked from the lowest, as Fingertips' quintiles without a judgement
    assert found.rank_among_neighbours.to_dict() == {"A": 1, "B": 3, "C": 2}
    # a metric with a polarity keeps better and worse
    assert comparison("lower_is_better").comparison_to_neighbours.to_dict() == {
        "A": "better",
        "B": "worse",
        "C": "similar",
    }
    assert comparison("higher_is_better").comparison_to_neighbours.to_dict() == {
        "A": "worse",
        "B": "better",
        "C": "similar",
    }


def test_the_packs_words_for_a_metric_without_polarity():
    row = SimpleNamespace(
        is_suppressed=False,
        is_provisional=False,
        direction_of_travel="increasing",
        change_test="two Poisson rates",  # the scorecard's test of a rate per 1,000
        not_judged_reason=None,
        comparison_to_england="higher",
        england_value=2.5,
        unit="rate_per_1000",
        recent_trend="decreasing",
    )
    assert words.change(row) == "increased"
    assert words.england(row) == "higher than England (2.5 per 1,000)"
    assert words.trend(row) == "falling"
    assert words.with_unit(3.14, "rate_per_1000") == "3.1 per 1,000"
    assert words.sources("police|lsoa_lookup").startswith("police.uk street-level crime")
