"""The intruder (tests/helpers/intruder.py) on extracts of the start commit's weak publications,
whose weak spots it must find with every range holding the exact value, and on tiny hand-made
publications where one kind of constraint alone gives a cell away (or nothing can be learned)."""

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from tests.helpers import intruder

FIXTURE = Path(__file__).parents[1] / "fixtures" / "intruder_start_commit"
LLR = ("LLR", "E06000016", "E06000017", "E10000018")


@pytest.fixture(scope="module")
def current():
    return intruder.load(FIXTURE / "current")


@pytest.fixture(scope="module")
def previous():
    return intruder.load(FIXTURE / "previous")


@pytest.fixture(scope="module")
def truth():
    return pd.read_csv(FIXTURE / "truth_current.csv")


def found(findings, metric, area, breakdown, period, column="numerator", attack=None):
    """The findings on one cell."""
    return [
        f
        for f in findings
        if f.cell == (metric, area, breakdown, period, column) and attack in (None, f.attack)
    ]


def assert_all_hold(findings, truth):
    scored = intruder.score(findings, truth)
    assert scored.holds.notna().all(), scored[scored.holds.isna()]
    assert scored.holds.all(), scored[~scored.holds.astype(bool)]


# ---------------------------------------------------------------- the start commit's weak spots


def test_relations_determine_rutland(current, truth):
    findings = intruder.attack_relations(current)
    # all 39 - opiate 16 - (unmet_need_alcohol's estimate 421 - unmet 408 = 13)
    (rutland,) = found(
        findings, "adults_in_treatment", "E06000017", "non_opiate_only", date(2020, 3, 31)
    )
    assert (rutland.low, rutland.high) == (10, 10)
    assert rutland.published
    assert_all_hold(findings, truth)


def test_time_narrows_derby_deaths_in_treatment(current, truth):
    assert not found(
        intruder.attack_relations(current),
        "deaths_in_treatment",
        "E06000015",
        "all",
        date(2024, 9, 30),
    )
    findings = intruder.attack_time(current)
    (derby,) = found(findings, "deaths_in_treatment", "E06000015", "all", date(2024, 9, 30))
    assert derby.values < intruder.THRESHOLD and derby.low <= 4 <= derby.high
    assert_all_hold(findings, truth)


def test_revisions_find_llr_successful_completions(previous, current, truth):
    # The partnership's non_opiate_and_alcohol completions fall by one from March to July
    # 2025 while Leicester's (shown) are unchanged: the change is in Rutland or
    # Leicestershire, both hidden.
    findings = intruder.attack_revisions(previous, current)
    for month in (3, 4, 5, 6, 7):
        period = pd.Timestamp(2025, month, 1) + pd.offsets.MonthEnd(0)
        args = ("successful_completion_rate", "LLR", "non_opiate_and_alcohol", period.date())
        (llr,) = found(findings, *args, attack="revision")
        assert (llr.low, llr.high, llr.current - llr.earlier) == (-1, -1, -1)
        assert not found(findings, args[0], "E06000016", *args[2:], attack="revision")
    assert not [f for f in findings if f.attack == "union"]  # nothing shown before is hidden now
    assert_all_hold(findings, truth)


def test_attack_all_keeps_one_finding_per_cell(previous, current, truth):
    findings = intruder.attack_all(current, previous)
    cells = [(f.cell, f.published) for f in findings if f.attack != "revision"]
    assert len(cells) == len(set(cells))
    assert {f.attack for f in findings} == {"relations", "time", "revision"}
    assert_all_hold(findings, truth)


# ---------------------------------------------------------------- hand-made publications

COUNTS = {
    "adults_in_treatment",
    "new_presentations",
    "unplanned_exits",
    "deaths_in_treatment",
    "drug_misuse_deaths",
    "young_people_in_treatment",
}
PER_100000 = {"drug_misuse_death_rate", "drug_misuse_death_rate_dsr"}
E = date(2024, 3, 31)
JAN, FEB, MAR, APR = date(2024, 1, 31), date(2024, 2, 29), E, date(2024, 4, 30)


def publication(rows, members=None, provisional=()):
    """rows: (metric, area, breakdown, period, numerator, denominator); a numerator None is a
    suppressed row (its denominator None too where that is hidden). members: partnership ->
    its authorities; E92000001 is England."""
    members = members or {}
    records = []
    for metric, area, breakdown, period, numerator, denominator in rows:
        kind = "partnership" if area in members else "local_authority"
        records.append(
            {
                "metric_id": metric,
                "area_code": area,
                "area_type": "country" if area == "E92000001" else kind,
                "breakdown": breakdown,
                "period_end_date": period,
                "numerator": numerator,
                "denominator": denominator,
                "unit": "count"
                if metric in COUNTS
                else "rate_per_100000"
                if metric in PER_100000
                else "percentage",
                "is_provisional": (metric, area, breakdown, period) in provisional,
                "is_suppressed": numerator is None,
            }
        )
    outcomes = pd.DataFrame(records).astype({"numerator": float, "denominator": float})
    areas = pd.DataFrame(
        [(p, "partnership", "|".join(m)) for p, m in members.items()],
        columns=["area_code", "area_type", "member_area_codes"],
    )
    return intruder.Publication(outcomes, areas, "hand-made")


def one(findings, metric, area, breakdown, period, column="numerator"):
    matches = found(findings, metric, area, breakdown, period, column)
    assert len(matches) == 1, findings
    return matches[0].low, matches[0].high


AIT, SCR = "adults_in_treatment", "successful_completion_rate"
CASES = {
    # `all` = the four substance groups
    "breakdown family": (
        [
            (AIT, "A", "all", E, 30, None),
            (AIT, "A", "opiate", E, 8, None),
            (AIT, "A", "non_opiate_only", E, 7, None),
            (AIT, "A", "non_opiate_and_alcohol", E, None, None),
            (AIT, "A", "alcohol_only", E, 5, None),
        ],
        {},
        (AIT, "A", "non_opiate_and_alcohol", E),
        (10, 10),
    ),
    # a PHOF grouping = its groups, numerators and denominators alike
    "PHOF grouping": (
        [
            (SCR, "A", "phof_non_opiate", E, 12, 40),
            (SCR, "A", "non_opiate_only", E, None, None),
            (SCR, "A", "non_opiate_and_alcohol", E, 7, 25),
        ],
        {},
        (SCR, "A", "non_opiate_only", E, "denominator"),
        (15, 15),
    ),
    "partnership": (
        [(AIT, "P", "all", E, 50, None), (AIT, "A", "all", E, None, None)]
        + [(AIT, "B", "all", E, 38, None)],
        {"P": ["A", "B"]},
        (AIT, "A", "all", E),
        (12, 12),
    ),
    "England": (
        [("drug_misuse_deaths", "E92000001", "all", E, 30, None)]
        + [("drug_misuse_deaths", "A", "all", E, None, None)]
        + [("drug_misuse_deaths", a, "all", E, n, None) for a, n in (("B", 10), ("C", 12))],
        {},
        ("drug_misuse_deaths", "A", "all", E),
        (8, 8),
    ),
    "same count": (
        [
            ("unplanned_exits", "A", "all", E, 9, None),
            ("unplanned_exit_rate", "A", "all", E, None, 40),
        ],
        {},
        ("unplanned_exit_rate", "A", "all", E),
        (9, 9),
    ),
    "3-year deaths": (
        [("drug_misuse_death_rate_dsr", "A", "all", date(2024, 12, 31), 30, 300000)]
        + [("drug_misuse_deaths", "A", "all", date(2024, 12, 31), None, None)]
        + [("drug_misuse_deaths", "A", "all", date(2023, 12, 31), 11, None)]
        + [("drug_misuse_deaths", "A", "all", date(2022, 12, 31), 12, None)],
        {},
        ("drug_misuse_deaths", "A", "all", date(2024, 12, 31)),
        (7, 7),
    ),
    "unmet need": (
        [
            ("unmet_need_opiate_crack", "A", "all", E, 300, 350),
            (AIT, "A", "opiate", E, None, None),
        ],
        {},
        (AIT, "A", "opiate", E),
        (50, 50),
    ),
    "numerator <= denominator": (
        [(SCR, "A", "all", E, None, 3)],
        {},
        (SCR, "A", "all", E),
        (0, 3),
    ),
    "new presentations <= adults in treatment": (
        [(AIT, "A", "opiate", E, 3, None), ("new_presentations", "A", "opiate", E, None, None)],
        {},
        ("new_presentations", "A", "opiate", E),
        (0, 3),
    ),
    "new presentations <= journeys started": (
        [
            ("early_unplanned_exit_rate", "A", "all", E, 0, 3),
            ("new_presentations", "A", "all", E, None, None),
        ],
        {},
        ("new_presentations", "A", "all", E),
        (0, 3),
    ),
    "deaths + unplanned exits <= discharges": (
        [
            ("unplanned_exit_rate", "A", "all", E, 9, 12),
            ("deaths_in_treatment", "A", "all", E, None, None),
        ],
        {},
        ("deaths_in_treatment", "A", "all", E),
        (0, 3),
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_one_relation_gives_a_cell_away(case):
    rows, members, cell, expected = CASES[case]
    pub = publication(rows, members)
    assert one(intruder.attack_relations(pub), *cell) == expected
    assert one(intruder.attack_all(pub), *cell) == expected


DIT, CONT, UER = "deaths_in_treatment", "continuity_of_care_rate", "unplanned_exit_rate"
TIME_CASES = {
    # windows of monthly counts >= 0: W(Jan) = 0 makes every month to January 0, so
    # W(Feb) = February's count <= W(Mar) = 3
    "windows": (
        [(DIT, "A", "all", JAN, 0, None), (DIT, "A", "all", FEB, None, None)]
        + [(DIT, "A", "all", MAR, 3, None)],
        (DIT, "A", "all", FEB),
        (0, 3),
    ),
    # each month the numerator's events are among the denominator's: releases are 0 to
    # January, 6 in February and 7 in March; 10 engaged in February + March, at most 7 in March
    "monthly subset": (
        [(CONT, "A", "all", JAN, 0, 0), (CONT, "A", "all", FEB, None, 6)]
        + [(CONT, "A", "all", MAR, 10, 13)],
        (CONT, "A", "all", FEB),
        (3, 6),
    ),
    # each month deaths and unplanned exits are different discharges
    "monthly disjoint": (
        [(UER, "A", "all", p, 0, d) for p, d in ((JAN, 0), (FEB, 6), (MAR, 13))]
        + [(DIT, "A", "all", JAN, 0, None), (DIT, "A", "all", FEB, None, None)]
        + [(DIT, "A", "all", MAR, 10, None)],
        (DIT, "A", "all", FEB),
        (3, 6),
    ),
}


@pytest.mark.parametrize("case", TIME_CASES)
def test_time_gives_a_cell_away(case):
    rows, cell, expected = TIME_CASES[case]
    pub = publication(rows)
    assert not found(intruder.attack_relations(pub), *cell)
    assert one(intruder.attack_time(pub), *cell) == expected


def test_time_narrows_an_unpublished_window():
    pub = publication([(DIT, "A", "all", JAN, 0, None), (DIT, "A", "all", MAR, 3, None)])
    (window,) = intruder.attack_time(pub)
    assert window.cell == (DIT, "A", "all", FEB, "numerator")
    assert (window.low, window.high, window.published) == (0, 3, False)


def test_lagged_early_exits_when_switched_on(monkeypatch):
    # early unplanned exits of journeys started in Feb 2023 - Jan 2024 are unplanned exits of
    # Feb 2023 - Apr 2024: none to January, 2 in February - April
    pub = publication(
        [
            ("early_unplanned_exit_rate", "A", "all", JAN, None, 40),
            ("unplanned_exits", "A", "all", JAN, 0, None),
            ("unplanned_exits", "A", "all", APR, 2, None),
        ]
    )
    cell = ("early_unplanned_exit_rate", "A", "all", JAN)
    assert not found(intruder.attack_time(pub), *cell)
    monkeypatch.setattr(intruder, "USE_LAGGED", True)
    assert one(intruder.attack_time(pub), *cell) == (0, 2)


def test_revision_and_union():
    members = {"P": ["A", "B"]}
    earlier = publication(
        [(AIT, "P", "all", E, 50, None), (AIT, "A", "all", E, None, None)]
        + [(AIT, "B", "all", E, 38, None), (AIT, "B", "all", FEB, 20, None)],
        members,
    )
    current = publication(
        [(AIT, "P", "all", E, 50, None), (AIT, "A", "all", E, None, None)]
        + [(AIT, "B", "all", E, None, None), (AIT, "B", "all", FEB, 21, None)],
        members,
    )
    assert not intruder.attack_all(current)
    findings = intruder.attack_revisions(earlier, current)
    (revision,) = [f for f in findings if f.attack == "revision"]
    assert revision.cell == (AIT, "B", "all", FEB, "numerator")
    assert (revision.low, revision.earlier, revision.current) == (1, 20, 21)
    union = {f.cell[1]: (f.low, f.high) for f in findings if f.attack == "union"}
    assert union == {"B": (38, 38), "A": (12, 12)}  # B read before; A = 50 - 38


def test_provisional_earlier_values_are_not_knowledge():
    members = {"P": ["A", "B"]}
    rows = [(AIT, "P", "all", E, 50, None), (AIT, "A", "all", E, None, None)]
    earlier = publication(
        rows + [(AIT, "B", "all", E, 38, None)], members, provisional={(AIT, "B", "all", E)}
    )
    current = publication(rows + [(AIT, "B", "all", E, None, None)], members)
    assert not intruder.attack_revisions(earlier, current)


def test_nothing_to_learn():
    pub = publication(
        [
            (AIT, "P", "all", E, 50, None),
            (AIT, "A", "all", E, None, None),
            (AIT, "B", "all", E, None, None),
            (SCR, "A", "all", E, None, None),
            (SCR, "B", "all", E, None, None),
            (DIT, "A", "all", JAN, None, None),
            (DIT, "A", "all", FEB, 12, None),
            (DIT, "A", "all", MAR, None, None),
        ],
        {"P": ["A", "B"]},
    )
    assert intruder.attack_all(pub) == []


def test_score_flags_a_range_that_misses():
    cell = (AIT, "A", "all", E, "numerator")
    findings = [
        intruder.Finding(*cell, low=10, high=12, attack="relations"),
        intruder.Finding(*cell, low=13, high=14, attack="time"),
    ]
    truth = pd.DataFrame(
        [(AIT, "A", "all", E, 11, None)],
        columns=[
            "metric_id",
            "area_code",
            "breakdown",
            "period_end_date",
            "numerator",
            "denominator",
        ],
    )
    assert intruder.score(findings, truth).holds.tolist() == [True, False]
