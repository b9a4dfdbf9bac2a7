"""A determined reader's subtraction attack on a publication, written for the tests only.

It knows what metrics.md says (the substance groups add up to `all`, a PHOF grouping is its
groups, a partnership is its members, England is its authorities, the rate metrics share
counts, the three-year deaths are three calendar years, unmet need is the estimate minus the
people in treatment) and nothing of the pipeline's code: it reads the published Parquet files,
writes every relation down as an equation over published cells, and solves any equation that
has one unknown left, again and again, exactly as someone with a spreadsheet would.
"""

from collections import defaultdict
from datetime import date
from pathlib import Path

import pandas as pd

SUBSTANCE_GROUPS = ("opiate", "non_opiate_only", "non_opiate_and_alcohol", "alcohol_only")
PHOF = {
    "phof_opiate": ("opiate",),
    "phof_non_opiate": ("non_opiate_only", "non_opiate_and_alcohol"),
    "phof_alcohol": ("alcohol_only",),
}
SAME_COUNT = [  # (metric, column) pairs that metrics.md defines as the same number
    (("unplanned_exit_rate", "numerator"), ("unplanned_exits", "numerator")),
    (("deaths_in_treatment_rate", "numerator"), ("deaths_in_treatment", "numerator")),
    (("drug_misuse_death_rate", "numerator"), ("drug_misuse_deaths", "numerator")),
    (("successful_completion_rate", "denominator"), ("adults_in_treatment", "numerator")),
    (("deaths_in_treatment_rate", "denominator"), ("adults_in_treatment", "numerator")),
]
UNMET = {
    "unmet_need_opiate_crack": ("opiate",),
    "unmet_need_alcohol": ("alcohol_only", "non_opiate_and_alcohol"),
}


def equations(outcomes: pd.DataFrame, areas: pd.DataFrame) -> list[list[tuple[tuple, int]]]:
    """Every additive relation as [(cell, coefficient)], summing to zero; a cell is
    (metric_id, area_code, breakdown, period_end_date, column)."""
    present = set()
    for row in outcomes[["metric_id", "area_code", "breakdown", "period_end_date"]].itertuples(
        index=False
    ):
        present.add(tuple(row))
    members = defaultdict(list)
    for code, member_codes in areas[["area_code", "member_area_codes"]].itertuples(index=False):
        if isinstance(member_codes, str) and member_codes:
            members[code] = member_codes.split("|")
    authorities = sorted(
        outcomes.loc[outcomes.area_type == "local_authority", "area_code"].unique()
    )
    if (outcomes.area_type == "country").any():
        members[outcomes.loc[outcomes.area_type == "country", "area_code"].iloc[0]] = authorities
    eqs = []
    keys = outcomes[["metric_id", "area_code", "breakdown", "period_end_date"]].drop_duplicates()
    by_family = defaultdict(set)
    for metric, area, breakdown, period in keys.itertuples(index=False):
        by_family[(metric, area, period)].add(breakdown)
    for column in ("numerator", "denominator"):
        for (metric, area, period), breakdowns in by_family.items():
            if set(SUBSTANCE_GROUPS) <= breakdowns and "all" in breakdowns:
                eqs.append(
                    [((metric, area, "all", period, column), 1)]
                    + [((metric, area, g, period, column), -1) for g in SUBSTANCE_GROUPS]
                )
            for phof, parts in PHOF.items():
                if phof in breakdowns:
                    eqs.append(
                        [((metric, area, phof, period, column), 1)]
                        + [((metric, area, g, period, column), -1) for g in parts]
                    )
        for metric, area, breakdown, period in keys.itertuples(index=False):
            if area in members:
                parts = [m for m in members[area] if (metric, m, breakdown, period) in present]
                eqs.append(
                    [((metric, area, breakdown, period, column), 1)]
                    + [((metric, m, breakdown, period, column), -1) for m in parts]
                )
    for metric, area, breakdown, period in keys.itertuples(index=False):
        for (m1, c1), (m2, c2) in SAME_COUNT:
            if metric == m1 and (m2, area, breakdown, period) in present:
                eqs.append(
                    [
                        ((m1, area, breakdown, period, c1), 1),
                        ((m2, area, breakdown, period, c2), -1),
                    ]
                )
        if metric == "drug_misuse_death_rate_dsr":
            years = [date(period.year - k, 12, 31) for k in range(3)]
            eqs.append(
                [((metric, area, "all", period, "numerator"), 1)]
                + [(("drug_misuse_deaths", area, "all", y, "numerator"), -1) for y in years]
            )
        if metric in UNMET:
            eqs.append(
                [
                    ((metric, area, "all", period, "numerator"), 1),
                    ((metric, area, "all", period, "denominator"), -1),
                ]
                + [
                    (("adults_in_treatment", area, g, period, "numerator"), 1)
                    for g in UNMET[metric]
                ]
            )
    return eqs


def recover(outcomes: pd.DataFrame, areas: pd.DataFrame) -> dict[tuple, float]:
    """The suppressed cells (numerator or denominator of a suppressed row) that subtraction
    gives back exactly, with the value it gives."""
    outcomes = outcomes.copy()
    outcomes["period_end_date"] = pd.to_datetime(outcomes["period_end_date"]).dt.date
    known, suppressed = {}, set()
    for row in outcomes.itertuples(index=False):
        for column in ("numerator", "denominator"):
            cell = (row.metric_id, row.area_code, row.breakdown, row.period_end_date, column)
            value = getattr(row, column)
            if pd.notna(value):
                known[cell] = float(value)
            elif row.is_suppressed:
                suppressed.add(cell)
    eqs = [eq for eq in equations(outcomes, areas)]
    recovered = {}
    changed = True
    while changed:
        changed = False
        for eq in eqs:
            unknown = [(c, k) for c, k in eq if c not in known]
            if len(unknown) != 1:
                continue
            cell, coefficient = unknown[0]
            if cell[4] == "denominator" and cell not in suppressed:
                continue  # a count metric has no denominator at all
            value = -sum(k * known[c] for c, k in eq if c in known) / coefficient
            known[cell] = value
            changed = True
            if cell in suppressed:
                recovered[cell] = value
    return recovered


def attack_folder(marts_dir: Path) -> dict[tuple, float]:
    return recover(
        pd.read_parquet(marts_dir / "fct_outcomes.parquet"),
        pd.read_parquet(marts_dir / "dim_area.parquet"),
    )
