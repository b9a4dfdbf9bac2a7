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
from pipelines.extracts import words

DISCLOSURE_RULE = (
    "Counts of 1 to 4 are not shown, and neither is any rate or percentage built on a count of "
    "1 to 4. Other figures are hidden too wherever they could be used to work out a hidden one "
    "(for example by taking the other areas of a partnership, or the other substance groups, "
    "away from the total). A hidden figure reads 'suppressed (small numbers)'; a zero is a "
    "real zero. Rates and percentages from fewer than 10 events are less reliable."
)
HOW_TO_READ = (
    "Change compares each figure with the same period a year earlier and says 'improved' or "
    "'worsened' only when the change is statistically significant at the 95% level (a test "
    "suited to each kind of figure); otherwise 'no significant change'. Unmet need is judged "
    "conservatively: only when the two years' intervals do not overlap, because both come "
    "from modelled estimates whose errors are not independent. The trend looks at the latest "
    "five yearly values of a percentage and reports one only when a chi-squared test for trend "
    "finds it at the 99.9% level, as Fingertips does. 'Better' or 'worse' than England or the "
    "neighbours means the area's 95% interval lies wholly on one side of England's value or of "
    "the middle neighbour's; 'similar' that it does not. No verdict is given on a provisional "
    "figure. Rank 1 is the best of the area and its neighbours."
)
VERDICTS = {  # an objective's verdict from its measures' changes
    "better": "Getting better",
    "worse": "Getting worse",
    "mixed": "Mixed",
    "unchanged": "No significant change",
    "not_judged": "Could not be judged",
}


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
    verdicts: pd.DataFrame = field(default_factory=pd.DataFrame)  # one row per objective
    headlines: list[str] = field(default_factory=list)  # the headline figures in words
    newer: str = ""  # what is published after the pack's period, and why it is not used
    # one row per outcome of the framework, in its order: what it means and its measures here
    framework: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def title(self) -> str:
        return f"Drug and alcohol outcomes: {self.area_name}"

    @property
    def has_neighbours(self) -> bool:
        return bool(len(self.neighbours))

    @property
    def subtitle(self) -> str:
        return (
            f"The year to {words.month(self.period_end)}. Data up to "
            f"{words.day(self.data_as_of)}; published {words.human_published(self.published_at)}."
        )


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


def reporting_period(con: duckdb.DuckDBPyConnection, area_code: str) -> date | None:
    """The area's reporting period: the one meaning of "latest" (the scorecard's
    is_latest_final rows, the pack's default, the UI's headline): the latest financial year
    end at which every measure of the scorecard is final."""
    found = con.execute(
        "SELECT max(reporting_period_end_date) FROM fct_strategy_scorecard WHERE area_code = ?",
        [area_code],
    ).fetchone()[0]
    return None if found is None else pd.Timestamp(found).date()


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
    months = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT period_end_date FROM fct_outcomes WHERE area_code = ? ORDER BY 1",
            [area_code],
        ).fetchall()
    ]
    if period is None:
        period_end = reporting_period(con, area_code)
        if period_end is None:
            raise ExtractError(f"no financial year with final values for {area_code}")
    else:
        period_end = _month_end(period)
        if period_end not in months:
            raise ExtractError(
                f"no data for {area_code} in {period}: months with data run from "
                f"{months[0]:%Y-%m} to {months[-1]:%Y-%m}"
                if months
                else f"no data for {area_code}"
            )

    outcomes = con.execute(
        "SELECT * FROM fct_outcomes WHERE area_code = ? AND period_end_date <= ?",
        [area_code, period_end],
    ).df()
    outcomes["period_end_date"] = pd.to_datetime(outcomes["period_end_date"]).dt.date
    published_at = con.execute("SELECT published_at FROM publication").fetchone()[0]
    neighbour_list = _neighbour_list(con, area_code)
    summary = _scorecard(con, area_code, period_end, metrics)
    trends = {}
    for metric_id in summary.metric_id.drop_duplicates():
        series = outcomes[(outcomes.metric_id == metric_id) & (outcomes.breakdown == "all")]
        trends[metric_id] = series.sort_values("period_end_date")[
            [
                "period_end_date",
                "value",
                "lower_95",
                "upper_95",
                "england_value",
                "is_suppressed",
                "is_provisional",
            ]
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
            "is_provisional",
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
    names = dict(zip(metrics.metric_id, metrics.metric_name, strict=True))
    headline = set(metrics.metric_id[metrics.ncdof_metric_type == "headline"])
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
        neighbours=neighbour_list,
        metric_names=names,
        verdicts=objective_verdicts(summary),
        headlines=[
            headline_sentence(row, bool(len(neighbour_list)))
            for row in summary.drop_duplicates("metric_id").itertuples()
            if row.metric_id in headline
        ],
        newer=_newer_figures(
            con, area_code, period_end, reporting_period(con, area_code), summary, names
        ),
        framework=framework_outcomes(con, area_code, period_end),
    )


def framework_outcomes(
    con: duckdb.DuckDBPyConnection, area_code: str, period_end: date
) -> pd.DataFrame:
    """Every outcome of the framework, in its order, with each of its measures for the area in
    words: the latest final value on or before the pack's period, and England beside it. An
    outcome no metric measures says why (drug use is measured nationally only)."""
    outcomes = con.execute("SELECT * FROM dim_framework_outcome ORDER BY outcome_order").df()
    figures = con.execute(
        """
        SELECT m.ncdof_outcome, m.metric_name, m.ncdof_metric_type, o.*,
            m.metric_id IN (SELECT metric_id FROM fct_outcomes) AS is_produced
        FROM dim_metric AS m
        LEFT JOIN fct_outcomes AS o ON o.metric_id = m.metric_id AND o.area_code = ?
            AND o.breakdown = 'all' AND o.period_end_date <= ? AND NOT o.is_provisional
        QUALIFY row_number() OVER (
            PARTITION BY m.metric_id ORDER BY o.period_end_date DESC NULLS LAST
        ) = 1
        ORDER BY m.ncdof_outcome, m.ncdof_metric_type <> 'headline', m.metric_id
        """,
        [area_code, period_end],
    ).df()
    measures = {
        outcome: [measure_words(row) for row in rows.itertuples()]
        for outcome, rows in figures.groupby("ncdof_outcome", sort=False)
    }
    outcomes["measures"] = [measures.get(o, []) for o in outcomes.ncdof_outcome]
    return outcomes


def measure_words(row) -> str:
    """'Adults in treatment: 2,500 (the year to March 2025)', with England where compared."""
    if not row.is_produced:  # for no area: its source was not in the refresh's raw folder
        return f"{row.metric_name}: not produced (its source was not in this refresh's data)"
    if words.missing(row.period_end_date):
        return f"{row.metric_name}: {words.NOT_PUBLISHED} for this area"
    when = words.period(
        pd.Timestamp(row.period_start_date).date(), pd.Timestamp(row.period_end_date).date()
    )
    if row.is_suppressed:
        return f"{row.metric_name}: {words.SUPPRESSED} ({when})"
    if words.missing(row.value):
        return f"{row.metric_name}: {words.NOT_PUBLISHED} ({when})"
    text = f"{row.metric_name}: {words.with_unit(row.value, row.unit)} ({when})"
    label = words.COMPARISON_LABELS.get(row.comparison_to_england)
    england = words.with_unit(row.england_value, row.unit)
    if label is not None and england:
        text += (
            f", {label} than England ({england})"
            if label != "similar"
            else (f", similar to England ({england})")
        )
    return text


def objective_verdicts(summary: pd.DataFrame) -> pd.DataFrame:
    """Per objective: how many of its measures improved, worsened, did not change
    significantly or could not be judged (and why), and a verdict in words. A measure that
    could not be judged never counts towards the verdict."""
    rows = []
    for _, measures in summary.groupby("objective_id", sort=False):  # the scorecard's order
        first = measures.iloc[0]
        changes = [(r.metric, words.change(r)) for r in measures.itertuples()]
        improved = [m for m, c in changes if c == "improved"]
        worsened = [m for m, c in changes if c == "worsened"]
        unchanged = [m for m, c in changes if c == "no significant change"]
        not_judged = [
            (m, c.removeprefix("not judged: ")) for m, c in changes if c.startswith("not")
        ]
        if improved and worsened:
            verdict = "mixed"
        elif improved:
            verdict = "better"
        elif worsened:
            verdict = "worse"
        elif unchanged:
            verdict = "unchanged"
        else:
            verdict = "not_judged"
        counted = [
            f"{len(group)} {what}"
            for group, what in (
                (improved, "improved"),
                (worsened, "worsened"),
                (unchanged, "showed no significant change"),
            )
            if group
        ]
        sentence = (
            f"Of {len(changes)} measure{'s' if len(changes) > 1 else ''}: {words.listed(counted)}."
            if counted
            else ""
        )
        if not_judged:
            sentence += (
                (" " if sentence else "")
                + "Could not be judged: "
                + "; ".join(f"{metric} ({reason})" for metric, reason in not_judged)
                + "."
            )
        rows.append(
            {
                "objective": first.objective,
                "working_group": first.working_group,
                "verdict": verdict,
                "verdict_words": VERDICTS[verdict],
                "improved": len(improved),
                "worsened": len(worsened),
                "no_significant_change": len(unchanged),
                "not_judged": len(not_judged),
                "sentence": sentence,
            }
        )
    return pd.DataFrame(rows)


def headline_sentence(row, has_neighbours: bool) -> str:
    """One headline figure in words: its value, its change on a year earlier, England and the
    neighbours."""
    if row.is_suppressed:
        return f"{row.metric}: {words.SUPPRESSED} ({row.period})."
    value = words.with_unit(row.value, row.unit)
    interval = words.interval(row)
    said = f"{row.metric}: {value} in {row.period}" + (
        f" (95% interval {interval})" if interval else ""
    )
    change = words.change(row)
    earlier = words.with_unit(row.previous_value, row.unit)
    if change.startswith("not judged"):
        said += f"; change on a year earlier {change}"
    elif earlier:
        direction = "up from" if row.value > row.previous_value else "down from"
        if row.value == row.previous_value:
            direction = "the same as"
        significant = {
            "improved": "improvement",
            "worsened": "worsening",
            "increased": "increase",  # a measure without a polarity
            "decreased": "decrease",
        }
        verdict = (
            f"a significant {significant[change]}"
            if change in significant
            else "no significant change"
        )
        said += f", {direction} {earlier} a year earlier ({verdict})"
    england = words.england(row)
    if england and not england.startswith("not compared"):
        said += f"; {england}"
    neighbours = words.neighbours(row, has_neighbours)
    if neighbours and not neighbours.startswith("not compared"):
        said += f"; {neighbours}"
    return said + "."


def _newer_figures(
    con: duckdb.DuckDBPyConnection,
    area_code: str,
    period_end: date,
    reporting: date | None,
    summary: pd.DataFrame,
    names: dict[str, str],
) -> str:
    """Say what the publication holds after the pack's period (final values only: provisional
    ones are never published), so that a reader knows the pack is not the latest of
    everything."""
    later = con.execute(
        "SELECT metric_id, max(period_end_date) AS period_end_date, "
        "arg_max(value, period_end_date) AS value, any_value(unit) AS unit "
        "FROM fct_outcomes WHERE area_code = ? AND breakdown = 'all' "
        "AND period_end_date > ? AND metric_id IN (SELECT unnest(?)) GROUP BY metric_id "
        "ORDER BY metric_id",
        [area_code, period_end, list(summary.metric_id.unique())],
    ).df()
    final = (
        "Figures whose follow-up period (up to six months after the year ends) runs past the "
        "data's as-of date are provisional and are not published until they are final."
    )
    if period_end == reporting:
        text = (
            f"This pack reports the year to {words.month(period_end)}, the latest year at "
            f"which every measure is final. {final}"
        )
    else:
        latest = (
            f"The latest year at which every measure is final is the year to "
            f"{words.month(reporting)}."
            if reporting is not None
            else "No financial year has every measure final yet."
        )
        text = (
            f"This pack was asked for the year to {words.month(period_end)}: each measure is "
            "shown for its latest period ending by then, which may be earlier (see each row's "
            f"period). {latest} {final}"
        )
    if later.empty:
        return text
    newer = [
        f"{names[r.metric_id].lower() if i else names[r.metric_id]} to "
        f"{words.month(r.period_end_date)}"
        + ("" if words.missing(r.value) else f" ({words.with_unit(r.value, r.unit)})")
        for i, r in enumerate(later.itertuples())
    ]
    return f"{text} Newer final figures are published for {words.listed(newer)}."


def _scorecard(
    con: duckdb.DuckDBPyConnection, area_code: str, period_end: date, metrics: pd.DataFrame
) -> pd.DataFrame:
    """Each objective's metrics at the pack's period (an annual metric: its latest period
    ending on or before it), with the tested change, England and the neighbours."""
    rows = con.execute(
        """
        SELECT s.*, n.neighbour_median, n.rank_among_neighbours, n.areas_ranked,
            n.comparison_to_neighbours,
            -- a row revised since it was first published: fct_outcomes shows it as first
            -- published, the scorecard blanks it (its tests are of today's numbers)
            coalesce(s.is_suppressed AND NOT o.is_suppressed AND o.value IS NOT NULL, false)
                AS is_revised,
            o.value AS first_value, o.lower_95 AS first_lower_95, o.upper_95 AS first_upper_95,
            o.england_value AS first_england_value,
            o.comparison_to_england AS first_comparison_to_england,
            -- the scorecard follows the framework: an objective sits under its metrics' outcome
            min(s.ncdof_outcome_order) OVER (PARTITION BY s.objective_id)
                AS objective_outcome_order
        FROM fct_strategy_scorecard AS s
        LEFT JOIN fct_neighbour_comparison AS n ON n.metric_id = s.metric_id
            AND n.area_code = s.area_code AND n.period_end_date = s.period_end_date
        LEFT JOIN fct_outcomes AS o ON o.metric_id = s.metric_id AND o.area_code = s.area_code
            AND o.period_end_date = s.period_end_date AND o.breakdown = 'all'
        WHERE s.area_code = ? AND s.period_end_date <= ?
        QUALIFY row_number() OVER (
            PARTITION BY s.objective_id, s.metric_id ORDER BY s.period_end_date DESC
        ) = 1
        ORDER BY objective_outcome_order, s.objective_order, s.objective_id, s.metric_id
        """,
        [area_code, period_end],
    ).df()
    names = dict(zip(metrics.metric_id, metrics.metric_name, strict=True))
    revised = rows.is_revised.astype(bool)
    for column in ("value", "lower_95", "upper_95", "england_value", "comparison_to_england"):
        rows[column] = rows[column].where(~revised, rows[f"first_{column}"])
    rows.loc[revised, "is_suppressed"] = False
    rows.loc[revised, ["previous_value", "direction_of_travel", "recent_trend"]] = None
    rows.loc[revised, "not_judged_reason"] = (
        "revised since it was first published (shown as first published)"
    )
    out = rows[
        [
            "objective_id",
            "objective_order",
            "objective",
            "working_group",
            "desired_direction",
            "ncdof_outcome",
            "metric_id",
            "value",
            "lower_95",
            "upper_95",
            "unit",
            "previous_value",
            "direction_of_travel",
            "change_test",
            "not_judged_reason",
            "recent_trend",
            "england_value",
            "comparison_to_england",
            "neighbour_median",
            "rank_among_neighbours",
            "areas_ranked",
            "comparison_to_neighbours",
            "value_note",
        ]
    ].copy()
    out.insert(7, "metric", out.metric_id.map(names))
    out["period_start"] = pd.to_datetime(rows.period_start_date).dt.date
    out["period_end"] = pd.to_datetime(rows.period_end_date).dt.date
    out["is_provisional"] = rows.is_provisional.astype(bool)
    out["is_suppressed"] = rows.is_suppressed.astype(bool)
    out["is_revised"] = revised
    out["period"] = [
        words.period(a, b) for a, b in zip(out.period_start, out.period_end, strict=True)
    ]
    return in_words(out.reset_index(drop=True), bool(len(_neighbour_list(con, area_code))))


def in_words(summary: pd.DataFrame, has_neighbours: bool) -> pd.DataFrame:
    """The scorecard's verdicts and comparisons in words (words.py), from its codes and its
    provisional and suppressed flags: no verdict is built on a provisional or hidden value."""
    out = summary.copy()
    rows = list(out.itertuples())
    out["change"] = [words.change(r) for r in rows]
    out["trend"] = [words.trend(r) for r in rows]
    out["compared_with_england"] = [words.england(r) for r in rows]
    out["compared_with_neighbours"] = [words.neighbours(r, has_neighbours) for r in rows]
    out["note"] = [words.note(r) for r in rows]
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
                "ncdof_outcome": row.ncdof_outcome,
                "metric": row.metric,
                "period": row.period,
                "unit": row.unit,
                "polarity": polarity[row.metric_id],
                "value": None if row.is_suppressed else row.value,
                "england_value": row.england_value,
                "comparison_to_england": row.comparison_to_england,
                "is_provisional": row.is_provisional,
                "is_suppressed": row.is_suppressed,
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
