"""Primary and complementary suppression of the long-format outcomes (fct_outcomes).

Every published count is a *cell*: the numerator of each row, and the denominator of each rate
whose denominator is a count of people or journeys (`rule.PUBLIC_DENOMINATOR_METRICS` are
public figures and never hidden). The counts of `rule.PUBLIC_METRICS` (police-recorded crime,
which police.uk publishes row by row) are public figures too: no cell of theirs is ever
hidden. The relations a reader knows are linear equations over the cells, each summing to
zero:

- breakdowns: `all` = its substance groups; a PHOF grouping = its substance groups;
- geography: a partnership = its member authorities; England = its authorities (when the data
  builds England's rows);
- across metrics (`rule`): the same number published twice, the three-year deaths of the
  standardised rate, unmet need = estimate - people in treatment, and so `all` = the groups
  outside unmet need's + (estimate - unmet need) for each.

The inequalities by definition (`rule.AT_MOST`: new presentations <= adults in treatment,
deaths in treatment + unplanned exits <= discharges) enter in three ways: a hidden cell under a
published zero takes the zero with it; a hidden cell counts in an equation by how far it can
move down (its value less the published counts it bounds); and where the audit finds a cell
too narrow, what bounds it is hidden too. Cells an earlier publication published (`fixed`)
stay as they were, and the rest is decided around them.

`decide` takes these steps in order (each a function below):

1. `build_equations`: the relations between the cells, as equations, and the bounds.
2. `carry_earlier_publication`: what an earlier publication hid stays hidden, and what it
   showed stays shown (unless that publication is withdrawn: see `shareable.protect`).
   `show_worked_out_zeros`: the zeros the last audit worked out exactly, when nothing else
   failed it, are shown (see `shareable.protect`).
3. `primary_suppression`: every count of 1 to 4 is hidden (and the numerator with a hidden
   denominator).
4. `complementary_suppression`: every equation that holds a hidden cell is visited, and one
   more cell hidden while the equation would give a hidden cell away: a single hidden cell, or
   hidden cells of one sign whose sum is under MIN_FEASIBLE_VALUES - 1 (then each could only
   take a few values). It repeats, equation after equation, until nothing changes, so the
   relations are protected together (a cell protected in its family and given away through
   geography, or the other way round, is caught). The cell to add is the first by
   `rule.COMPLEMENTARY_PREFERENCE`: to lose as little as possible, and the same way every time.
5. `widen_audited_cells`: around each cell the audit found too narrow, what bounds it and one
   more cell of each of its equations are hidden; then step 4 again.

A suppressed row publishes no value, interval or comparison. Its denominator stays published
unless the denominator itself is a protected cell.
"""

import heapq
import itertools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipelines.disclosure import rule

KEY = ["metric_id", "area_code", "breakdown", "period_end_date"]
COLUMNS = ("numerator", "denominator")


@dataclass
class Decisions:
    """Which cells are hidden, and why (restricted: the publication shows only that a cell is
    suppressed)."""

    rows: pd.DataFrame  # KEY + hide_numerator, hide_denominator, reason
    primary_cells: int
    secondary_cells: int
    equations: int
    equations_not_holding: int  # declared relations the data does not satisfy (left out)
    reasons: Counter = field(default_factory=Counter)
    carried_cells: int = 0  # hidden because an earlier publication hid them

    @property
    def hidden_cells(self) -> int:
        return self.primary_cells + self.secondary_cells + self.carried_cells

    @property
    def suppressed_rows(self) -> int:
        return int((self.rows.hide_numerator | self.rows.hide_denominator).sum())


@dataclass(eq=False)
class _Table:
    """Every cell of one table, the equations and bounds between them, and which cells are
    hidden so far (what the steps of `decide` read and change). Cell i is row i's numerator,
    cell n + i its denominator. Plain lists rather than arrays: the steps visit them hundreds of
    thousands of times, where numpy's per-call overhead costs more than it saves."""

    n: int  # rows
    equations: int
    equations_not_holding: int
    kinds: list[str]  # per equation: the kind of relation it comes from
    # the terms of equation e are eq_cells[eq_start[e]:eq_start[e + 1]], with their coefficients
    eq_start: list[int]
    eq_cells: list[int]
    eq_coefficients: list[int]
    # the equations cell c is in: cell_equations[cell_start[c]:cell_start[c + 1]]
    cell_equations: list[int]
    cell_start: list[int]
    bound_of: dict[int, list[int]]  # a part -> the wholes that bound it from above
    parts_under: dict[int, list[tuple[int, ...]]]  # a whole -> its groups of parts
    cell_of: pd.Series  # (KEY..., column) -> cell
    # per cell
    value_of: list[float]
    values: np.ndarray
    is_signed: list[bool]  # may be negative (no lower bound)
    hideable: np.ndarray
    # per row
    over_zero: list[bool]  # the denominator is 0, so the numerator is 0 too
    public_denominator: np.ndarray  # a population or prevalence estimate
    is_total: list[bool]
    is_home: list[bool]
    # how far the hidden cells of one sign in an equation must be able to move between them
    enough: int
    # the parts of the sort key that chooses a complementary cell (rule.COMPLEMENTARY_PREFERENCE)
    ranking: tuple[Callable, ...]
    # the pattern so far
    is_fixed: np.ndarray = field(init=False)  # per cell: an earlier publication settled it
    can_hide: list[bool] = field(init=False)  # per cell: hideable and not fixed
    hidden: list[bool] = field(init=False)
    reason: dict[int, str] = field(default_factory=dict)  # per hidden cell: the first reason
    hidden_in: list[int] = field(init=False)  # per equation: its hidden cells
    pending: list[int] = field(default_factory=list)  # equations to look at (a heap)
    queued: set[int] = field(default_factory=set)
    unprotectable: set[int] = field(default_factory=set)  # no cell left to hide in them

    def __post_init__(self) -> None:
        self.is_fixed = np.zeros(2 * self.n, bool)
        self.can_hide = self.hideable.tolist()
        self.hidden = [False] * (2 * self.n)
        self.hidden_in = [0] * self.equations


def decide(
    outcomes: pd.DataFrame,
    compositions: dict[str, tuple[str, ...]],
    memberships: dict[str, tuple[str, ...]],
    widen: list[tuple] = (),
    home_areas: frozenset[str] = frozenset(),
    fixed: pd.DataFrame | None = None,
    shown_zeros: frozenset[tuple] = frozenset(),
) -> Decisions:
    """Which cells of `outcomes` (restricted fct_outcomes: KEY, unit, numerator, denominator)
    to hide. `compositions`: a composite breakdown -> its parts; `memberships`: a partnership
    or England -> its member authorities. `widen`: cells (KEY + column) that an audit found
    too narrow: one more cell is hidden in an equation of each. `home_areas`: the areas whose
    figures the partnership reports on, hidden last among equal choices. `fixed`: rows (KEY,
    hide_numerator, hide_denominator, optionally keep_shown) an earlier publication already
    published: their cells stay as they were (a reader has them), and only the other cells may
    be hidden to protect them; where keep_shown is False, only the hidden ones stay.
    `shown_zeros`: cells (KEY + column) an audit worked out exactly as zero: published as zero."""
    outcomes = _in_fixed_order(outcomes)
    table = build_equations(outcomes, compositions, memberships, home_areas)
    carried = carry_earlier_publication(table, outcomes, fixed)
    show_worked_out_zeros(table, shown_zeros)
    primary = primary_suppression(table)
    complementary_suppression(table)
    widen_audited_cells(table, widen)
    complementary_suppression(table)
    return _decisions(table, outcomes, carried=carried, primary=primary)


# ---------------------------------------------------------------------------------------------
# the steps, in the order `decide` takes them


def _in_fixed_order(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Put the rows in a fixed order, so that the same input always gives the same pattern."""
    # whatever order they came in; and an area's pattern does not change when other areas' rows
    # are added
    outcomes = outcomes.copy()
    outcomes["period_end_date"] = pd.to_datetime(outcomes["period_end_date"])
    return outcomes.sort_values(KEY, kind="stable").reset_index(drop=True)


def build_equations(
    outcomes: pd.DataFrame,
    compositions: dict[str, tuple[str, ...]],
    memberships: dict[str, tuple[str, ...]],
    home_areas: frozenset[str] = frozenset(),
) -> _Table:
    """Write each relation between published cells as an equation; note each bound too."""
    # which relations: see the module's docstring; an equation the data does not satisfy
    # exactly is left out (counted in equations_not_holding)
    n = len(outcomes)
    values = np.concatenate([outcomes[c].astype("float64").to_numpy() for c in COLUMNS])
    traits = _traits(outcomes)
    equations, not_holding = _compress(_terms(outcomes, compositions, memberships), values)
    m = len(equations.kinds)
    # cell -> equations, compressed the same way
    order = np.argsort(equations.cells, kind="stable")
    equation_of_term = np.repeat(np.arange(m), np.diff(equations.start))
    bound_of: dict[int, list[int]] = {}
    parts_under: dict[int, list[tuple[int, ...]]] = {}
    for whole, parts in _bounds(outcomes):
        parts_under.setdefault(whole, []).append(parts)
        for part in parts:
            bound_of.setdefault(part, []).append(whole)
    return _Table(
        n=n,
        equations=m,
        equations_not_holding=not_holding,
        kinds=equations.kinds,
        eq_start=equations.start.tolist(),
        eq_cells=equations.cells.tolist(),
        eq_coefficients=equations.coefficients.tolist(),
        cell_equations=equation_of_term[order].tolist(),
        cell_start=np.searchsorted(equations.cells[order], np.arange(2 * n + 1)).tolist(),
        bound_of=bound_of,
        parts_under=parts_under,
        cell_of=_cell_frame(outcomes).set_index([*KEY, "column"])["cell"],
        value_of=values.tolist(),
        values=values,
        is_signed=traits.signed.tolist(),
        hideable=traits.hideable,
        over_zero=traits.over_zero.tolist(),
        public_denominator=traits.public_denominator,
        # totals are what most readers look at first: hidden only when nothing else will do
        is_total=(outcomes["breakdown"] == rule.TOTAL_BREAKDOWN).tolist(),
        is_home=outcomes["area_code"].isin(home_areas).tolist(),
        enough=rule.MIN_FEASIBLE_VALUES - 1,
        ranking=_ranking(),
    )


def carry_earlier_publication(
    table: _Table, outcomes: pd.DataFrame, fixed: pd.DataFrame | None
) -> int:
    """Keep every cell an earlier publication published as it was there, hidden or shown."""
    # hidden there, hidden here (with no other effect: that publication already hid what they
    # imply); shown there, shown here, except in a row whose `keep_shown` is False (an earlier
    # publication that gave cells away is withdrawn: its shown cells may be hidden now).
    # Returns how many cells stay hidden.
    n = table.n
    if fixed is not None and len(fixed):
        rows = outcomes[KEY].reset_index().merge(_keyed(fixed), on=KEY)
        keep_shown = (
            rows["keep_shown"].to_numpy(bool)
            if "keep_shown" in rows
            else np.ones(len(rows), dtype=bool)
        )
        for column, offset in (("hide_numerator", 0), ("hide_denominator", n)):
            cells = rows["index"].to_numpy() + offset
            was_hidden = rows[column].to_numpy(bool)
            table.is_fixed[cells[was_hidden | keep_shown]] = True
            for cell in cells[was_hidden].tolist():
                if not table.hidden[cell]:
                    _mark_hidden(table, cell, "carried")
    table.can_hide = (table.hideable & ~table.is_fixed).tolist()
    return sum(table.hidden)


def show_worked_out_zeros(table: _Table, shown_zeros: frozenset[tuple]) -> None:
    """Publish as zero the hidden zeros an audit worked out exactly: they protect nothing."""
    # The rule: "a zero that protects nothing is published as zero". A cell every feasible
    # reading of the publication puts at zero tells a reader nothing more when shown, and the
    # other hidden cells keep exactly the ranges they had (the feasible set is the same); hidden,
    # it would fail the audit in every round however much more were hidden around it.
    for metric, area, breakdown, period, column in shown_zeros:
        key = (metric, area, breakdown, pd.Timestamp(period), column)
        if key in table.cell_of.index:
            cell = int(table.cell_of[key])
            if table.value_of[cell] == 0 and not table.is_fixed[cell]:
                table.is_fixed[cell] = True
                table.can_hide[cell] = False


def primary_suppression(table: _Table) -> int:
    """Hide every small number, and whatever would give one away at once."""
    # a small number: a count from rule.SMALL_NUMBER_MIN to SMALL_NUMBER_MAX, wherever it is
    # published, and a rate whose public denominator is one. Returns how many cells it hid.
    n, before = table.n, sum(table.hidden)
    values, hideable, is_fixed = table.values, table.hideable, table.is_fixed
    small = (values >= rule.SMALL_NUMBER_MIN) & (values <= rule.SMALL_NUMBER_MAX)
    public_small_denominator = table.public_denominator & small[n:]
    for cell in np.flatnonzero(small & hideable & ~is_fixed).tolist():
        _hide(table, cell, "primary")
    for row in np.flatnonzero(public_small_denominator & hideable[:n] & ~is_fixed[:n]).tolist():
        _hide(table, row, "primary")
    return sum(table.hidden) - before


def complementary_suppression(table: _Table) -> None:
    """Hide one more cell in any equation that would give a hidden cell away, until none does."""
    # the cell is the first by rule.COMPLEMENTARY_PREFERENCE (`_hide_one_more`); an equation
    # with no cell left to hide is left as it is (the audit then has the last word)
    pending, queued, unprotectable = table.pending, table.queued, table.unprotectable
    while pending:
        e = heapq.heappop(pending)
        queued.discard(e)
        if e in unprotectable or _is_protected(table, e):
            continue
        if _hide_one_more(table, e, f"secondary:{table.kinds[e]}"):
            _queue(table, e)  # look again: one more may be needed
        else:
            unprotectable.add(e)


def widen_audited_cells(table: _Table, widen: list[tuple]) -> None:
    """Hide more around each cell the audit found too narrow: its bounds and its equations."""
    n = table.n
    for metric, area, breakdown, period, column in widen:
        key = (metric, area, breakdown, pd.Timestamp(period), column)
        if key not in table.cell_of.index:
            continue
        cell = int(table.cell_of[key])
        # the audit bounded this cell: open every bound it can have, its row's denominator
        # (numerator <= denominator) and one more cell in each of its equations
        if cell < n and table.can_hide[cell + n] and not table.hidden[cell + n]:
            _hide(table, cell + n, "secondary:audit_denominator")
        # and what bounds it by definition, from above and from below
        below = [p for parts in table.parts_under.get(cell, ()) for p in parts]
        for bound in (*table.bound_of.get(cell, ()), *below):
            _hide(table, bound, "secondary:audit_bound")
        for e in table.cell_equations[table.cell_start[cell] : table.cell_start[cell + 1]]:
            _hide_one_more(table, int(e), f"secondary:audit_{table.kinds[e]}")


def _decisions(table: _Table, outcomes: pd.DataFrame, carried: int, primary: int) -> Decisions:
    """The pattern as rows (what each hides, and why) and counts."""
    n, hidden, reason = table.n, table.hidden, table.reason
    rows = outcomes[KEY].copy()
    rows["hide_numerator"] = hidden[:n]
    rows["hide_denominator"] = hidden[n:]
    rows["reason"] = [
        reason.get(i + n, reason.get(i)) if hidden[i] or hidden[i + n] else None for i in range(n)
    ]
    return Decisions(
        rows=rows,
        primary_cells=primary,
        secondary_cells=sum(hidden) - primary - carried,
        carried_cells=carried,
        equations=table.equations,
        equations_not_holding=table.equations_not_holding,
        reasons=Counter(reason.values()),
    )


# ---------------------------------------------------------------------------------------------
# hiding a cell, and when an equation is protected


def _queue(table: _Table, e: int) -> None:
    if e not in table.queued:
        table.queued.add(e)
        heapq.heappush(table.pending, e)


def _mark_hidden(table: _Table, cell: int, why: str) -> None:
    """Hide one cell, and queue its equations to be looked at again."""
    table.hidden[cell] = True
    table.reason[cell] = why
    hidden_in = table.hidden_in
    for e in table.cell_equations[table.cell_start[cell] : table.cell_start[cell + 1]]:
        hidden_in[e] += 1
        _queue(table, e)


def _hide(table: _Table, cell: int, why: str) -> None:
    """Hide a cell (if it may be hidden), and what would give it away at once."""
    if table.hidden[cell] or not table.can_hide[cell]:
        return
    _mark_hidden(table, cell, why)
    n = table.n
    if cell >= n:  # a hidden denominator hides its numerator too (numerator <= denominator)
        _hide(table, cell - n, "denominator_hidden")
    elif table.over_zero[cell]:  # a numerator over a zero is known unless the zero is hidden too
        _hide(table, cell + n, "numerator_over_zero")
    for bound in table.bound_of.get(cell, ()):  # likewise a count under a zero (rule.AT_MOST)
        if table.value_of[bound] == 0:
            _hide(table, bound, "under_zero")


def _slack(table: _Table, cell: int) -> float:
    """How far a hidden cell can move down: to 0, or to the largest published count it bounds
    from above, or their sum (rule.AT_MOST: a hidden 7 over a published 5 has 2 values below)."""
    hidden, value_of = table.hidden, table.value_of
    floor = max(
        (
            sum(value_of[p] for p in parts if not hidden[p])
            for parts in table.parts_under.get(cell, ())
        ),
        default=0.0,
    )
    return value_of[cell] - floor


def _is_protected(table: _Table, e: int) -> bool:
    """Whether equation e gives none of its hidden cells away."""
    if table.hidden_in[e] == 0:
        return True
    if table.hidden_in[e] == 1:
        return False
    hidden, eq_cells, is_signed = table.hidden, table.eq_cells, table.is_signed
    eq_coefficients = table.eq_coefficients
    positive = negative = False
    mass = 0.0
    for t in range(table.eq_start[e], table.eq_start[e + 1]):
        cell = eq_cells[t]
        if not hidden[cell]:
            continue
        if is_signed[cell]:
            return True  # a cell with no lower bound: the others are not pinned by this one
        if eq_coefficients[t] > 0:
            positive = True
        else:
            negative = True
        mass += _slack(table, cell)
    if positive and negative:
        return True
    return mass >= table.enough


def _hide_one_more(table: _Table, e: int, why: str) -> bool:
    """Hide the cell of equation e that rule.COMPLEMENTARY_PREFERENCE prefers (False: none is
    left to hide)."""
    hidden, can_hide = table.hidden, table.can_hide
    cells = table.eq_cells[table.eq_start[e] : table.eq_start[e + 1]]
    candidates = [c for c in cells if can_hide[c] and not hidden[c]]
    if not candidates:
        return False
    mass = sum(_slack(table, c) for c in cells if hidden[c])
    ranking = table.ranking

    def preference(cell: int) -> tuple:
        return tuple([rank(table, e, cell, mass) for rank in ranking])

    _hide(table, min(candidates, key=preference), why)
    return True


# ---------------------------------------------------------------------------------------------
# the preferences that choose a complementary cell: each ranks a candidate `cell` for equation
# `e` (whose hidden cells can already move `mass` between them); the smallest rank is preferred


def _protects_the_relation_at_once(table: _Table, e: int, cell: int, mass: float) -> bool:
    settles = mass + _slack(table, cell) >= table.enough or table.is_signed[cell]
    return not settles


def _not_a_zero(table: _Table, e: int, cell: int, mass: float) -> bool:
    return table.value_of[cell] <= 0


def _not_a_total(table: _Table, e: int, cell: int, mass: float) -> bool:
    return table.is_total[cell % table.n]


def _not_the_home_area(table: _Table, e: int, cell: int, mass: float) -> bool:
    return table.is_home[cell % table.n]


def _fewest_new_relations_opened(table: _Table, e: int, cell: int, mass: float) -> int:
    others = table.cell_equations[table.cell_start[cell] : table.cell_start[cell + 1]]
    hidden_in = table.hidden_in
    return sum(1 for o in others if o != e and hidden_in[o] == 0)


def _in_a_row_already_suppressed(table: _Table, e: int, cell: int, mass: float) -> bool:
    row = cell % table.n
    return not (table.hidden[row] or table.hidden[row + table.n])


def _smallest(table: _Table, e: int, cell: int, mass: float) -> float:
    return table.value_of[cell]


def _fixed_order(table: _Table, e: int, cell: int, mass: float) -> int:
    return cell


PREFERENCES: dict[str, Callable[[_Table, int, int, float], object]] = {
    "protects_the_relation_at_once": _protects_the_relation_at_once,
    "not_a_zero": _not_a_zero,
    "not_a_total": _not_a_total,
    "not_the_home_area": _not_the_home_area,
    "fewest_new_relations_opened": _fewest_new_relations_opened,
    "in_a_row_already_suppressed": _in_a_row_already_suppressed,
    "smallest": _smallest,
    "fixed_order": _fixed_order,
}


def _ranking() -> tuple[Callable, ...]:
    """The parts of the sort key, in the order of rule.COMPLEMENTARY_PREFERENCE."""
    names = [name for name, _ in rule.COMPLEMENTARY_PREFERENCE]
    unknown = [name for name in names if name not in PREFERENCES]
    if unknown:
        raise ValueError(f"rule.COMPLEMENTARY_PREFERENCE names no known preference: {unknown}")
    return tuple(PREFERENCES[name] for name in names)


# ---------------------------------------------------------------------------------------------
# the equations: built from the rows, the compositions, the memberships and `rule`


@dataclass
class _Equations:
    """Equations in compressed form: the terms of equation e are cells[start[e]:start[e+1]]."""

    start: np.ndarray
    cells: np.ndarray
    coefficients: np.ndarray
    kinds: list[str]


def _keyed(rows: pd.DataFrame) -> pd.DataFrame:
    rows = rows.copy()
    rows["period_end_date"] = pd.to_datetime(rows["period_end_date"])
    return rows


def _cell_frame(outcomes: pd.DataFrame) -> pd.DataFrame:
    """One row per (row, column) cell with its index and value."""
    n = len(outcomes)
    frames = []
    for offset, column in enumerate(COLUMNS):
        frame = outcomes[KEY].copy()
        frame["column"] = column
        frame["cell"] = np.arange(n) + offset * n
        frame["value"] = outcomes[column].astype("float64").to_numpy()
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _family_equations(compositions: dict[str, tuple[str, ...]]) -> list[tuple[str, tuple]]:
    """The declared compositions, and the ones they imply that a reader would use first: the
    total = a grouping of several groups + every group outside it (e.g. all = opiate +
    phof_non_opiate + alcohol_only). Checking each equation alone would miss a grouping given
    away by the total minus the groups beside it."""
    equations = [(whole, tuple(parts)) for whole, parts in sorted(compositions.items())]
    total = compositions.get(rule.TOTAL_BREAKDOWN)
    if total:
        for whole, parts in sorted(compositions.items()):
            if whole != rule.TOTAL_BREAKDOWN and len(parts) > 1 and set(parts) <= set(total):
                outside = tuple(g for g in total if g not in parts)
                equations.append((rule.TOTAL_BREAKDOWN, (whole, *outside)))
    return equations


# An equation's label is one integer (quick to group, sort and look up at 390,000 rows): its
# kind, then for a family equation its rule, then the cell it is written for. Equations are
# visited in label order, which decides ties. Kinds are numbered in the order of their names
# and family rules in the order of their positions as text ("10" before "2"): the order the
# suppression has always used, so the pattern is the same as it was with text labels.
_KIND_ORDER = (
    "breakdown",
    "geography",
    "same_number",
    "unmet_need",
    "three_year_deaths",
    "unmet_need_family",
)
_RULE_FACTOR = 10**12  # more than the cells of any table
_KIND_FACTOR = 10**15  # more than _RULE_FACTOR times the rules


def _label(kind: str, cell: pd.Series, rule_id: pd.Series | int = 0) -> pd.Series:
    return _KIND_ORDER.index(kind) * _KIND_FACTOR + rule_id * _RULE_FACTOR + cell


def _terms(
    outcomes: pd.DataFrame,
    compositions: dict[str, tuple[str, ...]],
    memberships: dict[str, tuple[str, ...]],
) -> pd.DataFrame:
    """Every equation as rows (equation label, cell, coefficient)."""
    cells = _cell_frame(outcomes)
    parts = []

    def add(kind: str, whole: pd.DataFrame, members: pd.DataFrame, member_sign: int = -1):
        # whole: KEY + column + eq (one row per equation); members: same columns, many per eq
        whole = whole.assign(kind=kind, coefficient=1)
        members = members.assign(kind=kind, coefficient=member_sign)
        parts.append(pd.concat([whole, members], ignore_index=True))

    # breakdown families and PHOF groupings: the composite = the sum of its parts
    family_equations = _family_equations(compositions)
    # rules numbered in the order of their positions as text ("10" before "2"): see _label
    in_label_order = sorted(range(len(family_equations)), key=lambda position: f"{position}:")
    composition = pd.DataFrame(
        [
            (rule_id, whole, part)
            for rule_id, position in enumerate(in_label_order)
            for whole, members in [family_equations[position]]
            for part in members
        ],
        columns=["rule_id", "breakdown", "part"],
    )
    wholes = cells.merge(composition[["rule_id", "breakdown"]].drop_duplicates(), on="breakdown")
    wholes["eq"] = _label("breakdown", wholes["cell"], wholes["rule_id"])
    members = wholes[["metric_id", "area_code", "period_end_date", "column", "eq", "rule_id"]]
    members = members.merge(composition[["rule_id", "part"]], on="rule_id").drop(columns="rule_id")
    members = members.rename(columns={"part": "breakdown"})
    add("breakdown", wholes[[*KEY, "column", "eq"]], members)

    # geography: a partnership (or England) = its member authorities
    membership = pd.DataFrame(
        [(area, member) for area, members in memberships.items() for member in members],
        columns=["area_code", "member"],
    )
    wholes = cells.merge(membership[["area_code"]].drop_duplicates(), on="area_code")
    wholes["eq"] = _label("geography", wholes["cell"])
    members = wholes[["metric_id", "breakdown", "period_end_date", "column", "eq", "area_code"]]
    members = members.merge(membership, on="area_code").drop(columns="area_code")
    members = members.rename(columns={"member": "area_code"})
    add("geography", wholes[[*KEY, "column", "eq"]], members)

    # the same number published in two places
    for relation in rule.SAME_NUMBERS:
        wholes = cells[(cells.metric_id == relation.metric) & (cells.column == relation.column)]
        wholes = wholes.assign(eq=_label("same_number", wholes["cell"]))
        others = wholes[[*KEY, "eq"]].assign(metric_id=relation.other_metric, column="numerator")
        add("same_number", wholes[[*KEY, "column", "eq"]], others)

    # the three-year deaths of the standardised rate
    for relation in rule.CALENDAR_YEAR_SUMS:
        wholes = cells[
            (cells.metric_id == relation.metric)
            & (cells.column == "numerator")
            & (cells.period_end_date.dt.month == 12)
        ]
        wholes = wholes.assign(eq=_label("three_year_deaths", wholes["cell"]))
        years = []
        for back in range(relation.years):
            shifted = wholes[[*KEY, "eq"]].assign(
                metric_id=relation.part_metric, column="numerator"
            )
            shifted["period_end_date"] = shifted["period_end_date"] - pd.DateOffset(years=back)
            years.append(shifted)
        add("three_year_deaths", wholes[[*KEY, "column", "eq"]], pd.concat(years))

    # unmet need: numerator - estimate + people in treatment = 0
    for relation in rule.ESTIMATE_MINUS_COUNTS:
        wholes = cells[(cells.metric_id == relation.metric) & (cells.column == "numerator")]
        wholes = wholes.assign(eq=_label("unmet_need", wholes["cell"]))
        estimate = wholes[[*KEY, "eq"]].assign(column="denominator", coefficient=-1)
        counts = pd.concat(
            wholes[[*KEY, "eq"]].assign(
                metric_id=relation.count_metric, breakdown=group, column="numerator"
            )
            for group in relation.groups
        )
        add("unmet_need", wholes[[*KEY, "column", "eq"]], counts, member_sign=1)
        parts.append(estimate.assign(kind="unmet_need"))

    # unmet need publishes the people in treatment of its groups as estimate - unmet need: a
    # grouping of the people in treatment, so the total = the groups outside one or more of
    # them + (estimate - unmet need) of each (Rutland's all - opiate - the alcohol groups' sum
    # gives its non-opiate-only adults away when only the families are protected one by one)
    parts.extend(_unmet_need_family_terms(cells, compositions))

    terms = pd.concat(parts, ignore_index=True)
    terms = terms.merge(cells[[*KEY, "column", "cell"]], on=[*KEY, "column"], how="left")
    return terms[["eq", "kind", "cell", "coefficient"]]


def _unmet_need_family_terms(
    cells: pd.DataFrame, compositions: dict[str, tuple[str, ...]]
) -> list[pd.DataFrame]:
    total_groups = compositions.get(rule.TOTAL_BREAKDOWN, ())
    relations = rule.ESTIMATE_MINUS_COUNTS
    combinations = [
        combo
        for size in range(1, len(relations) + 1)
        for combo in itertools.combinations(relations, size)
        if len({r.count_metric for r in combo}) == 1
        and {g for r in combo for g in r.groups} <= set(total_groups)
    ]
    parts = []
    for rule_id, combo in enumerate(combinations):
        covered = {g for r in combo for g in r.groups}
        anchor = cells[(cells.metric_id == combo[0].metric) & (cells.column == "numerator")]
        anchor = anchor[KEY].assign(metric_id=combo[0].count_metric, column="numerator")
        wholes = anchor.merge(cells[[*KEY, "column", "cell"]], on=[*KEY, "column"])
        wholes = wholes.assign(eq=_label("unmet_need_family", wholes["cell"], rule_id))
        keyed = wholes[[*KEY, "eq"]]
        terms = [wholes[[*KEY, "column", "eq"]].assign(coefficient=1)]
        for group in total_groups:
            if group not in covered:
                terms.append(keyed.assign(breakdown=group, column="numerator", coefficient=-1))
        for relation in combo:
            same = keyed.assign(metric_id=relation.metric)
            terms.append(same.assign(column="denominator", coefficient=-1))  # the estimate
            terms.append(same.assign(column="numerator", coefficient=1))  # unmet need
        parts.append(pd.concat(terms, ignore_index=True).assign(kind="unmet_need_family"))
    return parts


def _bounds(outcomes: pd.DataFrame) -> list[tuple[int, tuple[int, ...]]]:
    """(whole, parts): cells whose sum is at most the whole's by definition (rule.AT_MOST, same
    area, breakdown and period)."""
    cells = _cell_frame(outcomes)
    same = ["area_code", "breakdown", "period_end_date"]
    bounds = []
    for relation in rule.AT_MOST:
        metric, column = relation.whole
        joined = cells.loc[(cells.metric_id == metric) & (cells.column == column), [*same, "cell"]]
        for number, (metric, column) in enumerate(relation.parts):
            part = cells.loc[
                (cells.metric_id == metric) & (cells.column == column), [*same, "cell"]
            ]
            joined = joined.merge(part, on=same, suffixes=("", f"_{number}"))
        part_columns = [f"cell_{n}" for n in range(len(relation.parts))]
        for row in joined[["cell", *part_columns]].itertuples(index=False):
            bounds.append((row[0], tuple(row[1:])))
    return bounds


def _compress(terms: pd.DataFrame, values: np.ndarray) -> tuple[_Equations, int]:
    """Keep the equations whose every cell exists and that hold exactly in the data."""
    terms = terms.copy()
    missing = terms["cell"].isna()
    cell = terms["cell"].fillna(0).astype("int64").to_numpy()
    terms["value"] = np.where(missing, np.nan, values[cell])
    terms["cell"] = cell
    terms["weighted"] = terms["coefficient"] * terms["value"]
    grouped = terms.groupby("eq", sort=True)
    defined = grouped["value"].count() == grouped.size()
    residual = grouped["weighted"].sum()
    holds = defined & (residual.abs() < 1e-9)
    not_holding = int((defined & ~holds).sum())
    kept = terms[terms["eq"].isin(holds[holds].index)].sort_values(["eq", "cell"])
    sizes = kept.groupby("eq", sort=True).size().to_numpy()
    kinds = kept.groupby("eq", sort=True)["kind"].first().tolist()
    start = np.concatenate([[0], np.cumsum(sizes)])
    return (
        _Equations(
            start,
            kept["cell"].to_numpy(dtype="int64"),
            kept["coefficient"].to_numpy(dtype="int64"),
            kinds,
        ),
        not_holding,
    )


@dataclass(frozen=True)
class _Traits:
    hideable: np.ndarray  # per cell: may be hidden
    signed: np.ndarray  # per cell: may be negative (no lower bound)
    over_zero: np.ndarray  # per row: the denominator is 0, so the numerator is 0 too
    public_denominator: np.ndarray  # per row: a population or prevalence estimate


def _traits(outcomes: pd.DataFrame) -> _Traits:
    n = len(outcomes)
    is_count = (outcomes["unit"] == "count").to_numpy()
    public_denominator = (
        outcomes["metric_id"].isin(rule.PUBLIC_DENOMINATOR_METRICS).to_numpy() & ~is_count
    )
    # public figures (police-recorded crime): no cell of theirs is hidden
    is_public = outcomes["metric_id"].isin(rule.PUBLIC_METRICS).to_numpy()
    denominator_hideable = (
        outcomes["denominator"].notna().to_numpy() & ~public_denominator & ~is_count & ~is_public
    )
    # a numerator over a published zero is zero, hidden or not: it can only be hidden with its
    # denominator (see `decide`)
    over_zero = (outcomes["denominator"] == 0).fillna(False).to_numpy()
    hideable = np.concatenate(
        [
            outcomes["numerator"].notna().to_numpy()
            & (~over_zero | denominator_hideable)
            & ~is_public,
            denominator_hideable,
        ]
    )
    signed = np.concatenate(
        [outcomes["metric_id"].isin(rule.SIGNED_NUMERATOR_METRICS).to_numpy(), np.zeros(n, bool)]
    )
    return _Traits(hideable, signed, over_zero, public_denominator)
