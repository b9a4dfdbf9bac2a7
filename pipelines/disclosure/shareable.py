"""The shareable copy of each mart: which marts are published, how each is disclosure-controlled,
and the protection of fct_outcomes (suppression, checked by the audit, widened where the audit
finds a weak spot, refused if it still does).

Every mart model declares in its dbt `meta` whether it is published and how: `outcome_measures`
(fct_outcomes: cell suppression), `follows_outcomes` (blanked wherever the fct_outcomes cell it
comes from is suppressed) or `reference` (no counts of people). A mart that says nothing is not
published (fail closed).
"""

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from pipelines import settings
from pipelines.disclosure import audit, rule, suppression

log = logging.getLogger(__name__)

DISCLOSURE_MODES = ("outcome_measures", "follows_outcomes", "reference")
OUTCOMES_MART = "fct_outcomes"  # the mart every follows_outcomes mart takes its suppression from
COUNTRY_AREA_TYPE = "country"
# Rounds of "suppress, audit, hide one more cell beside each weak spot" before refusing.
MAX_AUDIT_ROUNDS = 4


@dataclass(frozen=True)
class FollowSpec:
    """Columns of a derived mart that are blanked when the fct_outcomes cell they come from
    (same metric, area, breakdown all, the period in `period_column`, or the month end
    `months_earlier` before it) is suppressed."""

    period_column: str
    columns: tuple[str, ...]
    metric_id: str | None = None  # fixed metric, when the mart has no metric_id column
    months_earlier: int = 0


@dataclass(frozen=True)
class PublishedMart:
    name: str  # table and file name
    relation: str  # schema.table in the warehouse
    disclosure: str  # outcome_measures | follows_outcomes | reference
    measure_columns: tuple[str, ...] = ()  # outcome_measures: blanked when suppressed
    derived_columns: tuple[tuple[str, str], ...] = ()  # (column, value when suppressed)
    follows: tuple[FollowSpec, ...] = ()

    @property
    def order(self) -> tuple[int, str]:
        # outcome measures first: the marts that follow them read their suppression
        return ({"outcome_measures": 0, "follows_outcomes": 1}.get(self.disclosure, 2), self.name)


def published_marts(manifest_path: Path) -> list[PublishedMart]:
    """Marts to publish, from the dbt manifest (marts folder, meta.publish = true)."""
    manifest = json.loads(Path(manifest_path).read_text())
    marts = []
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or node["fqn"][1:2] != ["marts"]:
            continue
        meta = node["config"].get("meta", {})
        if not meta.get("publish"):
            continue
        disclosure = meta.get("disclosure")
        if disclosure not in DISCLOSURE_MODES:
            raise ValueError(f"mart {node['name']} has no known meta.disclosure: not published")
        name = node["alias"] or node["name"]
        marts.append(
            PublishedMart(
                name=name,
                relation=f"{node['schema']}.{name}",
                disclosure=disclosure,
                measure_columns=tuple(meta.get("disclosure_measure_columns", ())),
                derived_columns=tuple(meta.get("disclosure_derived_columns", {}).items()),
                follows=tuple(
                    FollowSpec(
                        f["period_column"],
                        tuple(f["columns"]),
                        f.get("metric_id"),
                        int(f.get("months_earlier", 0)),
                    )
                    for f in meta.get("disclosure_follows", ())
                ),
            )
        )
    return sorted(marts, key=lambda m: m.order)


# ---------------------------------------------------------------------------------------------
# fct_outcomes: the decisions, applied


DECISIONS_TABLE = "suppression_decisions"


def outcomes_sql(relation: str, mart: PublishedMart, decisions: str = DECISIONS_TABLE) -> str:
    """The shareable fct_outcomes: `relation` with the suppression decisions applied. A
    suppressed row shows no numerator, value, interval, note or comparison; its denominator
    stays, unless the denominator is itself a protected cell. England's value beside
    each area is blanked where England's own row is suppressed."""
    blanked = []
    for column in mart.measure_columns or ("numerator", "denominator", "value"):
        if column == "denominator":
            blanked.append(
                "case when not outcomes.hide_denominator then outcomes.denominator "
                "end as denominator"
            )
        else:
            blanked.append(
                f"case when not outcomes.is_suppressed then outcomes.{column} end as {column}"
            )
    derived = [
        f"case when not outcomes.is_suppressed then outcomes.{column} else '{value}' end "
        f"as {column}"
        for column, value in mart.derived_columns
    ]
    replaced = ", ".join(
        [
            *blanked,
            *derived,
            "case when not outcomes.is_suppressed then outcomes.value_note end as value_note",
            "case when not coalesce(england_row.is_suppressed, false) "
            "then outcomes.england_value end as england_value",
        ]
    )
    return f"""
    with

    decided as (

        select
            outcomes.*,
            coalesce(decisions.hide_numerator or decisions.hide_denominator, false)
                as is_suppressed,
            coalesce(decisions.hide_denominator, false) as hide_denominator
        from {relation} as outcomes
        left join {decisions} as decisions
            on outcomes.metric_id = decisions.metric_id
            and outcomes.area_code = decisions.area_code
            and outcomes.breakdown = decisions.breakdown
            and outcomes.period_end_date = decisions.period_end_date

    ),

    england_row as (

        select metric_id, breakdown, period_end_date, is_suppressed
        from decided
        where area_type = '{COUNTRY_AREA_TYPE}'

    )

    select
        outcomes.* exclude (is_suppressed, hide_denominator) replace ({replaced}),
        outcomes.is_suppressed,
        case when outcomes.is_suppressed then '{rule.PUBLISHED_REASON}' end
            as suppression_reason,
        not outcomes.is_suppressed and outcomes.unit <> 'count'
            and outcomes.numerator < {rule.LOW_RELIABILITY_EVENTS} as is_low_reliability
    from decided as outcomes
    left join england_row
        on outcomes.metric_id = england_row.metric_id
        and outcomes.breakdown = england_row.breakdown
        and outcomes.period_end_date = england_row.period_end_date
        and outcomes.england_value_source = 'warehouse'
    order by outcomes.metric_id, outcomes.area_code, outcomes.period_end_date,
        outcomes.breakdown
    """


def follows_sql(relation: str, mart: PublishedMart, outcomes: str) -> str:
    """Blank a derived mart's columns wherever the fct_outcomes cell they come from is
    suppressed, so the same number is hidden in every file. The row's is_suppressed is its own
    cell's (the first spec)."""
    joins, conditions = [], {}
    for n, spec in enumerate(mart.follows):
        alias = f"source_{n}"
        metric = f"'{spec.metric_id}'" if spec.metric_id else "derived.metric_id"
        period = f"derived.{spec.period_column}"
        if spec.months_earlier:
            period = (
                f"cast(last_day(date_trunc('month', {period}) - "
                f"interval {spec.months_earlier} month) as date)"
            )
        joins.append(
            f"left join {outcomes} as {alias} on {alias}.metric_id = {metric} "
            f"and {alias}.area_code = derived.area_code "
            f"and {alias}.breakdown = '{rule.TOTAL_BREAKDOWN}' "
            f"and {alias}.period_end_date = {period}"
        )
        for column in spec.columns:
            conditions.setdefault(column, []).append(f"coalesce({alias}.is_suppressed, false)")
    replaced = ", ".join(
        f"case when {' or '.join(c)} then null else derived.{column} end as {column}"
        for column, c in conditions.items()
    )
    own_cell = "coalesce(source_0.is_suppressed, false)"
    return (
        f"select derived.* replace ({replaced}), {own_cell} as is_suppressed "
        f"from {relation} as derived {' '.join(joins)}"
    )


def select_for(mart: PublishedMart, source_catalog: str, published_catalog: str) -> str:
    """The SELECT that builds a mart's shareable copy (fct_outcomes needs the decisions table
    registered on the connection: see `protect`)."""
    relation = f"{source_catalog}.{mart.relation}"
    if mart.disclosure == "reference":
        return f"select * from {relation}"
    if mart.disclosure == "follows_outcomes":
        return follows_sql(relation, mart, f"{published_catalog}.main.{OUTCOMES_MART}")
    return outcomes_sql(relation, mart)


# ---------------------------------------------------------------------------------------------
# protection: suppress, audit, widen


class PublicationRefused(Exception):
    """The disclosure-controlled copy failed its own checks: nothing was replaced."""


@dataclass
class Protection:
    decisions: suppression.Decisions
    audit: audit.AuditResult
    rounds: int
    rows: int

    @property
    def suppressed_rows(self) -> int:
        return self.decisions.suppressed_rows

    def figures(self) -> dict[str, object]:
        return {
            "cells_suppressed_primary": self.decisions.primary_cells,
            "cells_suppressed_secondary": self.decisions.secondary_cells,
            "rows_suppressed": self.suppressed_rows,
            "rows": self.rows,
            "relations_protected": self.decisions.equations,
            "suppression_rounds": self.rounds,
            **{f"audit_{k}": v for k, v in self.audit.figures().items()},
        }

    def describe(self) -> list[str]:
        figures = self.audit
        narrowest = (
            f"the narrowest feasible range holds {figures.narrowest_values} whole values"
            if figures.narrowest_values is not None
            else "no suppressed cell is tied to a published one"
        )
        return [
            f"disclosure control: {self.decisions.primary_cells:,} cells suppressed as small "
            f"numbers and {self.decisions.secondary_cells:,} more so that none can be worked out "
            f"({self.suppressed_rows:,} of {self.rows:,} fct_outcomes rows), over "
            f"{self.decisions.equations:,} relations between published numbers",
            f"disclosure audit: {figures.relations:,} relations attacked by propagation and "
            f"{figures.lp_solves:,} linear programmes in {figures.seconds:.1f} s; "
            f"{len(figures.determined)} cells worked out exactly, {len(figures.too_narrow)} "
            f"narrowed below {rule.MIN_FEASIBLE_VALUES} values; {narrowest}",
        ]


def breakdown_compositions(con: duckdb.DuckDBPyConnection, catalog: str) -> dict:
    """A composite breakdown -> its substance groups (`all` and each PHOF grouping); the
    'unknown' group counts only in `all`, so where it has people `all` is more than its parts
    (the suppression then leaves that relation out; the audit reads it as an inequality)."""
    rows = con.execute(f"""
        select breakdown, list(substance_group order by substance_group)
        from {catalog}.intermediate.int_breakdown_map
        where breakdown <> substance_group and substance_group <> 'unknown'
        group by breakdown order by breakdown
    """).fetchall()
    return {whole: tuple(parts) for whole, parts in rows}


def reporting_memberships(con: duckdb.DuckDBPyConnection, catalog: str) -> dict:
    """A partnership, or England, -> the authorities its rows are built from (suppression)."""
    rows = con.execute(f"""
        select reporting_area_code, list(member_area_code order by member_area_code)
        from {catalog}.intermediate.int_reporting_areas
        where reporting_area_type <> 'local_authority'
        group by reporting_area_code order by reporting_area_code
    """).fetchall()
    return {whole: tuple(parts) for whole, parts in rows}


def published_memberships(areas: pd.DataFrame, outcomes: pd.DataFrame) -> dict:
    """What a reader of the publication knows of geography (audit): each partnership's members
    from dim_area, England = every authority published, members without rows count nothing."""
    present = set(outcomes.area_code)
    memberships = {}
    for code, members in areas[["area_code", "member_area_codes"]].itertuples(index=False):
        if code in present and isinstance(members, str) and members:
            memberships[code] = tuple(m for m in members.split("|") if m in present)
    countries = outcomes.loc[outcomes.area_type == COUNTRY_AREA_TYPE, "area_code"].unique()
    authorities = tuple(
        sorted(outcomes.loc[outcomes.area_type == "local_authority", "area_code"].unique())
    )
    for country in countries:
        memberships[country] = authorities
    return memberships


def protect(
    con: duckdb.DuckDBPyConnection, catalog: str, outcomes_mart: PublishedMart, areas_relation: str
) -> Protection:
    """Decide the suppression of fct_outcomes, attack the result, widen where the attack
    succeeds, and refuse after MAX_AUDIT_ROUNDS. Leaves the final decisions registered on `con`
    as DECISIONS_TABLE for `outcomes_sql`."""
    truth = con.execute(
        f"select metric_id, area_code, area_type, breakdown, period_end_date, unit, numerator, "
        f"denominator from {catalog}.{outcomes_mart.relation}"
    ).df()
    compositions = breakdown_compositions(con, catalog)
    memberships = reporting_memberships(con, catalog)
    areas = con.execute(f"select area_code, member_area_codes from {areas_relation}").df()
    reader_memberships = published_memberships(areas, truth)
    widen: list[tuple] = []
    solved: dict = {}  # LP groups already solved in an earlier round
    for round_number in range(1, MAX_AUDIT_ROUNDS + 1):
        decisions = suppression.decide(
            truth, compositions, memberships, widen, home_areas=frozenset({settings.home_area()})
        )
        con.register(DECISIONS_TABLE, decisions.rows)
        published = con.execute(
            f"select metric_id, area_code, area_type, breakdown, period_end_date, unit, "
            f"numerator, denominator, is_suppressed from "
            f"({outcomes_sql(f'{catalog}.{outcomes_mart.relation}', outcomes_mart)})"
        ).df()
        result = audit.audit(published, truth, compositions, reader_memberships, solved)
        if result.passed:
            return Protection(decisions, result, round_number, len(truth))
        log.info("disclosure audit round %s: %s weak cells", round_number, len(result.failures))
        for weak in result.failures:
            log.debug("weak cell: %s", weak.describe(with_values=True))
        widen.extend(
            (f.metric_id, f.area_code, f.breakdown, f.period_end_date, f.column)
            for f in result.failures
        )
    shown = "; ".join(f.describe() for f in result.failures[:5])
    raise PublicationRefused(
        f"the disclosure audit could still work out {len(result.determined)} suppressed cells "
        f"and narrow {len(result.too_narrow)} more below {rule.MIN_FEASIBLE_VALUES} values "
        f"after {MAX_AUDIT_ROUNDS} rounds of suppression, so nothing was published (first: "
        f"{shown}). Report this with the run's log: the relations need a closer look."
    )
