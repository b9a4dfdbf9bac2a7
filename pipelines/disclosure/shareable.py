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

from pipelines import warehouse
from pipelines.disclosure import audit, rule, suppression

log = logging.getLogger(__name__)

DISCLOSURE_MODES = ("outcome_measures", "follows_outcomes", "reference")
OUTCOMES_MART = "fct_outcomes"  # the mart every follows_outcomes mart takes its suppression from
# the restricted fct_outcomes, as `protect` registers it (which cells exist at all)
OUTCOMES_RELATION_ALIAS = "restricted_outcomes"
COUNTRY_AREA_TYPE = "country"


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
    # follows_outcomes: a flag that marks each series' latest period with a value, recomputed
    # over the rows published (the warehouse's latest may be a month end not published)
    latest_flag: str | None = None
    # ... or, where given, each series' latest period published on or before the date in this
    # column (the area's reporting period), suppressed or not
    latest_on_or_before: str | None = None

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
                latest_flag=meta.get("disclosure_latest_flag"),
                latest_on_or_before=meta.get("disclosure_latest_on_or_before"),
            )
        )
    return sorted(marts, key=lambda m: m.order)


# ---------------------------------------------------------------------------------------------
# fct_outcomes: the decisions, applied


DECISIONS_TABLE = "suppression_decisions"
# the rows an earlier publication published with other numbers than the warehouse now has:
# published again as they were (registered by `protect`; see rule's docstring, "Revisions")
FROZEN_TABLE = "frozen_rows"


def outcomes_sql(relation: str, mart: PublishedMart, decisions: str = DECISIONS_TABLE) -> str:
    """The shareable fct_outcomes: the rows of `relation` that are decided (published: see
    `publishable`) with the suppression decisions applied. A suppressed row shows no numerator,
    value, interval, note or comparison; its denominator stays, unless the denominator is
    itself a protected cell. A row an earlier publication published with other numbers shows
    those numbers (FROZEN_TABLE). England's value beside each area is blanked where England's
    own row is suppressed."""
    measures = mart.measure_columns or ("numerator", "denominator", "value")
    frozen_columns = (*measures, "value_note", "comparison_to_england", "england_value")
    blanked = []
    for column in measures:
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
    as_first_published = ", ".join(
        f"case when outcomes.is_frozen then frozen.{column} else outcomes.{column} end as {column}"
        for column in frozen_columns
    )
    return f"""
    with

    decided as (

        select
            outcomes.*,
            decisions.hide_numerator or decisions.hide_denominator as is_suppressed,
            decisions.hide_denominator,
            decisions.is_frozen
        from {relation} as outcomes
        inner join {decisions} as decisions
            on outcomes.metric_id = decisions.metric_id
            and outcomes.area_code = decisions.area_code
            and outcomes.breakdown = decisions.breakdown
            and outcomes.period_end_date = decisions.period_end_date

    ),

    england_row as (

        select metric_id, breakdown, period_end_date, is_suppressed
        from decided
        where area_type = '{COUNTRY_AREA_TYPE}'

    ),

    controlled as (

        select
            outcomes.* exclude (is_suppressed, hide_denominator) replace ({replaced}),
            outcomes.is_suppressed,
            case when outcomes.is_suppressed then '{rule.PUBLISHED_REASON}' end
                as suppression_reason
        from decided as outcomes
        left join england_row
            on outcomes.metric_id = england_row.metric_id
            and outcomes.breakdown = england_row.breakdown
            and outcomes.period_end_date = england_row.period_end_date
            and outcomes.england_value_source = 'warehouse'

    ),

    published as (

        select outcomes.* exclude (is_frozen) replace ({as_first_published})
        from controlled as outcomes
        left join {FROZEN_TABLE} as frozen
            on outcomes.is_frozen
            and outcomes.metric_id = frozen.metric_id
            and outcomes.area_code = frozen.area_code
            and outcomes.breakdown = frozen.breakdown
            and outcomes.period_end_date = frozen.period_end_date

    )

    select
        *,
        not is_suppressed and unit <> 'count'
            and numerator < {rule.LOW_RELIABILITY_EVENTS} as is_low_reliability
    from published
    order by metric_id, area_code, period_end_date, breakdown
    """


def follows_sql(relation: str, mart: PublishedMart, cells: str = DECISIONS_TABLE) -> str:
    """Blank a derived mart's columns unless the fct_outcomes cell they come from is published
    and shown as the warehouse has it (`cells`: the decisions, one row per published cell), so
    the same number is hidden in every file and nothing is shown beside a hidden cell
    (`derived_columns` take their given value instead). A row whose own cell (the first spec)
    the warehouse has but does not publish (provisional, or a month end an event metric is not
    published at) is left out; the row's is_suppressed is its own cell's."""
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
            f"left join {cells} as {alias} on {alias}.metric_id = {metric} "
            f"and {alias}.area_code = derived.area_code "
            f"and {alias}.breakdown = '{rule.TOTAL_BREAKDOWN}' "
            f"and {alias}.period_end_date = {period}"
        )
        # hidden: the cell is not shown, or the warehouse has it and this publication does
        # not (a cell the warehouse has no row for, a year before the data starts, hides
        # nothing)
        in_warehouse = (
            f"exists (select 1 from {OUTCOMES_RELATION_ALIAS} as restricted "
            f"where restricted.metric_id = {metric} "
            f"and restricted.area_code = derived.area_code "
            f"and restricted.breakdown = '{rule.TOTAL_BREAKDOWN}' "
            f"and restricted.period_end_date = {period})"
        )
        for column in (*spec.columns, *(c for c, _ in mart.derived_columns if n == 0)):
            conditions.setdefault(column, []).append(
                f"not coalesce({alias}.is_shown, not {in_warehouse})"
            )
    derived = dict(mart.derived_columns)
    replaced = ", ".join(
        f"case when {' or '.join(c)} then "
        f"{repr(derived[column]) if column in derived else 'null'} "
        f"else derived.{column} end as {column}"
        for column, c in conditions.items()
    )
    own = mart.follows[0]
    own_metric = f"'{own.metric_id}'" if own.metric_id else "derived.metric_id"
    controlled = (
        f"select derived.* replace ({replaced}), "
        f"coalesce(not source_0.is_shown, false) as is_suppressed "
        f"from {relation} as derived {' '.join(joins)} "
        f"where source_0.metric_id is not null or not exists ("
        f"select 1 from {OUTCOMES_RELATION_ALIAS} as restricted "
        f"where restricted.metric_id = {own_metric} and restricted.area_code = derived.area_code "
        f"and restricted.breakdown = '{rule.TOTAL_BREAKDOWN}' "
        f"and restricted.period_end_date = derived.{own.period_column})"
    )
    if mart.latest_flag is None:
        return controlled
    within = (
        f"{own.period_column} <= {mart.latest_on_or_before}"
        if mart.latest_on_or_before
        else "not is_suppressed"
    )
    return (
        f"select * replace (coalesce({own.period_column} = max({own.period_column}) "
        f"filter (where {within}) over (partition by metric_id, area_code), false) "
        f"as {mart.latest_flag}) from ({controlled})"
    )


def select_for(mart: PublishedMart, source_catalog: str) -> str:
    """The SELECT that builds a mart's shareable copy (fct_outcomes and the marts that follow it
    need the tables `protect` registers on the connection)."""
    relation = f"{source_catalog}.{mart.relation}"
    if mart.disclosure == "reference":
        return f"select * from {relation}"
    if mart.disclosure == "follows_outcomes":
        return follows_sql(relation, mart)
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
    rows_published_before: int = 0  # rows of the publication replaced, published again
    rows_changed_since: int = 0  # of them, rows the warehouse has since changed (frozen)
    # suppressed cells the publication replaced gives away under today's rule (made by an
    # earlier version), and cells it showed that this one hides to keep them hidden
    earlier_cells_given_away: int = 0
    cells_shown_before_hidden_now: int = 0
    # hidden zeros the audit worked out exactly, published as zero (they protected nothing)
    worked_out_zeros_shown: int = 0

    @property
    def suppressed_rows(self) -> int:
        return self.decisions.suppressed_rows

    def figures(self) -> dict[str, object]:
        """What the shareable run record and report say: the total of hidden cells only (how
        many are small numbers would say how many of them are 1 to 4)."""
        return {
            "cells_suppressed": self.decisions.hidden_cells,
            "rows_suppressed": self.suppressed_rows,
            "rows": self.rows,
            "relations_protected": self.decisions.equations,
            "suppression_rounds": self.rounds,
            **{f"audit_{k}": v for k, v in self.audit.figures().items()},
        }

    def restricted_figures(self) -> dict[str, object]:
        """The split, for the restricted log only."""
        return {
            "cells_suppressed_primary": self.decisions.primary_cells,
            "cells_suppressed_secondary": self.decisions.secondary_cells,
            "cells_hidden_as_first_published": self.decisions.carried_cells,
            "rows_published_before": self.rows_published_before,
            "rows_changed_since_published": self.rows_changed_since,
            "earlier_publication_cells_given_away": self.earlier_cells_given_away,
            "cells_shown_before_hidden_now": self.cells_shown_before_hidden_now,
            "worked_out_zeros_shown": self.worked_out_zeros_shown,
        }

    def warnings(self) -> list[str]:
        """What someone must act on: an earlier publication that gave cells away. Restricted
        (the console and the run's log): said in the shareable folder, it would point every
        reader at the file that gives the cells away."""
        if not self.earlier_cells_given_away:
            return []
        return [
            f"the publication this one replaces gives away {self.earlier_cells_given_away} "
            "suppressed cells under the current disclosure rule (it was made by an earlier "
            "version). A reader who kept it still has them; this publication keeps them "
            f"hidden by hiding {self.cells_shown_before_hidden_now} cells that one showed. "
            "Tell your information governance lead, and withdraw copies of the earlier "
            "publication (the restricted log of this run names the cells)."
        ]

    def describe(self) -> list[str]:
        figures = self.audit
        narrowest = (
            f"the narrowest feasible range holds {figures.narrowest_values} whole values"
            if figures.narrowest_values is not None
            else "no suppressed cell is tied to a published one"
        )
        return [
            f"disclosure control: {self.decisions.hidden_cells:,} cells suppressed so that no "
            f"small number can be worked out ({self.suppressed_rows:,} of {self.rows:,} "
            f"published fct_outcomes rows), over {self.decisions.equations:,} relations "
            "between published numbers; values are published once final, event counts for "
            "whole years only, and a value once published is never revised",
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
        from {catalog}.{warehouse.SUBSTANCE_BREAKDOWNS}
        where breakdown <> substance_group and substance_group <> 'unknown'
        group by breakdown order by breakdown
    """).fetchall()
    return {whole: tuple(parts) for whole, parts in rows}


def reporting_memberships(con: duckdb.DuckDBPyConnection, catalog: str) -> dict:
    """A partnership, or England, -> the authorities its rows are built from (suppression)."""
    rows = con.execute(f"""
        select reporting_area_code, list(member_area_code order by member_area_code)
        from {catalog}.{warehouse.REPORTING_AREA_MEMBERS}
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


def publishable(truth: pd.DataFrame) -> pd.Series:
    """Which rows of the restricted fct_outcomes the shareable tier publishes at all: final
    values only, and an event metric's windows at its one month end a year only (see rule's
    docstring: time and revisions)."""
    month = pd.to_datetime(truth["period_end_date"]).dt.month
    annual_month = truth["metric_id"].map(rule.EVENT_METRICS)
    return ~truth["is_provisional"].astype(bool) & (annual_month.isna() | (month == annual_month))


def previous_rows(previous: Path | None, truth: pd.DataFrame) -> pd.DataFrame:
    """The rows of the publication being replaced that this one publishes again: the row as it
    was published (KEY, numerator, denominator, value...), what was hidden (hide_numerator,
    hide_denominator) and whether the warehouse's numbers have changed since (is_frozen: then
    the row is published as it was). Empty for a first publication."""
    if previous is None or not previous.exists():
        empty = truth[suppression.KEY].iloc[:0].copy()
        return empty.assign(hide_numerator=False, hide_denominator=False, is_frozen=False)
    earlier = pd.read_parquet(previous)
    earlier["period_end_date"] = pd.to_datetime(earlier["period_end_date"])
    rows = earlier.merge(
        truth[[*suppression.KEY, "numerator", "denominator"]],
        on=suppression.KEY,
        suffixes=("", "_now"),
    )
    suppressed = rows["is_suppressed"].fillna(False).astype(bool)
    rows["hide_numerator"] = suppressed
    rows["hide_denominator"] = (
        suppressed & rows["denominator"].isna() & rows["denominator_now"].notna()
    )

    def changed(column: str) -> pd.Series:
        shown, now = rows[column], rows[f"{column}_now"]
        return shown.notna() & (now.isna() | ((shown - now).abs() > 1e-9))

    rows["is_frozen"] = changed("numerator") | changed("denominator")
    return rows.drop(columns=["numerator_now", "denominator_now"]).reset_index(drop=True)


def protect(
    con: duckdb.DuckDBPyConnection,
    catalog: str,
    outcomes_mart: PublishedMart,
    areas_relation: str,
    previous: Path | None = None,
    *,
    home_area: str,
) -> Protection:
    """Decide the suppression of fct_outcomes, attack the result, widen where the attack
    succeeds, and refuse after rule.MAX_AUDIT_ROUNDS. `previous`: the fct_outcomes Parquet of the
    publication this one replaces (its rows are published again as they were). Leaves on `con`
    what `outcomes_sql` and `follows_sql` read: the final decisions (DECISIONS_TABLE), the rows
    published as first published (FROZEN_TABLE) and the restricted fct_outcomes
    (OUTCOMES_RELATION_ALIAS)."""
    relation = f"{catalog}.{outcomes_mart.relation}"
    con.execute(
        f"create or replace temp view {OUTCOMES_RELATION_ALIAS} as select * from {relation}"
    )
    everything = con.execute(
        f"select metric_id, area_code, area_type, breakdown, period_end_date, unit, numerator, "
        f"denominator, is_provisional from {relation}"
    ).df()
    everything["period_end_date"] = pd.to_datetime(everything["period_end_date"])
    truth = everything[publishable(everything)].drop(columns="is_provisional")
    truth = truth.reset_index(drop=True)
    carried = previous_rows(previous, truth)
    _register_frozen(con, relation, outcomes_mart, carried)
    # what a reader can check the relations against: the numbers as published, where a row is
    # published as it first was
    as_published = _as_published(truth, carried)
    compositions = breakdown_compositions(con, catalog)
    memberships = reporting_memberships(con, catalog)
    areas = con.execute(f"select area_code, member_area_codes from {areas_relation}").df()
    reader_memberships = published_memberships(areas, truth)
    given_away = earlier_cells_given_away(carried, as_published, compositions, reader_memberships)
    fixed = carried
    if given_away:
        # that publication was decided under an older rule and gives cells away under this one.
        # A reader who kept it has them and nothing can take them back, but this publication
        # must not give them away to anyone else: it is decided as if that one were withdrawn
        # (its hidden cells stay hidden, its values are not revised, and the cells it showed
        # may be hidden now: a hidden cell tells a reader nothing new)
        fixed = carried.assign(keep_shown=carried["is_frozen"])
        log.info(  # restricted: the run's log only (the warning is Protection.warnings)
            "the publication being replaced gives away %s suppressed cells under the current "
            "rule: %s",
            len(given_away),
            "; ".join(f.describe(with_values=True) for f in given_away[:20]),
        )
    widen: list[tuple] = []
    shown_zeros: set[tuple] = set()  # hidden zeros the last audit worked out: shown as zero
    solved: dict = {}  # LP groups already solved in an earlier round
    for round_number in range(1, rule.MAX_AUDIT_ROUNDS + 1):
        decisions = suppression.decide(
            truth,
            compositions,
            memberships,
            widen,
            home_areas=frozenset({home_area}),
            fixed=fixed,
            shown_zeros=frozenset(shown_zeros),
        )
        rows = decisions.rows.merge(
            carried[[*suppression.KEY, "is_frozen"]], on=suppression.KEY, how="left"
        )
        rows["is_frozen"] = rows["is_frozen"].fillna(False).astype(bool)
        rows["is_shown"] = ~(rows.hide_numerator | rows.hide_denominator | rows.is_frozen)
        con.register(DECISIONS_TABLE, rows)
        published = con.execute(
            f"select metric_id, area_code, area_type, breakdown, period_end_date, unit, "
            f"numerator, denominator, is_suppressed from "
            f"({outcomes_sql(relation, outcomes_mart)})"
        ).df()
        if given_away:
            # a reader who kept the withdrawn publication still knows what it showed: attack
            # this one with those values known, and let pass only what was already given away
            attacked = _with_values_shown_before(published, carried)
            result = audit.audit(attacked, as_published, compositions, reader_memberships)
            result = result.without(given_away)
        else:
            result = audit.audit(published, as_published, compositions, reader_memberships, solved)
        if result.overlapping_windows:  # no cell to add can mend that: the rule is broken
            raise PublicationRefused(
                f"{result.overlapping_windows} published windows of an event metric share "
                "months with another window of the same series, which would let a reader "
                "difference them; nothing was published"
            )
        if result.passed:
            protection = Protection(
                decisions,
                result,
                round_number,
                len(truth),
                rows_published_before=len(carried),
                rows_changed_since=int(carried.is_frozen.sum()),
                earlier_cells_given_away=len(given_away),
                cells_shown_before_hidden_now=_shown_before_hidden_now(carried, rows),
                worked_out_zeros_shown=len(shown_zeros),
            )
            log.info("disclosure control (restricted): %s", protection.restricted_figures())
            return protection
        log.info("disclosure audit round %s: %s weak cells", round_number, len(result.failures))
        for weak in result.failures:
            log.debug("weak cell: %s", weak.describe(with_values=True))
        zeros = worked_out_zeros(result.determined, rows, carried)
        others = [f for f in result.failures if f.key not in zeros]
        if zeros and not others and not shown_zeros:
            # all that still fails are hidden zeros a reader works out: published as zero, they
            # leave every other cell's range as it is; the audit attacks once more. Shown only
            # now, with nothing else left to widen: shown in an earlier round, a zero would stay
            # fixed while the cells around it are hidden, and could pin another cell for good
            shown_zeros = zeros
            continue
        shown_zeros = set()
        # a worked-out zero is not widened around: hiding more cannot stop it failing
        widen.extend(
            (f.metric_id, f.area_code, f.breakdown, f.period_end_date, f.column) for f in others
        )
    shown = "; ".join(f.describe() for f in result.failures[:5])
    if given_away:
        raise PublicationRefused(
            f"the publication being replaced gives away {len(given_away)} suppressed cells "
            "under the current rule (it was made by an earlier version), and this one could "
            "not be protected around the values it must publish again as they were (first: "
            f"{shown}). Tell your information governance lead; nothing was published."
        )
    raise PublicationRefused(
        f"the disclosure audit could still work out {len(result.determined)} suppressed cells "
        f"and narrow {len(result.too_narrow)} more below {rule.MIN_FEASIBLE_VALUES} values "
        f"after {rule.MAX_AUDIT_ROUNDS} rounds of suppression, so nothing was published (first: "
        f"{shown}). Report this with the run's log: the relations need a closer look."
    )


def worked_out_zeros(
    determined: list[audit.Finding], rows: pd.DataFrame, carried: pd.DataFrame
) -> set[tuple]:
    """The cells (KEY + column) to publish as zero next round: hidden zeros the audit worked out
    exactly, in rows whose every hidden cell it worked out as zero (a row is published whole or
    not at all) and that no earlier publication settled (`rows`: this round's decisions;
    `carried`: the rows published before, which stay as they were)."""
    # The rule: "a zero that protects nothing is published as zero". Shown, such a zero tells
    # a reader nothing the publication did not already tell (every feasible reading of it puts
    # the cell at zero), so no other cell's range changes. A rate's zero numerator beside a
    # hidden denominator the reader cannot work out is not one of these: it stays a failure,
    # and more is hidden around it.
    zeros: dict[tuple, set[str]] = {}
    for f in determined:
        if abs(f.low) < audit.TOLERANCE and abs(f.high) < audit.TOLERANCE:
            row = (f.metric_id, f.area_code, f.breakdown, pd.Timestamp(f.period_end_date))
            zeros.setdefault(row, set()).add(f.column)
    if not zeros:
        return set()
    hidden = rows.set_index(suppression.KEY)
    settled = (
        set(carried[suppression.KEY].itertuples(index=False, name=None)) if len(carried) else set()
    )
    shown: set[tuple] = set()
    for row, columns in zeros.items():
        if row not in hidden.index or row in settled:
            continue
        decided = hidden.loc[row]
        needed = {
            column
            for column, flag in (
                ("numerator", decided["hide_numerator"]),
                ("denominator", decided["hide_denominator"]),
            )
            if bool(flag)
        }
        if needed and needed <= columns:
            shown.update((*row, column) for column in needed)
    return shown


def earlier_cells_given_away(
    carried: pd.DataFrame,
    as_published: pd.DataFrame,
    compositions: dict,
    memberships: dict,
) -> list[audit.Finding]:
    """The suppressed cells of the publication being replaced (its rows this one publishes
    again, as `previous_rows` reads them) that today's audit can work out or narrow on that
    publication alone: a publication made by an earlier version, under an older rule."""
    if not len(carried):
        return []
    earlier = carried[
        [*suppression.KEY, "area_type", "unit", "numerator", "denominator", "is_suppressed"]
    ].copy()
    earlier["is_suppressed"] = earlier["is_suppressed"].fillna(False).astype(bool)
    if not earlier["is_suppressed"].any():
        return []
    truth = as_published.merge(earlier[suppression.KEY], on=suppression.KEY)
    return audit.audit(earlier, truth, compositions, memberships).failures


def _with_values_shown_before(published: pd.DataFrame, carried: pd.DataFrame) -> pd.DataFrame:
    """`published` with every cell the publication being replaced showed filled in as it
    showed it: what a reader holding both knows."""
    before = carried[[*suppression.KEY, "numerator", "denominator"]].copy()
    before["period_end_date"] = pd.to_datetime(before["period_end_date"])
    attacked = published.copy()
    attacked["period_end_date"] = pd.to_datetime(attacked["period_end_date"])
    merged = attacked.merge(before, on=suppression.KEY, how="left", suffixes=("", "_before"))
    for column in ("numerator", "denominator"):
        merged[column] = merged[column].fillna(merged[f"{column}_before"])
    return merged[attacked.columns]


def _shown_before_hidden_now(carried: pd.DataFrame, rows: pd.DataFrame) -> int:
    """Cells the publication being replaced showed that this one hides (only where that one
    gave cells away)."""
    both = rows.merge(carried, on=suppression.KEY, suffixes=("", "_before"))
    return int(
        (both.hide_numerator & ~both.hide_numerator_before).sum()
        + (both.hide_denominator & ~both.hide_denominator_before).sum()
    )


def _register_frozen(
    con: duckdb.DuckDBPyConnection,
    relation: str,
    mart: PublishedMart,
    carried: pd.DataFrame,
) -> None:
    """FROZEN_TABLE: the previous publication's rows that are published again as they were,
    with fct_outcomes' own column types."""
    measures = mart.measure_columns or ("numerator", "denominator", "value")
    columns = ", ".join(
        [*suppression.KEY, *measures, "value_note", "comparison_to_england", "england_value"]
    )
    con.execute(
        f"create or replace temp table {FROZEN_TABLE} as "
        f"select {columns} from {relation} where false"
    )
    frozen = carried[carried.is_frozen]
    if not len(frozen):
        return
    con.register("frozen_frame", frozen)
    con.execute(f"insert into {FROZEN_TABLE} by name select {columns} from frozen_frame")
    con.unregister("frozen_frame")


def _as_published(truth: pd.DataFrame, carried: pd.DataFrame) -> pd.DataFrame:
    """`truth` with the numbers of frozen rows as they were published (hidden ones as the
    warehouse has them: the nearest the audit can know)."""
    if not carried.is_frozen.any():
        return truth
    frozen = carried.loc[carried.is_frozen, [*suppression.KEY, "numerator", "denominator"]]
    merged = truth.merge(frozen, on=suppression.KEY, how="left", suffixes=("", "_published"))
    for column in ("numerator", "denominator"):
        merged[column] = merged[f"{column}_published"].fillna(merged[column])
    return merged[truth.columns]
