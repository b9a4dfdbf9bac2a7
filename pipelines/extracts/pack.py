"""Assemble an outcome pack for one area and reporting month from the published DuckDB file.

Packs read the shareable tier only: every number in them has been through the disclosure step
of the publication (pipelines/disclosure), the one place small numbers are suppressed.
"""

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from pipelines import config
from pipelines.disclosure import rule

DISCLOSURE_RULE = (
    "Counts of 1 to 4 are not shown, and neither is any rate or percentage built on a count of "
    "1 to 4. Other figures are hidden too wherever they could be used to work out a hidden one "
    "(for example by taking the other areas of a partnership, or the other substance groups, "
    "away from the total). Hidden figures say 'suppressed'; a zero is a real zero. Rates and "
    "percentages from fewer than 10 events are less reliable."
)
HOW_TO_READ = (
    "Direction of travel compares the value with the same period a year earlier and says "
    "'improving' or 'worsening' only when the change is statistically significant at the 95% "
    "level (a test suited to each kind of figure: two percentages, two counts or rates, or two "
    "age-standardised rates); otherwise 'no significant change'. The recent trend looks at the "
    "latest five yearly values of a percentage and reports a trend only when a chi-squared test "
    "for trend finds one at the 99.9% level, as Fingertips does. 'Compared with England' and "
    "'compared with neighbours' say 'better' or 'worse' when the 95% interval of the area's "
    "value lies wholly on one side of England's value or of the neighbours' average. Rank 1 is "
    "the best of the area and its neighbours."
)
DIRECTION_LABELS = {
    "improving": "improving",
    "worsening": "worsening",
    "no_significant_change": "no significant change",
    "not_available": "not available",
}
TREND_LABELS = {
    "increasing_and_getting_better": "increasing and getting better",
    "increasing_and_getting_worse": "increasing and getting worse",
    "decreasing_and_getting_better": "decreasing and getting better",
    "decreasing_and_getting_worse": "decreasing and getting worse",
    "no_significant_change": "no significant change",
    "not_available": "not available",
}
COMPARISON_LABELS = {
    "better": "better",
    "similar": "similar",
    "worse": "worse",
    "not_compared": "not compared",
}
HIDDEN = "not shown (small numbers)"  # a test or comparison blanked by disclosure control


def period_label(start: date, end: date) -> str:
    """A period as a board member reads it: 'April 2024 to March 2025'."""
    return f"{start:%B %Y} to {end:%B %Y}"


def _label(labels: dict[str, str], value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return HIDDEN
    return labels[value]


class ExtractError(Exception):
    """An extract cannot be made (unknown area, period without data, no publication)."""


class AreaNotPublished(ExtractError):
    """The area has no data in this publication."""


@dataclass
class Pack:
    area_code: str
    area_name: str
    period_end: date
    data_as_of: date
    published_at: str
    summary: pd.DataFrame  # the strategy scorecard: one row per objective and metric
    trends: dict[str, pd.DataFrame]
    breakdowns: pd.DataFrame
    notes: pd.DataFrame
    spine: pd.DataFrame  # each rate's area value against the range of all authorities
    neighbours: pd.DataFrame  # the area's comparator areas (name, rank, list)
    metric_names: dict[str, str] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return f"Drug and alcohol outcomes: {self.area_name} ({self.area_code})"


def _month_end(period: str) -> date:
    if not re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", period):
        raise ExtractError(f"period {period!r} is not YYYY-MM")
    return (pd.Timestamp(f"{period}-01") + pd.offsets.MonthEnd(0)).date()


def _connect(marts_dir: Path) -> duckdb.DuckDBPyConnection:
    path = marts_dir / config.PUBLISHED_DUCKDB_NAME
    if not path.exists():
        raise ExtractError(f"no publication in {marts_dir}: run `cdap refresh` first")
    return duckdb.connect(str(path), read_only=True)


def build_pack(marts_dir: Path, area_code: str, period: str | None = None) -> Pack:
    con = _connect(marts_dir)
    try:
        return _build(con, area_code, period)
    finally:
        con.close()


def _build(con: duckdb.DuckDBPyConnection, area_code: str, period: str | None) -> Pack:
    area = con.execute(
        "SELECT area_name, is_reported FROM dim_area WHERE area_code = ?", [area_code]
    ).fetchone()
    if area is None or not area[1]:
        reported = [
            r[0]
            for r in con.execute(
                "SELECT area_code FROM dim_area WHERE is_reported ORDER BY area_code"
            ).fetchall()
        ]
        listed = ", ".join(reported[:10])
        if len(reported) > 10:
            listed += f" ... ({len(reported)} in all)"
        raise AreaNotPublished(
            f"area {area_code!r} is not in this publication; areas with data: {listed}"
        )
    metrics = con.execute(
        "SELECT * FROM dim_metric ORDER BY ncdof_outcome_type DESC, metric_id"
    ).df()
    headline = metrics[metrics.ncdof_metric_type == "headline"]
    # the headline metrics published at the end of a financial year (people in treatment every
    # month, event counts at 31 March only; deaths registered are calendar years): a pack's
    # default month is the latest at which all of them are published and final
    monthly_headline = [
        metric_id
        for metric_id in headline[headline.period_frequency == "monthly"].metric_id
        if rule.EVENT_METRICS.get(metric_id, rule.FINANCIAL_YEAR_END_MONTH)
        == rule.FINANCIAL_YEAR_END_MONTH
    ]
    final_months = con.execute(
        "WITH headline AS (SELECT * FROM fct_outcomes WHERE area_code = ? AND breakdown = 'all' "
        "AND metric_id IN (SELECT unnest(?))) "
        "SELECT period_end_date FROM headline GROUP BY 1 HAVING NOT bool_or(is_provisional) "
        "AND count(DISTINCT metric_id) = (SELECT count(DISTINCT metric_id) FROM headline) "
        "ORDER BY 1",
        [area_code, monthly_headline],
    ).fetchall()
    available = [r[0] for r in final_months]
    if period is None:
        if not available:
            raise ExtractError(f"no month with final values for {area_code}")
        period_end = available[-1]
    else:
        period_end = _month_end(period)
        has_rows = con.execute(
            "SELECT count(*) FROM fct_outcomes WHERE area_code = ? AND period_end_date = ?",
            [area_code, period_end],
        ).fetchone()[0]
        if not has_rows:
            first, last = (available[0], available[-1]) if available else ("-", "-")
            raise ExtractError(
                f"no data for {area_code} in {period}: months with data run from "
                f"{first:%Y-%m} to {last:%Y-%m}"
                if available
                else f"no data for {area_code}"
            )

    outcomes = con.execute(
        "SELECT * FROM fct_outcomes WHERE area_code = ? AND period_end_date <= ?",
        [area_code, period_end],
    ).df()
    outcomes["period_end_date"] = pd.to_datetime(outcomes["period_end_date"]).dt.date
    published_at = con.execute("SELECT published_at FROM publication").fetchone()[0]
    summary = _scorecard(con, area_code, period_end, metrics)
    trends = {}
    for metric_id in summary.metric_id.drop_duplicates():
        series = outcomes[(outcomes.metric_id == metric_id) & (outcomes.breakdown == "all")]
        trends[metric_id] = series.sort_values("period_end_date")[
            ["period_end_date", "value", "lower_95", "upper_95", "england_value", "is_suppressed"]
        ].reset_index(drop=True)
    breakdowns = outcomes[
        (outcomes.period_end_date == period_end) & (outcomes.breakdown_type == "substance_group")
    ][
        [
            "metric_id",
            "breakdown",
            "numerator",
            "denominator",
            "value",
            "lower_95",
            "upper_95",
            "unit",
            "is_suppressed",
            "suppression_reason",
        ]
    ].sort_values(["metric_id", "breakdown"])
    as_of = outcomes.data_as_of_date.max()
    notes = metrics[
        metrics.metric_id.isin(summary.metric_id) | metrics.metric_id.isin(breakdowns.metric_id)
    ][
        [
            "metric_id",
            "metric_name",
            "definition",
            "numerator_definition",
            "denominator_definition",
            "period_definition",
            "unit",
            "polarity",
            "source_files",
            "national_definition_note",
        ]
    ]
    return Pack(
        area_code=area_code,
        area_name=area[0],
        period_end=period_end,
        data_as_of=pd.Timestamp(as_of).date(),
        published_at=published_at,
        summary=summary,
        trends=trends,
        breakdowns=breakdowns.reset_index(drop=True),
        notes=notes.reset_index(drop=True),
        spine=_spine(con, area_code, summary, metrics),
        neighbours=_neighbour_list(con, area_code),
        metric_names=dict(zip(metrics.metric_id, metrics.metric_name, strict=True)),
    )


def _scorecard(
    con: duckdb.DuckDBPyConnection, area_code: str, period_end: date, metrics: pd.DataFrame
) -> pd.DataFrame:
    """Each objective's metrics at the pack's period (an annual metric: its latest period
    ending on or before it), with the tested direction, England and the neighbours."""
    rows = con.execute(
        """
        SELECT s.*, n.neighbour_average, n.rank_among_neighbours, n.areas_ranked,
            n.comparison_to_neighbours
        FROM fct_strategy_scorecard AS s
        LEFT JOIN fct_neighbour_comparison AS n ON n.metric_id = s.metric_id
            AND n.area_code = s.area_code AND n.period_end_date = s.period_end_date
        WHERE s.area_code = ? AND s.period_end_date <= ?
        QUALIFY row_number() OVER (
            PARTITION BY s.objective_id, s.metric_id ORDER BY s.period_end_date DESC
        ) = 1
        ORDER BY s.objective_order, s.objective_id, s.metric_id
        """,
        [area_code, period_end],
    ).df()
    names = dict(zip(metrics.metric_id, metrics.metric_name, strict=True))
    out = pd.DataFrame(
        {
            "objective_id": rows.objective_id,
            "objective": rows.objective,
            "working_group": rows.working_group,
            "desired_direction": rows.desired_direction,
            "metric_id": rows.metric_id,
            "metric": rows.metric_id.map(names),
            "period_start": pd.to_datetime(rows.period_start_date).dt.date,
            "period_end": pd.to_datetime(rows.period_end_date).dt.date,
            "value": rows.value,
            "lower_95": rows.lower_95,
            "upper_95": rows.upper_95,
            "unit": rows.unit,
            "previous_value": rows.previous_value,
            "direction_of_travel": [_label(DIRECTION_LABELS, v) for v in rows.direction_of_travel],
            "recent_trend": [_label(TREND_LABELS, v) for v in rows.recent_trend],
            "england_value": rows.england_value,
            "comparison_to_england": [
                _label(COMPARISON_LABELS, v) for v in rows.comparison_to_england
            ],
            "neighbour_average": rows.neighbour_average,
            "rank_among_neighbours": rows.rank_among_neighbours,
            "areas_ranked": rows.areas_ranked,
            "comparison_to_neighbours": [
                "not compared" if pd.isna(v) else COMPARISON_LABELS[v]
                for v in rows.comparison_to_neighbours
            ],
            "is_provisional": rows.is_provisional.astype(bool),
            "is_suppressed": rows.is_suppressed.astype(bool),
            "note": [
                "suppressed: small numbers" if hidden else (note if isinstance(note, str) else "")
                for hidden, note in zip(rows.is_suppressed, rows.value_note, strict=True)
            ],
        }
    )
    out["period"] = [
        period_label(a, b) for a, b in zip(out.period_start, out.period_end, strict=True)
    ]
    return out


def _spine(
    con: duckdb.DuckDBPyConnection, area_code: str, summary: pd.DataFrame, metrics: pd.DataFrame
) -> pd.DataFrame:
    """Fingertips' spine chart data: for each rate or percentage of the scorecard, the area's
    value against every local authority's published value in the same period and England.
    Published values only: a suppressed value is not in the range."""
    polarity = dict(zip(metrics.metric_id, metrics.polarity, strict=True))
    rows = []
    for row in summary[summary.unit != "count"].drop_duplicates("metric_id").itertuples():
        values = con.execute(
            "SELECT value FROM fct_outcomes WHERE metric_id = ? AND breakdown = 'all' "
            "AND period_end_date = ? AND area_type = 'local_authority' AND value IS NOT NULL",
            [row.metric_id, row.period_end],
        ).df()["value"]
        if values.empty:
            continue
        rows.append(
            {
                "metric_id": row.metric_id,
                "metric": row.metric,
                "period": row.period,
                "unit": row.unit,
                "polarity": polarity[row.metric_id],
                "value": None if row.is_suppressed else row.value,
                "england_value": row.england_value,
                "comparison_to_england": row.comparison_to_england,
                "areas": len(values),
                "lowest": values.min(),
                "lower_quartile": values.quantile(0.25),
                "upper_quartile": values.quantile(0.75),
                "highest": values.max(),
                # the ends of the spine as a reader sees them
                "worst": values.max()
                if polarity[row.metric_id] == "lower_is_better"
                else values.min(),
                "best": values.min()
                if polarity[row.metric_id] == "lower_is_better"
                else values.max(),
            }
        )
    return pd.DataFrame(rows)


def _neighbour_list(con: duckdb.DuckDBPyConnection, area_code: str) -> pd.DataFrame:
    """The area's comparator areas, nearest first, and whether this publication has them."""
    return con.execute(
        "SELECT c.neighbour_rank, c.comparator_area_name AS area_name, "
        "coalesce(a.is_reported, false) AS is_reported, c.list_name, c.version_date "
        "FROM dim_comparator AS c LEFT JOIN dim_area AS a ON a.area_code = c.comparator_area_code "
        "WHERE c.area_code = ? ORDER BY c.neighbour_rank",
        [area_code],
    ).df()
