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

from pipelines import settings

DISCLOSURE_RULE = (
    "Counts of 1 to 4 are suppressed, and so is any rate or percentage whose numerator or "
    "denominator is 1 to 4. Where a substance-group family has exactly one suppressed cell, the "
    "next smallest cell is suppressed too (or the total, when every other cell is zero), and a "
    "PHOF grouping containing a suppressed group is suppressed. Suppressed cells are empty and "
    "marked; zero stays zero. Rates from fewer than 10 events are flagged as low reliability."
)


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
    summary: pd.DataFrame
    trends: dict[str, pd.DataFrame]
    breakdowns: pd.DataFrame
    notes: pd.DataFrame
    metric_names: dict[str, str] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return f"Drug and alcohol outcomes: {self.area_name} ({self.area_code})"


def _month_end(period: str) -> date:
    if not re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", period):
        raise ExtractError(f"period {period!r} is not YYYY-MM")
    return (pd.Timestamp(f"{period}-01") + pd.offsets.MonthEnd(0)).date()


def _connect(marts_dir: Path) -> duckdb.DuckDBPyConnection:
    path = marts_dir / settings.PUBLISHED_DUCKDB_NAME
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
    monthly_headline = headline[headline.period_frequency == "monthly"].metric_id.tolist()
    final_months = con.execute(
        "SELECT period_end_date FROM fct_outcomes WHERE area_code = ? AND breakdown = 'all' "
        "AND metric_id IN (SELECT unnest(?)) GROUP BY 1 HAVING NOT bool_or(is_provisional) "
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

    summary_rows, trends = [], {}
    for metric in headline.itertuples():
        series = outcomes[(outcomes.metric_id == metric.metric_id) & (outcomes.breakdown == "all")]
        series = series.sort_values("period_end_date")
        if series.empty:
            continue
        trends[metric.metric_id] = series[
            ["period_end_date", "value", "lower_95", "upper_95", "england_value", "is_suppressed"]
        ].reset_index(drop=True)
        latest = series.iloc[-1]  # the period, or the latest year end before it
        earlier_end = (pd.Timestamp(latest.period_end_date) - pd.offsets.MonthEnd(12)).date()
        earlier = series[series.period_end_date == earlier_end]
        previous = earlier.iloc[0] if len(earlier) else None
        summary_rows.append(
            {
                "metric_id": metric.metric_id,
                "metric": metric.metric_name,
                "period_start": latest.period_start_date,
                "period_end": latest.period_end_date,
                "value": latest.value,
                "lower_95": latest.lower_95,
                "upper_95": latest.upper_95,
                "unit": metric.unit,
                "previous_value": None if previous is None else previous.value,
                "direction_of_travel": _direction(latest, previous, metric.polarity),
                "england_value": latest.england_value,
                "comparison_to_england": latest.comparison_to_england,
                "is_provisional": bool(latest.is_provisional),
                "is_suppressed": bool(latest.is_suppressed),
                "note": latest.value_note
                or ("suppressed: small numbers" if latest.is_suppressed else ""),
            }
        )
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
        [
            "metric_id",
            "metric_name",
            "definition",
            "numerator_definition",
            "denominator_definition",
            "period_definition",
            "unit",
            "polarity",
            "interval_method",
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
        summary=pd.DataFrame(summary_rows),
        trends=trends,
        breakdowns=breakdowns.reset_index(drop=True),
        notes=notes.reset_index(drop=True),
        metric_names=dict(zip(metrics.metric_id, metrics.metric_name, strict=True)),
    )


def _direction(latest, previous, polarity: str) -> str:
    if previous is None or pd.isna(latest.value) or pd.isna(previous.value):
        return "not available"
    if latest.value == previous.value:
        return "no change"
    improving = (latest.value > previous.value) == (polarity == "higher_is_better")
    return "improving" if improving else "worsening"
