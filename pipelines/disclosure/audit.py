"""The audit: attack the shareable fct_outcomes as a determined reader would, and refuse the
publication when a suppressed cell can be worked out.

Written apart from the suppression (its own SQL for the relations, its own solver) so that a
mistake in one is caught by the other. The reader is given more than a real one has:

- every published number, and every relation `rule` declares (breakdown families and PHOF
  groupings, partnerships and England as sums of their authorities, the numbers the metrics
  share, the three-year deaths, unmet need);
- exact knowledge of which of those relations hold in the data (the restricted values are read
  only for that): a relation that holds is an equation, a family whose `all` also counts people
  of unknown substance is an inequality (all >= the groups), anything else is left out;
- that counts are whole and not negative (unmet need may be negative), that a numerator
  never exceeds its denominator, and the other inequalities by definition (`rule.AT_MOST`);
- that windows of an event metric that share months tie those months together: the audit
  refuses any such pair (`overlapping_event_windows`), so the monthly model adds nothing.

Then (a) propagation: any equation with one unknown left gives that cell away, again and again;
(b) linear programming (HiGHS) for the smallest and largest value every other suppressed cell
can take. A cell fails when it is determined exactly or its range holds fewer than
`rule.MIN_FEASIBLE_VALUES` whole values. To stay fast at national scale, the LP first looks for
feasible points that spread the cells apart (a cell seen at two values 4 apart is already
safe, whatever its exact range); only the cells left over get their own pair of LPs.
"""

import dataclasses
import hashlib
import time
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd
from scipy.sparse import csc_matrix
from scipy.sparse.csgraph import connected_components

from pipelines.disclosure import rule

ROW_KEY = ["metric_id", "area_code", "breakdown", "period_end_date"]
CAP = 1e9  # an upper bound for cells nothing else bounds (a range that wide is safe anyway)
TOLERANCE = 1e-6
SPREAD_ROUNDS = 6


@dataclass
class Finding:
    metric_id: str
    area_code: str
    breakdown: str
    period_end_date: object
    column: str
    low: float
    high: float
    how: str  # propagation | linear_programme

    @property
    def key(self) -> tuple:
        return (
            self.metric_id,
            self.area_code,
            self.breakdown,
            pd.Timestamp(self.period_end_date),
            self.column,
        )

    def describe(self, with_values: bool = False) -> str:
        """Where the weak cell is and how it was found; its values only `with_values`, for the
        restricted log (a refusal's message reaches the run record beside the marts)."""
        where = (
            f"{self.metric_id} {self.column}, {self.area_code}, {self.breakdown}, "
            f"period to {pd.Timestamp(self.period_end_date).date()}"
        )
        exact = abs(self.high - self.low) < TOLERANCE
        if not with_values:
            return f"{where}: {'worked out exactly' if exact else 'narrowed'} ({self.how})"
        if exact:
            return f"{where}: worked out exactly as {self.low:g} ({self.how})"
        return f"{where}: narrowed to {self.low:g}..{self.high:g} ({self.how})"


@dataclass
class AuditResult:
    suppressed_cells: int
    relations: int
    determined: list[Finding] = field(default_factory=list)
    too_narrow: list[Finding] = field(default_factory=list)
    narrowest_values: int | None = None  # whole values in the narrowest feasible range
    # published windows of an event metric that share months with another of the same series:
    # the monthly counts behind them would tie them together (must be none: see rule)
    overlapping_windows: int = 0
    lp_solves: int = 0
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.determined and not self.too_narrow and not self.overlapping_windows

    @property
    def failures(self) -> list[Finding]:
        return self.determined + self.too_narrow

    def without(self, findings: list[Finding]) -> "AuditResult":
        """This result less the cells of `findings` (cells an earlier publication already gave
        away: no later publication can take them back)."""
        known = {f.key for f in findings}
        return dataclasses.replace(
            self,
            determined=[f for f in self.determined if f.key not in known],
            too_narrow=[f for f in self.too_narrow if f.key not in known],
        )

    def figures(self) -> dict[str, object]:
        return {
            "suppressed_cells": self.suppressed_cells,
            "relations_attacked": self.relations,
            "cells_determined_exactly": len(self.determined),
            "cells_narrowed_below_threshold": len(self.too_narrow),
            "overlapping_event_windows": self.overlapping_windows,
            "narrowest_feasible_range_values": self.narrowest_values,
            "lp_solves": self.lp_solves,
            "audit_seconds": round(self.seconds, 2),
        }


def _cells(published: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Every numerator and denominator as a cell: its published value (NULL = hidden) and its
    true value (to know which relations hold)."""
    joined = published.merge(
        truth[[*ROW_KEY, "numerator", "denominator"]],
        on=ROW_KEY,
        how="left",
        suffixes=("", "_true"),
        validate="one_to_one",
    )
    frames = []
    for column in ("numerator", "denominator"):
        frame = joined[[*ROW_KEY, "area_type", "is_suppressed"]].copy()
        frame["column"] = column
        frame["shown"] = joined[column].astype("float64")
        frame["true_value"] = joined[f"{column}_true"].astype("float64")
        frames.append(frame)
    cells = pd.concat(frames, ignore_index=True)
    # a cell exists when the data has a number there; a hidden one is unknown to the reader
    cells = cells[cells.true_value.notna()].reset_index(drop=True)
    cells["cell_id"] = np.arange(len(cells))
    cells["is_unknown"] = cells.shown.isna()
    cells["period_end_date"] = pd.to_datetime(cells.period_end_date)
    return cells


def _sum_sql(number: int, kind: str, table: str, varies: str) -> str:
    """A whole and its parts, the parts differing from the whole in one column (`varies`)."""
    same = " AND ".join(
        f'p."{c}" = w."{c}"'
        for c in ("metric_id", "area_code", "breakdown", "period_end_date", "column")
        if c != varies
    )
    relation = f"{number} * 10000000000::BIGINT + w.cell_id"
    return f"""
        SELECT '{kind}' AS kind, {relation} AS relation, w.cell_id, 1 AS coefficient,
               (SELECT count(*) FROM {table} t WHERE t.whole = w.{varies}) AS expected
        FROM cells w WHERE w.{varies} IN (SELECT whole FROM {table})
        UNION ALL
        SELECT '{kind}', {relation}, p.cell_id, -1, NULL
        FROM cells w
        JOIN {table} t ON t.whole = w.{varies}
        JOIN cells p ON {same} AND p.{varies} = t.part
    """


def _relation_terms(
    con: duckdb.DuckDBPyConnection,
    compositions: dict[str, tuple[str, ...]],
    memberships: dict[str, tuple[str, ...]],
) -> pd.DataFrame:
    """(relation, kind, cell_id, coefficient): each relation reads whole - sum(parts) = 0. A
    relation is numbered kind * 10^10 + its whole's cell (one relation per kind and whole)."""

    def pairs(mapping: dict[str, tuple[str, ...]]) -> pd.DataFrame:
        rows = [(whole, part) for whole, parts in mapping.items() for part in parts]
        return pd.DataFrame(rows, columns=["whole", "part"]).astype("string")

    con.register("composition", pairs(compositions))
    con.register("membership", pairs(memberships))
    con.register(
        "same_number",
        pd.DataFrame(
            [(r.metric, r.column, r.other_metric) for r in rule.SAME_NUMBERS],
            columns=["metric_id", "column_name", "other_metric_id"],
        ),
    )
    selects = [
        # a composite breakdown and its parts (same metric, area, period, column)
        _sum_sql(1, "breakdown", "composition", "breakdown"),
        # an area that is the sum of its members (same metric, breakdown, period, column)
        _sum_sql(2, "geography", "membership", "area_code"),
        # the same number published under two metrics
        """
        SELECT 'same_number', 3 * 10000000000::BIGINT + w.cell_id, w.cell_id, 1, 1
        FROM cells w JOIN same_number s
            ON s.metric_id = w.metric_id AND s.column_name = w."column"
        UNION ALL
        SELECT 'same_number', 3 * 10000000000::BIGINT + w.cell_id, o.cell_id, -1, NULL
        FROM cells w
        JOIN same_number s ON s.metric_id = w.metric_id AND s.column_name = w."column"
        JOIN cells o ON o.metric_id = s.other_metric_id AND o.area_code = w.area_code
            AND o.breakdown = w.breakdown AND o.period_end_date = w.period_end_date
            AND o."column" = 'numerator'
        """,
    ]
    for relation in rule.CALENDAR_YEAR_SUMS:
        selects.append(f"""
        SELECT 'three_year_deaths', 4 * 10000000000::BIGINT + w.cell_id, w.cell_id, 1,
            {relation.years}
        FROM cells w
        WHERE w.metric_id = '{relation.metric}' AND w."column" = 'numerator'
            AND month(w.period_end_date) = 12
        UNION ALL
        SELECT 'three_year_deaths', 4 * 10000000000::BIGINT + w.cell_id, p.cell_id, -1, NULL
        FROM cells w JOIN cells p
            ON p.metric_id = '{relation.part_metric}' AND p."column" = 'numerator'
            AND p.area_code = w.area_code AND p.breakdown = w.breakdown
            AND month(p.period_end_date) = 12 AND day(p.period_end_date) = 31
            AND year(p.period_end_date) BETWEEN year(w.period_end_date) - {relation.years - 1}
                AND year(w.period_end_date)
        WHERE w.metric_id = '{relation.metric}' AND w."column" = 'numerator'
            AND month(w.period_end_date) = 12
        """)
    for number, relation in enumerate(rule.AT_MOST, start=6):
        # whole - the parts >= 0: an inequality whatever the data (see `_classify`)
        whole_metric, whole_column = relation.whole
        parts = " OR ".join(
            f"(p.metric_id = '{metric}' AND p.\"column\" = '{column}')"
            for metric, column in relation.parts
        )
        selects.append(f"""
        SELECT 'at_most', {number} * 10000000000::BIGINT + w.cell_id, w.cell_id, 1,
            {len(relation.parts)}
        FROM cells w WHERE w.metric_id = '{whole_metric}' AND w."column" = '{whole_column}'
        UNION ALL
        SELECT 'at_most', {number} * 10000000000::BIGINT + w.cell_id, p.cell_id, -1, NULL
        FROM cells w JOIN cells p ON ({parts}) AND p.area_code = w.area_code
            AND p.breakdown = w.breakdown AND p.period_end_date = w.period_end_date
        WHERE w.metric_id = '{whole_metric}' AND w."column" = '{whole_column}'
        """)
    for relation in rule.ESTIMATE_MINUS_COUNTS:
        groups = ", ".join(f"'{g}'" for g in relation.groups)
        # numerator - estimate + people in treatment = 0
        selects.append(f"""
        SELECT 'unmet_need', 5 * 10000000000::BIGINT + w.cell_id, w.cell_id, 1,
            {len(relation.groups) + 1}
        FROM cells w WHERE w.metric_id = '{relation.metric}' AND w."column" = 'numerator'
        UNION ALL
        SELECT 'unmet_need', 5 * 10000000000::BIGINT + w.cell_id, d.cell_id, -1, NULL
        FROM cells w JOIN cells d ON d.metric_id = w.metric_id AND d.area_code = w.area_code
            AND d.breakdown = w.breakdown AND d.period_end_date = w.period_end_date
            AND d."column" = 'denominator'
        WHERE w.metric_id = '{relation.metric}' AND w."column" = 'numerator'
        UNION ALL
        SELECT 'unmet_need', 5 * 10000000000::BIGINT + w.cell_id, c.cell_id, 1, NULL
        FROM cells w JOIN cells c ON c.metric_id = '{relation.count_metric}'
            AND c.area_code = w.area_code AND c.period_end_date = w.period_end_date
            AND c."column" = 'numerator' AND c.breakdown IN ({groups})
        WHERE w.metric_id = '{relation.metric}' AND w."column" = 'numerator'
        """)
    terms = con.execute(
        "WITH terms AS ("
        + " UNION ALL ".join(selects)
        + """)
        SELECT relation, kind, cell_id, coefficient, max(expected) OVER (PARTITION BY relation)
            AS expected, count(*) OVER (PARTITION BY relation) AS found
        FROM terms
        """
    ).df()
    # the whole and every part it expects (for unmet need, the estimate counts in `expected`)
    complete = terms.found == terms.expected + 1
    return terms[complete].drop(columns=["expected", "found"])


def _classify(terms: pd.DataFrame, cells: pd.DataFrame) -> pd.DataFrame:
    """Mark each relation as an equation (holds exactly), an inequality (whole >= parts, as
    when `all` also counts people of unknown substance) or not usable."""
    true_value = cells.true_value.to_numpy()
    terms = terms.assign(weighted=terms.coefficient * true_value[terms.cell_id.to_numpy()])
    residual = terms.groupby("relation")["weighted"].sum()
    kind = terms.groupby("relation")["kind"].first()
    is_bound = kind == "at_most"  # known by definition to be an inequality, never an equation
    is_equation = (residual.abs() < TOLERANCE) & ~is_bound
    is_inequality = (
        ~is_equation
        & (residual > -TOLERANCE)
        & (is_bound | ((residual > 0) & kind.isin(["breakdown", "geography"])))
    )
    mode = pd.Series(np.where(is_equation, "eq", np.where(is_inequality, "ge", "")), residual.index)
    terms = terms.assign(mode=terms.relation.map(mode)).drop(columns="weighted")
    return terms[terms["mode"] != ""]


def overlapping_event_windows(published: pd.DataFrame) -> int:
    """Published windows of an event metric (rule.EVENT_METRICS) that overlap another of the
    same area and breakdown. A 12-month count of events is the sum of 12 monthly counts that are
    never negative, so overlapping windows tie their months together; windows that share no
    month are independent sums, and the monthly model then adds nothing to the relations of
    each window that this audit attacks. So the audit checks the windows, not the months."""
    events = published[published.metric_id.isin(list(rule.EVENT_METRICS))]
    if not len(events):
        return 0
    periods = pd.to_datetime(events.period_end_date)
    months = periods.dt.year * 12 + periods.dt.month
    ordered = (
        events.assign(month_index=months)
        .sort_values(["metric_id", "area_code", "breakdown", "month_index"])
        .groupby(["metric_id", "area_code", "breakdown"])["month_index"]
        .diff()
    )
    return int((ordered < 12).sum())


def _whole_values(low: float, high: float, is_integer: bool) -> int:
    if not is_integer:
        return int(np.floor(high - low + TOLERANCE)) + 1
    return max(0, int(np.floor(high + TOLERANCE) - np.ceil(low - TOLERANCE)) + 1)


def audit(
    published: pd.DataFrame,
    truth: pd.DataFrame,
    compositions: dict[str, tuple[str, ...]],
    memberships: dict[str, tuple[str, ...]],
    solved: dict | None = None,
) -> AuditResult:
    """Attack `published` (the shareable fct_outcomes: ROW_KEY, area_type, unit, numerator,
    denominator, is_suppressed). `truth`: the restricted fct_outcomes (which relations hold);
    `compositions`: composite breakdown -> parts; `memberships`: area -> member authorities,
    as published in dim_area (England -> every authority when England is published).
    `solved`: pass the same dict to the audits of successive rounds of one publication: a group
    of cells whose LP is exactly the same as in an earlier round is not solved again."""
    started = time.perf_counter()
    cells = _cells(published, truth)
    con = duckdb.connect()
    try:
        con.register("cells_frame", cells)
        con.execute("CREATE TEMP TABLE cells AS SELECT * FROM cells_frame")
        terms = _classify(_relation_terms(con, compositions, memberships), cells)
    finally:
        con.close()
    relation_count = int(terms.relation.nunique())
    unknown = cells.is_unknown.to_numpy().copy()
    result = AuditResult(
        suppressed_cells=int(unknown.sum()),
        relations=relation_count,
        overlapping_windows=overlapping_event_windows(published),
    )
    if not unknown.any():
        result.seconds = time.perf_counter() - started
        return result
    value = np.where(unknown, np.nan, cells.shown.to_numpy())
    signed = (
        cells.metric_id.isin(rule.SIGNED_NUMERATOR_METRICS).to_numpy()
        & (cells.column == "numerator").to_numpy()
    )

    def finding(cell: int, low: float, high: float, how: str) -> Finding:
        row = cells.iloc[cell]
        return Finding(
            row.metric_id,
            row.area_code,
            row.breakdown,
            row.period_end_date,
            row.column,
            float(low),
            float(high),
            how,
        )

    # (a) propagation: an equation with one unknown cell gives it away. Only the equations that
    # hold a hidden cell matter; a cell worked out may open the next equation.
    equations = terms[terms["mode"] == "eq"]
    touched = equations.relation.isin(equations.relation[unknown[equations.cell_id.to_numpy()]])
    equations = equations[touched].sort_values(["relation", "cell_id"])
    ids = equations.relation.to_numpy()
    bounds = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1], True])
    members_all = equations.cell_id.to_numpy()
    coefficients_all = equations.coefficient.to_numpy().astype(float)
    relations_of: dict[int, list[int]] = {}
    for r in range(len(bounds) - 1):
        for cell in members_all[bounds[r] : bounds[r + 1]]:
            if unknown[cell]:
                relations_of.setdefault(int(cell), []).append(r)
    queue = list(range(len(bounds) - 1))
    while queue:
        r = queue.pop()
        members = members_all[bounds[r] : bounds[r + 1]]
        coefficients = coefficients_all[bounds[r] : bounds[r + 1]]
        is_open = unknown[members]
        if is_open.sum() != 1:
            continue
        cell = int(members[is_open][0])
        worked_out = -float(np.dot(coefficients[~is_open], value[members[~is_open]]))
        worked_out /= float(coefficients[is_open][0])
        value[cell] = worked_out
        unknown[cell] = False
        result.determined.append(finding(cell, worked_out, worked_out, "propagation"))
        queue.extend(relations_of.get(cell, []))

    # (b) linear programmes over the cells propagation left open
    open_cells = np.flatnonzero(unknown)
    if len(open_cells):
        _bound_by_lp(
            result,
            cells,
            terms,
            value,
            unknown,
            signed,
            open_cells,
            finding,
            {} if solved is None else solved,
        )
    result.seconds = time.perf_counter() - started
    return result


def _bound_by_lp(
    result, cells, terms, value, unknown, signed, open_cells, finding, solved: dict
) -> None:
    import highspy

    column_of = np.full(len(cells), -1)
    column_of[open_cells] = np.arange(len(open_cells))
    n = len(open_cells)
    # every relation that still holds an open cell: sum(k * x) = -constant (or >=)
    terms = terms.assign(is_open=unknown[terms.cell_id.to_numpy()])
    terms = terms[terms.relation.isin(terms.relation[terms.is_open])]
    known = terms[~terms.is_open]
    constant = (known.coefficient * value[known.cell_id.to_numpy()]).groupby(known.relation).sum()
    relations = terms.drop_duplicates("relation")[["relation", "mode"]].sort_values("relation")
    relations["row"] = np.arange(len(relations))
    relations["constant"] = relations.relation.map(constant).fillna(0.0).to_numpy()
    opened = terms[terms.is_open].merge(relations[["relation", "row"]], on="relation")
    rows_lower = -relations.constant.to_numpy()
    rows_upper = np.where(relations["mode"] == "eq", rows_lower, highspy.kHighsInf)
    entries = pd.DataFrame(
        {
            "row": opened.row.to_numpy(),
            "column": column_of[opened.cell_id.to_numpy()],
            "coefficient": opened.coefficient.to_numpy().astype(float),
        }
    )

    lower = np.where(signed[open_cells], -CAP, 0.0)
    upper = np.full(n, CAP)
    # a numerator never exceeds its denominator
    pairs = (
        cells.pivot_table(index=ROW_KEY, columns="column", values="cell_id", aggfunc="first")
        .reindex(columns=["numerator", "denominator"])
        .dropna()
    )
    numerators = pairs["numerator"].to_numpy(dtype=int)
    denominators = pairs["denominator"].to_numpy(dtype=int)
    both = unknown[numerators] & unknown[denominators]
    extra_rows = np.arange(both.sum()) + len(rows_lower)
    entries = pd.concat(
        [
            entries,
            pd.DataFrame(
                {"row": extra_rows, "column": column_of[numerators[both]], "coefficient": -1.0}
            ),
            pd.DataFrame(
                {"row": extra_rows, "column": column_of[denominators[both]], "coefficient": 1.0}
            ),
        ]
    )
    rows_lower = np.r_[rows_lower, np.zeros(both.sum())]
    rows_upper = np.r_[rows_upper, np.full(both.sum(), highspy.kHighsInf)]
    only_numerator = unknown[numerators] & ~unknown[denominators]
    np.minimum.at(upper, column_of[numerators[only_numerator]], value[denominators[only_numerator]])
    only_denominator = ~unknown[numerators] & unknown[denominators]
    np.maximum.at(
        lower, column_of[denominators[only_denominator]], value[numerators[only_denominator]]
    )

    # The relations fall apart into independent groups of cells (an area's families, its
    # partnership, England...): one small LP model per group is far faster than one big one.
    matrix = csc_matrix(
        (
            entries.coefficient.to_numpy(dtype=float),
            (entries.row.to_numpy(dtype=np.int64), entries.column.to_numpy(dtype=np.int64)),
        ),
        shape=(len(rows_lower), n),
    )
    linked = (matrix != 0).astype(np.int8)
    _, group_of_column = connected_components(linked.T @ linked, directed=False)
    by_row = matrix.tocsr()
    group_of_row = group_of_column[by_row.indices[by_row.indptr[:-1]]]
    column_order = np.argsort(group_of_column, kind="stable")
    column_bounds = np.searchsorted(group_of_column[column_order], np.arange(n + 1))
    row_order = np.argsort(group_of_row, kind="stable")
    row_bounds = np.searchsorted(group_of_row[row_order], np.arange(n + 1))

    is_integer = ~signed[open_cells]
    # the true values are a feasible point: every cell can at least take its own value
    truth = cells.true_value.to_numpy()[open_cells]
    low_of, high_of = truth.copy(), truth.copy()
    for group in range(int(group_of_column.max()) + 1 if n else 0):
        columns = column_order[column_bounds[group] : column_bounds[group + 1]]
        rows = row_order[row_bounds[group] : row_bounds[group + 1]]
        if not len(columns):
            continue
        if not len(rows):  # a cell no relation ties: its bounds are its range
            low_of[columns], high_of[columns] = lower[columns], upper[columns]
            continue
        problem = (
            matrix[rows][:, columns].tocsc(),
            rows_lower[rows],
            rows_upper[rows],
            lower[columns],
            upper[columns],
            truth[columns],
            is_integer[columns],
        )
        # the same cells under the same constraints: the same ranges
        key = hashlib.sha256(open_cells[columns].astype(np.int64).tobytes())
        for part in (problem[0].indptr, problem[0].indices, problem[0].data, *problem[1:]):
            key.update(np.ascontiguousarray(part).tobytes())
        key = key.hexdigest()
        if key not in solved:
            solved[key] = _group_ranges(*problem)
            result.lp_solves += solved[key][2]
        low_of[columns], high_of[columns] = solved[key][0], solved[key][1]

    counts = np.array([_whole_values(low_of[c], high_of[c], bool(is_integer[c])) for c in range(n)])
    for column in np.flatnonzero(counts < rule.MIN_FEASIBLE_VALUES):
        cell = int(open_cells[column])
        found = finding(cell, low_of[column], high_of[column], "linear_programme")
        if high_of[column] - low_of[column] < TOLERANCE:
            result.determined.append(found)
        else:
            result.too_narrow.append(found)
    # the narrowest range (for cells settled by feasible points alone, the range seen: the true
    # range is at least that wide)
    result.narrowest_values = int(counts.min())


def _group_ranges(matrix, rows_lower, rows_upper, lower, upper, start, is_integer):
    """The smallest and largest value of each cell of one group (exact where it matters:
    cells seen at values MIN_FEASIBLE_VALUES - 1 apart are settled without their own LPs)."""
    import highspy

    n = matrix.shape[1]
    model = highspy.HighsLp()
    model.num_col_ = n
    model.num_row_ = matrix.shape[0]
    model.col_cost_ = np.zeros(n)
    model.col_lower_ = lower.astype(float)
    model.col_upper_ = upper.astype(float)
    model.row_lower_ = rows_lower.astype(float)
    model.row_upper_ = rows_upper.astype(float)
    model.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    model.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    model.a_matrix_.index_ = matrix.indices.astype(np.int32)
    model.a_matrix_.value_ = matrix.data.astype(float)
    solver = highspy.Highs()
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("random_seed", 0)
    # the same constraints solved again and again with a new objective: start each from the
    # last basis rather than presolving afresh
    solver.setOptionValue("presolve", "off")
    solver.setOptionValue("simplex_strategy", 4)  # primal: the basis stays feasible
    solver.passModel(model)
    low, high = start.copy(), start.copy()
    solves = 0
    everything = np.arange(n, dtype=np.int32)

    def solve(costs: np.ndarray, sense) -> np.ndarray | None:
        nonlocal solves
        solver.changeObjectiveSense(sense)
        solver.changeColsCost(n, everything, costs.astype(float))
        solver.run()
        solves += 1
        if solver.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        point = np.array(solver.getSolution().col_value)
        np.minimum(low, point, out=low)
        np.maximum(high, point, out=high)
        return point

    def settled() -> np.ndarray:
        values = np.where(
            is_integer,
            np.floor(high + TOLERANCE) - np.ceil(low - TOLERANCE),
            high - low,
        )
        return values + 1 >= rule.MIN_FEASIBLE_VALUES

    generator = np.random.default_rng(0)
    for _ in range(SPREAD_ROUNDS):
        open_now = ~settled()
        if not open_now.any():
            break
        for sense in (highspy.ObjSense.kMaximize, highspy.ObjSense.kMinimize):
            solve(np.where(open_now, generator.choice([-1.0, 1.0], n), 0.0), sense)
    for column in np.flatnonzero(~settled()):
        if settled()[column]:
            continue  # settled on the way by another cell's LP
        costs = np.zeros(n)
        costs[column] = 1.0
        if solve(costs, highspy.ObjSense.kMaximize) is None:
            high[column] = upper[column]  # unbounded: as wide as the cap
        if settled()[column]:
            continue
        if solve(costs, highspy.ObjSense.kMinimize) is None:
            low[column] = lower[column]
    return low, high, solves
