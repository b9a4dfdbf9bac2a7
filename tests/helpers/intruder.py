"""A determined intruder's attack on a publication (`fct_outcomes` + `dim_area`), for the tests.

Written from `metrics.md` (the metric definitions and "Disclosure control: two tiers"),
`raw-data.md` and the published files only, without reading the suppression code, so that it
is an independent check of the suppression. The intruder knows:

- every published cell; a suppressed row's numerator (and its denominator where that is NULL
  too) is an unknown whole number >= 0 (a hidden zero is possible); an absent row is unknown,
  never a constraint;
- every relation and inequality that holds by the definitions (the lists `SAME_COUNT`,
  `SUBSET_RATES`, `SUBSETS`, `SERIES`, ... below, each with the definition it follows from);
- time: a 12-month count of events is the sum of 12 monthly counts that are never negative;
- every earlier publication: a revised cell is itself a count, and a cell shown in an earlier
  publication is known.

It writes all of this as one system of linear constraints over whole numbers, splits it into
connected components and bounds every hidden cell with HiGHS: LP first (each bound warm-started
from the last basis), then MILP where the LP range holds fewer than `MILP_BELOW` whole values
and an LP end is not a whole solution. A cell is a finding when its feasible range holds fewer
than `THRESHOLD` whole values; an unpublished window the time attack narrows is one when it
can moreover hold a count of 1 to 4. Every range is sound (it holds every value the published
figures allow); a component of more than `BIG` unknowns (England ties every authority together)
is bounded block by block after bound propagation, which may leave its ranges a little wider.
Solver output is off and the results are deterministic.

Earlier publications: a cell shown in both with another value is a 'revision' finding; a cell
shown in an earlier one is known only where its row was final there (`is_provisional` false):
a provisional value may since have been revised, so it says nothing certain about today's.

    pub = load(marts_dir)
    attack_relations(pub); attack_time(pub); attack_revisions(earlier, pub)
    attack_all(pub, earlier)            # the three, one finding per cell (the narrowest)
    score(findings, truth)              # each range against the exact values
"""

from __future__ import annotations

import calendar
import math
import warnings
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import highspy
import numpy as np
import pandas as pd

THRESHOLD = 5  # a hidden cell narrowed to fewer than 5 whole values is a finding
MILP_BELOW = 10  # LP ranges of fewer whole values than this are tightened by integrality
EPS = 1e-6

GROUPS = ("opiate", "non_opiate_only", "non_opiate_and_alcohol", "alcohol_only")
# metrics.md "Who is counted where": PHOF groupings
PHOF = {
    "phof_opiate": ("opiate",),
    "phof_non_opiate": ("non_opiate_only", "non_opiate_and_alcohol"),
    "phof_alcohol": ("alcohol_only",),
}
NUM, DEN = "numerator", "denominator"
AIT = "adults_in_treatment"

# The same count under two metrics (same area, breakdown, period).
SAME_COUNT = [
    # metric 5: "Also publish the numerator alone as unplanned_exits"
    (("unplanned_exit_rate", NUM), ("unplanned_exits", NUM)),
    # metric 9: deaths_in_treatment_rate = that count / adults_in_treatment
    (("deaths_in_treatment_rate", NUM), ("deaths_in_treatment", NUM)),
    (("deaths_in_treatment_rate", DEN), (AIT, NUM)),
    # metric 10: the crude rate's numerator is the deaths count
    (("drug_misuse_death_rate", NUM), ("drug_misuse_deaths", NUM)),
    # metric 4: denominator = adults in treatment in W
    (("successful_completion_rate", DEN), (AIT, NUM)),
    # metrics 16 and 17: the rates per 1,000 of the counts (public figures, kept for coupling)
    (("drug_offences_rate", NUM), ("drug_offences", NUM)),
    (("neighbourhood_crime_rate", NUM), ("neighbourhood_crime", NUM)),
]
# metric 12: in_treatment = adults in treatment in the FY in these groups
UNMET = {
    "unmet_need_opiate_crack": ("opiate",),
    "unmet_need_alcohol": ("alcohol_only", "non_opiate_and_alcohol"),
}
# numerator <= denominator where the numerator's records are a subset of the denominator's.
# Rejected: deaths_in_treatment_rate (journeys over people: a died journey's person is placed by
# their latest journey, which may be in another area or under 18); drug_misuse_death_rate and
# the DSR (deaths over population: true in practice, not a subset); unmet need (implied anyway:
# numerator = estimate - people in treatment, people >= 0).
SUBSET_RATES = (
    "successful_completion_rate",  # 4: adults in treatment in W who ... / adults in treatment
    "unplanned_exit_rate",  # 5: unplanned journeys discharged in W / journeys discharged in W
    "early_unplanned_exit_rate",  # 6: started in W and unplanned <= 84 days / started in W
    "continuity_of_care_rate",  # 7: releases in W followed by a start / releases in W
    "referral_conversion_rate",  # 8: referred in W and started <= 28 days / referred in W
    "treatment_progress_rate",  # 13: numerator is "those" of the denominator
    "acute_housing_problem_rate",  # 14
    "paid_work_rate",  # 15
)
# (subset, superset, same breakdown?): a subset count is at most its set, same area and period.
SUBSETS = [
    # 3 vs 1: a new presenter is an adult in treatment in W (their journey starting in W is in
    # treatment in W), placed (area, group) by the same latest journey
    (("new_presentations", NUM), (AIT, NUM), True),
    # 3 vs 6: a new presenter's latest journey in treatment in W started in W (it starts no
    # earlier than the one that did), is adult and in their area: distinct people, distinct
    # adult journeys started in W (the journey's own area) -> at most early_unplanned's denominator
    (("new_presentations", NUM), ("early_unplanned_exit_rate", DEN), False),
    # 13-15: their denominators are adults in treatment in W (by the counting journey, which
    # gives area and group as it does for 1); 14 and 15 are published for `all` only
    (("treatment_progress_rate", DEN), (AIT, NUM), True),
    (("acute_housing_problem_rate", DEN), (AIT, NUM), False),
    (("paid_work_rate", DEN), (AIT, NUM), False),
]
# Disjoint subsets of one set (raw-data.md: `died` and `unplanned` are different outcome
# classes): deaths in treatment (9) + unplanned exits (5) <= journeys discharged in W (5's
# denominator). Stronger than deaths <= discharges and unplanned <= discharges.
DISJOINT = [
    ((("deaths_in_treatment", NUM), ("unplanned_exit_rate", NUM)), ("unplanned_exit_rate", DEN))
]
# Considered and rejected (not by definition): young_people_in_treatment against people in
# treatment (no all-ages count is published, and adults and young people are disjoint);
# early unplanned exits <= unplanned exits in the same window (early ones are journeys *started*
# in W whose discharge may fall after E: used in the time attack instead, see LAGGED);
# successful completions or deaths in treatment against discharges or adults in treatment in
# another breakdown (a person is placed by their latest journey, the discharge may be another's);
# referral conversions against journeys started in W (a start may fall after E: see LAGGED);
# new_presentations over time (distinct people, placed by the window's latest journey: not a
# sum of monthly counts); drug_misuse_deaths against deaths in treatment (different sources);
# the denominators of 13-15 against one another (they overlap: one person can be in all three)
# and 13's numerator against successful completions (13 counts a successful discharge of the
# counting journey in W, 4 the latest discharge in W with no re-presentation: neither is a
# subset of the other); 13-15 over time (people, not sums of monthly events).

# Time: 12-month windows that are sums of monthly event counts (metrics 5-10, 16-17), by the
# series of monthly counts they sum. The first metric of a series names its unpublished windows.
SERIES = {
    ("unplanned_exits", NUM): "unplanned",  # 5: journeys discharged in the month, unplanned
    ("unplanned_exit_rate", NUM): "unplanned",
    ("unplanned_exit_rate", DEN): "discharges",  # 5: journeys discharged in the month
    ("deaths_in_treatment", NUM): "died",  # 9: journeys discharged `died` in the month
    ("deaths_in_treatment_rate", NUM): "died",
    ("early_unplanned_exit_rate", NUM): "early_unplanned",  # 6: by start month
    ("early_unplanned_exit_rate", DEN): "starts",  # 6: adult journeys started in the month
    ("referral_conversion_rate", NUM): "converted",  # 8: by referral month
    ("referral_conversion_rate", DEN): "referrals",  # 8: adult journeys referred in the month
    ("continuity_of_care_rate", NUM): "engaged_releases",  # 7: by release month
    ("continuity_of_care_rate", DEN): "releases",  # 7: releases in the month
    ("drug_misuse_deaths", NUM): "registered_deaths",  # 10: by registration month
    ("drug_misuse_death_rate", NUM): "registered_deaths",
    ("drug_offences", NUM): "drug_offences",  # 16: rows with Month in the month
    ("drug_offences_rate", NUM): "drug_offences",
    ("neighbourhood_crime", NUM): "neighbourhood_crime",  # 17
    ("neighbourhood_crime_rate", NUM): "neighbourhood_crime",
}
# Each month, a numerator's events are a subset of its denominator's events of that month.
MONTHLY_SUBSET = [
    ("unplanned", "discharges"),
    ("early_unplanned", "starts"),
    ("converted", "referrals"),
    ("engaged_releases", "releases"),
]
# Each month, disjoint subsets (outcome classes `died`, `unplanned`) of the month's discharges.
MONTHLY_DISJOINT = [(("died", "unplanned"), "discharges")]
# (subset, superset, lag): the subset's events of months a..b are events of the superset in
# months a..b+lag, per local authority (the journey's own area), all groups together.
# 6: an early unplanned exit of a journey started in month s is an unplanned discharge within
# 84 days, so in months s..s+3 (three months after a month end are at least 89 days);
# 8: a conversion of a referral of month r is a start within 28 days, so in months r..r+1.
# Valid, but off by default (USE_LAGGED): on the sample they narrow nothing more, double the
# time attack's largest programme, and with some interval lengths leave fractional vertices
# that send many cells to MILP.
LAGGED = [("early_unplanned", "unplanned", 3), ("converted", "starts", 1)]
LAG_LENGTHS = range(1, 13)  # the interval lengths b - a + 1 written down
USE_LAGGED = False


@dataclass(frozen=True)
class Finding:
    """One weak cell: its feasible whole values lie in [low, high] (fewer than `THRESHOLD`).

    attack: 'relations' | 'time' | 'revision' | 'union'. published is False for a window the
    publication does not hold that the time attack narrowed. A 'revision' finding is a cell
    shown in both publications with different values: low = high = current - earlier."""

    metric_id: str
    area_code: str
    breakdown: str
    period_end_date: date
    column: str  # 'numerator' | 'denominator'
    low: float
    high: float
    attack: str
    published: bool = True
    earlier: float | None = None  # revision findings only
    current: float | None = None

    @property
    def values(self) -> int:
        """How many whole values the range holds."""
        return int(math.floor(self.high + EPS) - math.ceil(self.low - EPS) + 1)

    @property
    def cell(self) -> tuple:
        return (self.metric_id, self.area_code, self.breakdown, self.period_end_date, self.column)


@dataclass
class Publication:
    """What the intruder reads: fct_outcomes and dim_area of one publication."""

    outcomes: pd.DataFrame
    areas: pd.DataFrame
    source: str = ""


def load(marts_dir: Path) -> Publication:
    """A publication folder: fct_outcomes and dim_area as Parquet, or as CSV (test extracts)."""
    marts_dir = Path(marts_dir)

    def read(name: str) -> pd.DataFrame:
        parquet = marts_dir / f"{name}.parquet"
        return (
            pd.read_parquet(parquet) if parquet.exists() else pd.read_csv(marts_dir / f"{name}.csv")
        )

    outcomes = read("fct_outcomes").copy()
    outcomes["period_end_date"] = pd.to_datetime(outcomes["period_end_date"]).dt.date
    for column in (NUM, DEN):
        outcomes[column] = outcomes[column].astype(float)
    for column in ("is_suppressed", "is_provisional"):
        outcomes[column] = outcomes[column].astype(str).str.lower().eq("true")
    return Publication(outcomes, read("dim_area"), str(marts_dir))


# ---------------------------------------------------------------- what the intruder knows


def _month(d: date) -> int:
    return d.year * 12 + d.month - 1


def _month_end(index: int) -> date:
    year, month = divmod(index, 12)
    return date(year, month + 1, calendar.monthrange(year, month + 1)[1])


@dataclass
class _Facts:
    known: dict  # cell -> value
    hidden: set  # cells of suppressed rows that the data has
    rows: dict  # metric -> set of (area, breakdown, period)
    has_den: dict  # metric -> bool (a count metric has no denominator)
    aggregates: dict  # area -> its member local authorities
    las: set  # local authorities
    free: set = field(default_factory=set)  # cells that may be negative
    alias: dict = field(default_factory=dict)  # cell -> the one cell standing for its count
    broken: int = 0  # cells of one count shown with different values
    fixed: set = field(default_factory=set)  # known cells kept as unknowns fixed at their value
    partnerships: set = field(default_factory=set)
    _breakdowns: dict = field(default_factory=dict)

    def columns(self, metric: str) -> tuple:
        return (NUM, DEN) if self.has_den.get(metric, True) else (NUM,)

    def breakdowns(self, metric: str) -> set:
        if metric not in self._breakdowns:
            self._breakdowns[metric] = {b for _, b, _ in self.rows.get(metric, ())}
        return self._breakdowns[metric]


def _cells(frame: pd.DataFrame, has_den: dict):
    """(cell, value or None, suppressed, provisional) for every numerator/denominator."""
    columns = ["metric_id", "area_code", "breakdown", "period_end_date", NUM, DEN]
    columns += ["is_suppressed", "is_provisional"]
    for m, a, b, e, n, d, suppressed, provisional in frame[columns].itertuples(index=False):
        yield (m, a, b, e, NUM), (None if pd.isna(n) else float(n)), suppressed, provisional
        if has_den[m]:
            yield (m, a, b, e, DEN), (None if pd.isna(d) else float(d)), suppressed, provisional


def _facts(current: Publication, earlier: Publication | None = None) -> _Facts:
    """The intruder's knowledge: the current publication, and where given the earlier one's
    final (not provisional) cells that the current one hides (a provisional value may since
    have been revised, so it is no knowledge of the current value)."""
    frames = [current.outcomes] + ([earlier.outcomes] if earlier is not None else [])
    both = pd.concat(frames, ignore_index=True)
    has_den = {m: u != "count" for m, u in both[["metric_id", "unit"]].drop_duplicates().values}
    known, hidden, rows = {}, set(), defaultdict(set)
    for frame in frames:
        for m, a, b, e in frame[["metric_id", "area_code", "breakdown", "period_end_date"]].values:
            rows[m].add((a, b, e))
    for cell, value, suppressed, _ in _cells(current.outcomes, has_den):
        if value is not None:
            known[cell] = value
        elif suppressed:
            hidden.add(cell)
    if earlier is not None:
        for cell, value, _, provisional in _cells(earlier.outcomes, has_den):
            if value is not None and not provisional and cell not in known:
                known[cell] = value
        hidden -= known.keys()
    las = set(both.loc[both.area_type == "local_authority", "area_code"])
    aggregates = {}
    areas, published_areas = current.areas, set(both.area_code)
    for code, members in areas[["area_code", "member_area_codes"]].values:
        if isinstance(members, str) and members and code in published_areas:
            aggregates[code] = sorted(members.split("|"))
    partnerships = set(aggregates)
    region_of = {}
    if "region_code" in areas:
        region_of = dict(areas[["area_code", "region_code"]].values)
    for code, kind in both[["area_code", "area_type"]].drop_duplicates().values:
        if kind == "country":  # England's rows are built from the data: every authority
            aggregates[code] = sorted(las)
        elif kind == "region":
            aggregates[code] = sorted(la for la in las if region_of.get(la) == code)
    facts = _Facts(known, hidden, dict(rows), has_den, aggregates, las)
    facts.partnerships = partnerships
    if _unmet_layout(facts) == "estimate_minus_treated":
        facts.free = {c for c in _all_cells(facts) if c[0] in UNMET and c[4] == NUM}
    _alias_same_counts(facts)
    return facts


def _alias_same_counts(facts: _Facts) -> None:
    """The same count under two metrics (SAME_COUNT) is one unknown: every cell of a group
    stands for its smallest cell, which is known where any of them is shown."""
    parent = {}

    def find(c):
        while parent.get(c, c) != c:
            c = parent[c]
        return c

    for (m1, c1), (m2, c2) in SAME_COUNT:
        shared = facts.breakdowns(m1) & facts.breakdowns(m2)
        for a, b, e in facts.rows.get(m1, set()) | facts.rows.get(m2, set()):
            if b in shared:
                r1, r2 = find((m1, a, b, e, c1)), find((m2, a, b, e, c2))
                if r1 != r2:
                    parent[max(r1, r2)] = min(r1, r2)
    groups = defaultdict(set)
    for c in parent:
        groups[find(c)].update((c, find(c)))
    for root, cells in groups.items():
        values = {facts.known[c] for c in cells if c in facts.known}
        facts.broken += len(values) > 1
        for c in cells:
            facts.alias[c] = root
        if values:
            facts.known.setdefault(root, min(values))


def _all_cells(facts: _Facts):
    for m, keys in facts.rows.items():
        for a, b, e in keys:
            for col in facts.columns(m):
                yield (m, a, b, e, col)


def _treated(area: str, period: date, groups: tuple) -> list:
    return [(AIT, area, g, period, NUM) for g in groups]


def _unmet_layout(facts: _Facts) -> str:
    """How metric 12 is stored, checked on the rows where everything is shown: numerator =
    estimate - in_treatment and denominator = estimate (the shipped layout), or numerator =
    in_treatment."""
    votes = defaultdict(int)
    for metric, groups in UNMET.items():
        for a, b, e in facts.rows.get(metric, ()):
            n, d = facts.known.get((metric, a, b, e, NUM)), facts.known.get((metric, a, b, e, DEN))
            treated = [facts.known.get(c) for c in _treated(a, e, groups)]
            if n is None or d is None or None in treated:
                continue
            if abs(n - (d - sum(treated))) < 0.5:
                votes["estimate_minus_treated"] += 1
            elif abs(n - sum(treated)) < 0.5:
                votes["treated"] += 1
    return max(votes, key=votes.get) if votes else "estimate_minus_treated"


# ---------------------------------------------------------------- the linear system


class _Model:
    """Integer unknowns >= 0 (cells and latent counts) and linear rows lo <= a.x <= hi; a known
    cell is a constant (or, where the facts say so, an unknown fixed at its value)."""

    def __init__(self, facts: _Facts):
        self.facts = facts
        self.index: dict = {}
        self.keys: list = []
        self.lower: list = []
        self.upper: list = []
        self.rows: list = []  # (columns, coefficients, lo, hi)
        self.seen: set = set()
        self.broken: dict = defaultdict(int)  # fully known relations that fail, by name

    def var(self, key) -> int:
        key = self.facts.alias.get(key, key)
        j = self.index.get(key)
        if j is None:
            j = self.index[key] = len(self.keys)
            self.keys.append(key)
            if key in self.facts.fixed:
                self.lower.append(self.facts.known[key])
                self.upper.append(self.facts.known[key])
            else:
                self.lower.append(-math.inf if key in self.facts.free else 0.0)
                self.upper.append(math.inf)
        return j

    def add(self, terms, lo: float, hi: float, name: str) -> None:
        constant, coefficients = 0.0, defaultdict(float)
        for key, k in terms:
            key = self.facts.alias.get(key, key)
            value = None if key in self.facts.fixed else self.facts.known.get(key)
            if value is None:
                coefficients[self.var(key)] += k
            else:
                constant += k * value
        coefficients = sorted((j, k) for j, k in coefficients.items() if k)
        if not coefficients:
            if constant < lo - EPS or constant > hi + EPS:
                self.broken[name] += 1
            return
        columns, values = tuple(j for j, _ in coefficients), tuple(k for _, k in coefficients)
        row = (columns, values, lo - constant, hi - constant)
        if row not in self.seen:  # one row written twice (two cells of one count) counts once
            self.seen.add(row)
            self.rows.append(row)

    def warn_broken(self) -> None:
        if self.facts.broken:
            self.broken["same count"] += self.facts.broken
        if self.broken:
            warnings.warn(
                f"published cells break these relations: {dict(self.broken)}", stacklevel=3
            )


def _add_static(model: _Model, facts: _Facts) -> None:
    """Attack 1's relations and inequalities."""

    def c(m, a, b, e, col=NUM):
        return (m, a, b, e, col)

    rows = facts.rows
    for m, keys in rows.items():
        breakdowns = facts.breakdowns(m)
        families = {(a, e) for a, _, e in keys}
        for col in facts.columns(m):
            # "Breakdowns": `all` = the four substance groups; a PHOF grouping = its groups
            if "all" in breakdowns and breakdowns & set(GROUPS):
                for a, e in families:
                    terms = [(c(m, a, "all", e, col), 1)] + [
                        (c(m, a, g, e, col), -1) for g in GROUPS
                    ]
                    model.add(terms, 0, 0, "breakdown family")
            for phof, parts in PHOF.items():
                if phof in breakdowns:
                    for a, e in families:
                        terms = [(c(m, a, phof, e, col), 1)] + [
                            (c(m, a, g, e, col), -1) for g in parts
                        ]
                        model.add(terms, 0, 0, "PHOF grouping")
            # "Areas": a partnership (England, a region) is its members added together
            for a, b, e in keys:
                if a in facts.aggregates:
                    terms = [(c(m, a, b, e, col), 1)]
                    terms += [(c(m, la, b, e, col), -1) for la in facts.aggregates[a]]
                    model.add(terms, 0, 0, "geography")
        if m in SUBSET_RATES and facts.has_den.get(m, True):
            for a, b, e in keys:  # numerator <= denominator (see SUBSET_RATES)
                model.add([(c(m, a, b, e, NUM), 1), (c(m, a, b, e, DEN), -1)], -math.inf, 0, m)
    # 11: the DSR at 31 Dec Y counts the deaths registered in Y-2..Y (three calendar years)
    for a, b, e in rows.get("drug_misuse_death_rate_dsr", ()):
        if (e.month, e.day) == (12, 31):
            years = [date(e.year - k, 12, 31) for k in range(3)]
            terms = [(c("drug_misuse_death_rate_dsr", a, b, e), 1)]
            terms += [(c("drug_misuse_deaths", a, b, y), -1) for y in years]
            model.add(terms, 0, 0, "3-year deaths")
    # 12: unmet need from the estimate and adults_in_treatment of its groups at the FY end
    layout = _unmet_layout(facts)
    for metric, groups in UNMET.items():
        for a, b, e in rows.get(metric, ()):
            treated = [(cell, 1) for cell in _treated(a, e, groups)]
            if layout == "estimate_minus_treated":
                terms = [(c(metric, a, b, e, NUM), 1), (c(metric, a, b, e, DEN), -1)] + treated
            else:
                terms = [(c(metric, a, b, e, NUM), 1)] + [(cell, -1) for cell, _ in treated]
            model.add(terms, 0, 0, "unmet need")
    for (m1, c1), (m2, c2), same_breakdown in SUBSETS:
        for a, b, e in rows.get(m1, ()):
            if (b in facts.breakdowns(m2)) if same_breakdown else b == "all":
                model.add(
                    [(c(m1, a, b, e, c1), 1), (c(m2, a, b, e, c2), -1)], -math.inf, 0, "subset"
                )
    for parts, (m2, c2) in DISJOINT:
        for a, b, e in rows.get(parts[0][0], ()):
            terms = [(c(m, a, b, e, col), 1) for m, col in parts] + [(c(m2, a, b, e, c2), -1)]
            model.add(terms, -math.inf, 0, "disjoint")


def _add_time(model: _Model, facts: _Facts) -> dict:
    """Attack 2's monthly counts. Each series s has, per local authority and substance group
    (where its metrics have groups), cumulative counts S(t) = events of months t0..t (so a
    window W(E) = S(E) - S(E-12), and S(t) - S(t-1) >= 0 is the month's count). A published
    window of a partnership, England or a sum of groups is tied to the leaves by attack 1's
    family and geography relations. Returns the unpublished windows it added, as
    {cell: False}."""
    windows = defaultdict(set)  # series -> cells
    for (m, col), s in SERIES.items():
        for a, b, e in facts.rows.get(m, ()):
            if col in facts.columns(m):
                windows[s].add((m, a, b, e, col))
    for key in list(model.index):  # absent windows other relations refer to (3-year deaths)
        if len(key) == 5 and (key[0], key[4]) in SERIES:
            windows[SERIES[(key[0], key[4])]].add(key)
    if not windows:
        return {}
    months = [_month(cell[3]) for cells in windows.values() for cell in cells]
    t0, t1 = min(months) - 11, max(months)
    grouped = {
        s: any(facts.breakdowns(m) & set(GROUPS) for (m, _), s2 in SERIES.items() if s2 == s)
        for s in windows
    }

    def parts(s, b):
        if not grouped[s]:
            return ("all",) if b == "all" else None
        return GROUPS if b == "all" else (b,) if b in GROUPS else PHOF.get(b)

    leaves = defaultdict(set)  # series -> local authorities with monthly counts

    def leaf(s, la, g, t):
        if t < t0:
            return []
        if (s, la) not in leaf_done:
            leaf_done.add((s, la))
            leaves[s].add(la)
            for g2 in parts(s, "all"):
                for t2 in range(t0 + 1, t1 + 1):  # the month's count is never negative
                    model.add(
                        [(("S", s, la, g2, t2), 1), (("S", s, la, g2, t2 - 1), -1)],
                        0,
                        math.inf,
                        "month",
                    )
        return [(("S", s, la, g, t), 1)]

    leaf_done: set = set()

    def total(s, la, b, t):
        """The events of months t0..t of one local authority, breakdown b, as terms."""
        return [term for g in parts(s, b) for term in leaf(s, la, g, t)]

    def window(s, a, b, e):
        """W(e) of area a, breakdown b: the sum of its members' 12 months."""
        terms = []
        for la in facts.aggregates.get(a, [a]):
            terms += total(s, la, b, e) + [(k, -v) for k, v in total(s, la, b, e - 12)]
        return terms

    first_metric = {}
    for (m, col), s in SERIES.items():
        first_metric.setdefault(s, (m, col))
    unpublished = {}
    for s, cells in sorted(windows.items()):
        shown = defaultdict(set)  # (area, breakdown) -> months whose window a row holds
        for m, a, b, e, _ in cells:
            if parts(s, b) is not None and (a, b, e) in facts.rows.get(m, ()):
                shown[(a, b)].add(_month(e))
        m0, col0 = first_metric[s]
        for (a, b), published in shown.items():  # windows that no row holds: unknowns too
            for t in range(t0 + 11, t1 + 1):
                if t not in published:
                    cell = (m0, a, b, _month_end(t), col0)
                    cells.add(cell)
                    unpublished[cell] = False
        for cell in sorted(cells):
            m, a, b, e, col = cell
            if parts(s, b) is None:
                continue
            leaf_cell = a not in facts.aggregates and parts(s, b) == (b,)
            if leaf_cell or (a, b, e) not in facts.rows.get(m, ()):
                # the window is the sum of its 12 months (a published window above the leaves
                # is already a sum of leaf windows through the family and geography relations)
                model.add(
                    [(cell, 1)] + [(k, -v) for k, v in window(s, a, b, _month(e))], 0, 0, "window"
                )

    def delta(s, la, t):  # the month's count of s, all groups together
        return [
            (k, v * sign)
            for g in parts(s, "all")
            for dt, sign in ((0, 1), (1, -1))
            for k, v in leaf(s, la, g, t - dt)
        ]

    for sub, sup in MONTHLY_SUBSET:
        for la in sorted(leaves[sub] & leaves[sup]):
            for t in range(t0, t1 + 1):
                if grouped[sub] == grouped[sup]:
                    for g in parts(sub, "all"):
                        terms = leaf(sub, la, g, t) + [(k, -v) for k, v in leaf(sub, la, g, t - 1)]
                        terms += [(k, -v) for k, v in leaf(sup, la, g, t)] + leaf(sup, la, g, t - 1)
                        model.add(terms, -math.inf, 0, "monthly subset")
                else:
                    terms = delta(sub, la, t) + [(k, -v) for k, v in delta(sup, la, t)]
                    model.add(terms, -math.inf, 0, "monthly subset")
    for subs, sup in MONTHLY_DISJOINT:
        for la in sorted(leaves[sup].intersection(*(leaves[s] for s in subs))):
            for t in range(t0, t1 + 1):
                terms = [term for s in subs for term in delta(s, la, t)]
                model.add(
                    terms + [(k, -v) for k, v in delta(sup, la, t)],
                    -math.inf,
                    0,
                    "monthly disjoint",
                )
    for sub, sup, lag in LAGGED if USE_LAGGED else ():
        for la in sorted(leaves[sub] & leaves[sup]):
            for b_ in range(t0, t1 - lag + 1):
                for length in LAG_LENGTHS:
                    a_ = b_ - length + 1
                    if a_ < t0:
                        break
                    terms = total(sub, la, "all", b_) + [
                        (k, -v) for k, v in total(sub, la, "all", a_ - 1)
                    ]
                    terms += [(k, -v) for k, v in total(sup, la, "all", b_ + lag)]
                    terms += total(sup, la, "all", a_ - 1)
                    model.add(terms, -math.inf, 0, "lagged subset")
    return unpublished


# ---------------------------------------------------------------- bounding


class _Infeasible(Exception):
    pass


def _split(rows: list, row_ids) -> list:
    """The connected components of the given rows: [(columns, row ids)]."""
    parent = {}

    def find(j):
        parent.setdefault(j, j)
        while parent[j] != j:
            parent[j] = parent[parent[j]]
            j = parent[j]
        return j

    for i in row_ids:
        columns = rows[i][0]
        r = find(columns[0])
        for j in columns[1:]:
            q = find(j)
            if q != r:
                parent[q] = r
    members, row_sets = defaultdict(list), defaultdict(list)
    for j in sorted(parent):
        members[find(j)].append(j)
    for i in row_ids:
        row_sets[find(rows[i][0][0])].append(i)
    return [(members[r], row_sets[r]) for r in sorted(members, key=lambda r: members[r][0])]


def _bound(model: _Model, targets: list, need=None) -> dict:
    """{target: (low, high)} for the targets whose feasible whole values are fewer than
    THRESHOLD. need(component keys) says whether a component is to be solved at all."""
    found, asked, order = {}, defaultdict(list), []
    for key in targets:  # two cells of one count are one unknown
        root = model.facts.alias.get(key, key)
        if root in model.facts.known and root not in model.facts.fixed:
            found[key] = (model.facts.known[root], model.facts.known[root])  # shown as the other
            continue
        j = model.index.get(root)
        if j is not None:
            if j not in asked:
                order.append(j)
            asked[j].append(key)
    position = {j: p for p, j in enumerate(order)}
    for columns, row_ids in _split(model.rows, range(len(model.rows))):
        if not any(j in position for j in columns):
            continue
        if need is not None and not need([model.keys[j] for j in columns]):
            continue
        for piece, piece_rows, lower, upper in _pieces(model, columns, row_ids):
            wanted = sorted((j for j in piece if j in position), key=position.get)
            if not wanted:
                continue
            try:
                ranges = _solve(model, piece, piece_rows, wanted, lower, upper)
            except _Infeasible:
                cells = [model.keys[j] for j in wanted[:3]]
                warnings.warn(
                    f"the constraints around {cells} are infeasible: skipped", stacklevel=2
                )
                continue
            found.update({key: r for j, r in ranges.items() for key in asked[j]})
    return found


BIG = 5000  # a component with more unknowns is solved block by block (see _pieces)


def _pieces(model: _Model, columns: list, row_ids: list):
    """A component as it is, or, when it has more than BIG unknowns (England or a region ties
    every authority together), its blocks: a partnership with its members, an authority in
    none, England and the regions. The rows that tie blocks are dropped after bound
    propagation over them has turned them into bounds on each unknown (x <= England minus
    every other cell's least value, ...): a relaxation, so the ranges stay sound, maybe wider."""
    if len(columns) <= BIG:
        yield columns, row_ids, None, None
        return
    facts, block = model.facts, {}

    def block_of(area):
        if area not in block:
            partnerships = [
                p for p in facts.partnerships if area == p or area in facts.aggregates[p]
            ]
            block[area] = min(partnerships) if partnerships else area
            if area in facts.aggregates and area not in facts.partnerships:
                block[area] = ""  # England and regions
        return block[area]

    def area_of(j):
        key = model.keys[j]
        return key[2] if key[0] == "S" else key[1]

    of = {j: block_of(area_of(j)) for j in columns}
    inside, ties = [], []
    for i in row_ids:
        (inside if len({of[j] for j in model.rows[i][0]}) == 1 else ties).append(i)
    lower, upper = _propagate(model, ties)
    kept = set().union(*(model.rows[i][0] for i in inside)) if inside else set()
    for piece, piece_rows in _split(model.rows, inside):
        yield piece, piece_rows, lower, upper
    for j in columns:  # an unknown only the dropped rows held: its propagated bounds alone
        if j not in kept:
            yield [j], [], lower, upper


def _propagate(model: _Model, row_ids: list) -> tuple[dict, dict]:
    """Bounds implied row by row (feasibility-based bound tightening over whole numbers)."""
    lower = {j: model.lower[j] for i in row_ids for j in model.rows[i][0]}
    upper = {j: model.upper[j] for j in lower}
    touching = defaultdict(list)
    for i in row_ids:
        for j in model.rows[i][0]:
            touching[j].append(i)
    queue, queued, steps = list(row_ids), set(row_ids), 0
    while queue and steps < 50 * len(row_ids):
        steps += 1
        i = queue.pop()
        queued.discard(i)
        columns, coefficients, lo, hi = model.rows[i]
        low_parts = [
            k * (lower[j] if k > 0 else upper[j])
            for j, k in zip(columns, coefficients, strict=True)
        ]
        high_parts = [
            k * (upper[j] if k > 0 else lower[j])
            for j, k in zip(columns, coefficients, strict=True)
        ]
        low_inf = sum(math.isinf(v) for v in low_parts)
        high_inf = sum(math.isinf(v) for v in high_parts)
        low_sum = sum(v for v in low_parts if not math.isinf(v))
        high_sum = sum(v for v in high_parts if not math.isinf(v))
        for j, k, lp, hp in zip(columns, coefficients, low_parts, high_parts, strict=True):
            rest_low = (
                -math.inf if low_inf - math.isinf(lp) else low_sum - (0 if math.isinf(lp) else lp)
            )
            rest_high = (
                math.inf if high_inf - math.isinf(hp) else high_sum - (0 if math.isinf(hp) else hp)
            )
            most, least = hi - rest_low, lo - rest_high  # least <= k x_j <= most
            new_upper, new_lower = (most / k, least / k) if k > 0 else (least / k, most / k)
            changed = False
            if math.isfinite(new_upper) and math.floor(new_upper + EPS) < upper[j] - 0.5:
                upper[j], changed = math.floor(new_upper + EPS), True
            if math.isfinite(new_lower) and math.ceil(new_lower - EPS) > lower[j] + 0.5:
                lower[j], changed = math.ceil(new_lower - EPS), True
            if lower[j] > upper[j]:
                raise _Infeasible
            if changed:
                for r in touching[j]:
                    if r not in queued:
                        queued.add(r)
                        queue.append(r)
    return lower, upper


def _whole_values(low: float, high: float) -> float:
    if math.isinf(low) or math.isinf(high):
        return math.inf
    return math.floor(high + EPS) - math.ceil(low - EPS) + 1


def _solve(
    model: _Model, columns: list, row_ids: list, targets: list, lower=None, upper=None
) -> dict:
    local = {j: i for i, j in enumerate(columns)}
    n, m = len(columns), len(row_ids)
    starts, index, value = [0], [], []
    row_lower, row_upper = np.empty(m), np.empty(m)
    for r, i in enumerate(row_ids):
        cols, coefs, lo, hi = model.rows[i]
        index += [local[j] for j in cols]
        value += coefs
        starts.append(len(index))
        row_lower[r], row_upper[r] = lo, hi
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, m
    lp.col_cost_ = np.zeros(n)
    lower, upper = lower or {}, upper or {}
    lp.col_lower_ = np.array([lower.get(j, model.lower[j]) for j in columns]).clip(-inf, inf)
    lp.col_upper_ = np.array([upper.get(j, model.upper[j]) for j in columns]).clip(-inf, inf)
    lp.row_lower_, lp.row_upper_ = row_lower.clip(-inf, inf), row_upper.clip(-inf, inf)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n, m
    lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
    lp.a_matrix_.index_ = np.array(index, dtype=np.int32)
    lp.a_matrix_.value_ = np.array(value, dtype=float)
    h = highspy.Highs()
    for option, setting in (
        ("output_flag", False),
        ("threads", 1),
        ("random_seed", 0),
        ("mip_rel_gap", 0.0),
        ("mip_abs_gap", 1e-6),
    ):
        h.setOptionValue(option, setting)
    h.passModel(lp)
    h.run()  # a first basis (dual simplex); then each bound from the last basis (primal)
    h.setOptionValue("simplex_strategy", 4)
    status = highspy.HighsModelStatus
    seen_low, seen_high = np.full(n, np.inf), np.full(n, -np.inf)

    def run(i, sign, integer):
        """min (sign 1) or max (sign -1) of column i: (bound, solution or None)."""
        h.changeColCost(i, float(sign))
        h.run()
        state = h.getModelStatus()
        info = h.getInfo()
        x = np.array(h.getSolution().col_value)
        h.changeColCost(i, 0.0)  # (this resets the status)
        if state == status.kInfeasible:
            raise _Infeasible
        if state != status.kOptimal:
            return (-math.inf if sign == 1 else math.inf), None
        np.minimum(seen_low, x, out=seen_low)
        np.maximum(seen_high, x, out=seen_high)
        bound = info.mip_dual_bound if integer else info.objective_function_value
        return sign * bound, x

    def wide(i, limit):  # solutions already seen span at least `limit` whole values
        return seen_low[i] <= seen_high[i] and _whole_values(seen_low[i], seen_high[i]) >= limit

    # x + y = c or x - y = c with both unknown: one's range gives the other's
    twins = defaultdict(list)
    for r in range(m):
        if row_lower[r] == row_upper[r] and starts[r + 1] - starts[r] == 2:
            (p, q), (a, b) = index[starts[r] : starts[r] + 2], value[starts[r] : starts[r] + 2]
            if abs(a) == 1 and abs(b) == 1:
                twins[p].append((q, a, b, row_lower[r]))
                twins[q].append((p, b, a, row_lower[r]))

    def from_twin(i, table):
        """(found?, range): the range of column i from a twin's in table (None = wide)."""
        for k, a, b, c in twins.get(i, ()):
            if k in table:
                if table[k] is None:
                    return True, None
                low, high, integral = table[k]
                ends = sorted(((c - b * low) / a, (c - b * high) / a))
                return True, (ends[0], ends[1], integral)
        return False, None

    lp = {}  # column -> (low, high, whole solutions at both ends?), None where wide
    for j in targets:  # LP first
        i = local[j]
        derived, lp[i] = from_twin(i, lp)
        if derived or wide(i, MILP_BELOW):
            continue
        low, x_low = run(i, 1, False)
        if wide(i, MILP_BELOW):
            continue
        high, x_high = run(i, -1, False)
        if _whole_values(low, high) < MILP_BELOW:
            integral = all(
                x is not None and np.allclose(x, np.round(x), atol=1e-7) for x in (x_low, x_high)
            )
            lp[i] = (low, high, integral)
    candidates = [i for i, r in lp.items() if r is not None]
    whole = {}  # column -> (low, high, True), None where at least THRESHOLD whole values
    if any(not lp[i][2] for i in candidates):
        seen_low[:], seen_high[:] = np.inf, -np.inf  # from here on only whole solutions count
        h.changeColsIntegrality(
            n, np.arange(n, dtype=np.int32), np.array([highspy.HighsVarType.kInteger] * n)
        )
    for i in candidates:
        derived, whole[i] = from_twin(i, whole)
        if derived:
            continue
        low, high, integral = lp[i]
        if not integral:  # an LP end that is not a whole solution: tighten by MILP
            if wide(i, THRESHOLD):
                continue
            low, _ = run(i, 1, True)
            if wide(i, THRESHOLD):
                continue
            high, _ = run(i, -1, True)
        low, high = math.ceil(low - EPS), math.floor(high + EPS)
        if _whole_values(low, high) < THRESHOLD:
            whole[i] = (float(low), float(high), True)
    return {columns[i]: (float(r[0]), float(r[1])) for i, r in whole.items() if r is not None}


# ---------------------------------------------------------------- the attacks


def _findings(ranges: dict, attack: str, unpublished: dict | None = None) -> list:
    unpublished = unpublished or {}
    out = []
    for cell, (low, high) in sorted(ranges.items()):
        published = unpublished.get(cell, True)
        # an unpublished window is a disclosure where it can hold a count of 1 to 4
        if not published and (high < 1 or low > THRESHOLD - 1):
            continue
        out.append(Finding(*cell, low=low, high=high, attack=attack, published=published))
    return out


def _relations(facts: _Facts) -> dict:
    model = _Model(facts)
    _add_static(model, facts)
    model.warn_broken()
    return _bound(model, sorted(facts.hidden))


def _time(facts: _Facts, need) -> tuple[dict, dict]:
    """Attacks 1 and 2 together, on the components need(keys) accepts."""
    model = _Model(facts)
    _add_static(model, facts)
    unpublished = _add_time(model, facts)
    model.warn_broken()
    targets = sorted(facts.hidden) + sorted(unpublished)
    return _bound(model, targets, need), unpublished


def _touches_time(keys) -> bool:
    return any(k[0] == "S" for k in keys)


def attack_relations(pub: Publication) -> list[Finding]:
    """Attack 1: relations and inequalities that hold by definition, one period at a time."""
    return _findings(_relations(_facts(pub)), "relations")


def attack_time(pub: Publication) -> list[Finding]:
    """Attack 2: monthly counts behind the 12-month windows, with attack 1's relations. Reports
    every hidden cell of a component the monthly counts reach, and the unpublished windows."""
    ranges, unpublished = _time(_facts(pub), _touches_time)
    return _findings(ranges, "time", unpublished)


def _revised(earlier: Publication, current: Publication) -> list[Finding]:
    keys = ["metric_id", "area_code", "breakdown", "period_end_date"]
    both = earlier.outcomes.merge(current.outcomes, on=keys, suffixes=("_e", "_c"))
    out = []
    for column in (NUM, DEN):
        changed = both[both[f"{column}_e"].notna() & both[f"{column}_c"].notna()]
        changed = changed[changed[f"{column}_e"] != changed[f"{column}_c"]]
        for row in changed[keys + [f"{column}_e", f"{column}_c"]].itertuples(index=False):
            m, a, b, e, before, after = row
            diff = float(after - before)
            out.append(
                Finding(
                    m, a, b, e, column, diff, diff, "revision", True, float(before), float(after)
                )
            )
    return sorted(out, key=lambda f: f.cell)


def _narrowest(findings) -> dict:
    best = {}
    for f in findings:
        key = (f.cell, f.published)
        if key not in best or f.values < best[key].values:
            best[key] = f
    return best


def attack_revisions(earlier: Publication, current: Publication, _baseline=None) -> list[Finding]:
    """Attack 3: (a) every cell shown in both publications with a different value ('revision');
    (b) the union of knowledge (a final cell shown in either is known): the hidden cells that
    become determined or narrower than the current publication alone gives ('union')."""
    out = _revised(earlier, current)
    facts, alone = _facts(current, earlier), _facts(current)
    for cell in sorted(alone.hidden - facts.hidden):  # hidden now, shown final before
        value = facts.known[facts.alias.get(cell, cell)]
        out.append(Finding(*cell, low=value, high=value, attack="union"))
    # what the earlier publication adds are unknowns fixed at their values: only the components
    # holding one can differ from the current publication alone
    facts.fixed = {cell for cell in facts.known if cell not in alone.known}
    ranges, unpublished = _time(facts, lambda keys: any(k in facts.fixed for k in keys))
    union = _findings(ranges, "union", unpublished)
    if union and _baseline is None:
        _baseline = attack_relations(current) + attack_time(current)
    before = _narrowest(_baseline or [])
    for f in union:
        previous = before.get((f.cell, f.published))
        if previous is None or f.values < previous.values:
            out.append(f)
    return out


def attack_all(current: Publication, earlier: Publication | None = None) -> list[Finding]:
    """The three attacks; one finding per cell (the narrowest range, the first attack in the
    order relations, time, union on a tie), and every revision."""
    found = attack_relations(current) + attack_time(current)
    if earlier is not None:
        found += attack_revisions(earlier, current, _baseline=found)
    revisions = [f for f in found if f.attack == "revision"]
    best = _narrowest(f for f in found if f.attack != "revision")
    return sorted(best.values(), key=lambda f: (f.cell, f.published)) + revisions


def score(findings: list[Finding], truth: pd.DataFrame) -> pd.DataFrame:
    """The findings beside the exact values (truth: metric_id, area_code, breakdown,
    period_end_date, numerator, denominator). holds says whether the range holds the exact
    value (for a revision: whether the current value shown is the exact one); a range that
    does not is a bug in the attack."""
    truth = truth.copy()
    truth["period_end_date"] = pd.to_datetime(truth["period_end_date"]).dt.date
    exact = {}
    for m, a, b, e, n, d in truth[
        ["metric_id", "area_code", "breakdown", "period_end_date", NUM, DEN]
    ].values:
        exact[(m, a, b, e, NUM)], exact[(m, a, b, e, DEN)] = n, d
    rows = []
    for f in findings:
        value = exact.get(f.cell)
        value = None if value is None or pd.isna(value) else float(value)
        if value is None:
            holds = None
        elif f.attack == "revision":
            holds = value == f.current
        else:
            holds = f.low - EPS <= value <= f.high + EPS
        rows.append({**asdict(f), "values": f.values, "exact": value, "holds": holds})
    columns = list(Finding.__dataclass_fields__) + ["values", "exact", "holds"]
    return pd.DataFrame(rows, columns=columns)
