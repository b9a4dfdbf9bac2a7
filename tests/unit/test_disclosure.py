"""Disclosure control on hand-made tables: which cells the suppression hides and why, and the
audit (and the tests' own subtraction attacker) failing to work any of them out. Each case
prints its pattern (pytest -s shows it)."""

import duckdb
import pandas as pd
import pytest

from pipelines.disclosure import audit, rule, shareable, suppression
from tests.helpers.attacker import recover

PERIOD = pd.Timestamp("2024-12-31")
GROUPS = ("alcohol_only", "non_opiate_and_alcohol", "non_opiate_only", "opiate")
COMPOSITIONS = {
    "all": GROUPS,
    "phof_alcohol": ("alcohol_only",),
    "phof_non_opiate": ("non_opiate_and_alcohol", "non_opiate_only"),
    "phof_opiate": ("opiate",),
}
AREA_TYPES = {"P": "partnership", "E92000001": "country"}


def frame(cells: dict[tuple, float], metric="adults_in_treatment") -> pd.DataFrame:
    """{(area, breakdown): count} -> restricted fct_outcomes rows of one count metric."""
    return pd.DataFrame(
        [
            {
                "metric_id": metric,
                "area_code": area,
                "area_type": AREA_TYPES.get(area, "local_authority"),
                "breakdown": breakdown,
                "period_end_date": PERIOD,
                "unit": "count",
                "numerator": float(count),
                "denominator": None,
            }
            for (area, breakdown), count in cells.items()
        ]
    )


def family(area: str, groups: dict[str, float]) -> dict[tuple, float]:
    """The four substance groups of an area, its total and its PHOF groupings."""
    cells = {(area, g): n for g, n in groups.items()}
    for whole, parts in COMPOSITIONS.items():
        cells[(area, whole)] = sum(groups[p] for p in parts)
    return cells


def published_copy(truth: pd.DataFrame, decisions: suppression.Decisions) -> pd.DataFrame:
    copy = truth.merge(decisions.rows, on=suppression.KEY)
    copy["is_suppressed"] = copy.hide_numerator | copy.hide_denominator
    copy.loc[copy.hide_numerator, "numerator"] = None
    copy.loc[copy.hide_denominator, "denominator"] = None
    return copy


def protect(truth, memberships, compositions=COMPOSITIONS):
    decisions = suppression.decide(truth, compositions, memberships)
    published = published_copy(truth, decisions)
    result = audit.audit(published, truth, compositions, memberships)
    hidden = published[published.is_suppressed]
    print()
    for row in hidden.itertuples():
        print(f"  suppressed {row.area_code} {row.breakdown}: {row.reason}")
    print("  audit:", result.figures())
    return decisions, published, result


def hidden_cells(published) -> set[tuple]:
    return set(
        published.loc[published.is_suppressed, ["area_code", "breakdown"]].itertuples(
            index=False, name=None
        )
    )


def attacked(published: pd.DataFrame, memberships: dict) -> dict:
    areas = pd.DataFrame(
        [
            (area, "|".join(members))
            for area, members in memberships.items()
            if AREA_TYPES.get(area) == "partnership"
        ],
        columns=["area_code", "member_area_codes"],
    )
    return recover(published, areas)


def test_one_small_member_of_a_partnership_takes_a_partner_with_it():
    truth = frame({("A", "all"): 120, ("B", "all"): 80, ("C", "all"): 3, ("P", "all"): 203})
    memberships = {"P": ("A", "B", "C")}
    decisions, published, result = protect(truth, memberships)
    hidden = hidden_cells(published)
    assert ("C", "all") in hidden  # 3: a small number
    # and one more in the partnership's equation, the smallest member (not the total)
    assert hidden == {("C", "all"), ("B", "all")}
    assert decisions.reasons == {"primary": 1, "secondary:geography": 1}
    assert result.passed and result.narrowest_values >= rule.MIN_FEASIBLE_VALUES
    assert attacked(published, memberships) == {}


def test_two_small_members_protect_each_other_only_when_their_sum_is_wide_enough():
    # 2 + 3 = 5: each could be 0..5, six values: no third cell is needed
    truth = frame({("A", "all"): 200, ("B", "all"): 2, ("C", "all"): 3, ("P", "all"): 205})
    decisions, published, result = protect(truth, {"P": ("A", "B", "C")})
    assert hidden_cells(published) == {("B", "all"), ("C", "all")}
    assert result.passed and result.narrowest_values == 6
    # 1 + 2 = 3: each could only be 0..3, so a third cell is hidden
    truth = frame({("A", "all"): 200, ("B", "all"): 1, ("C", "all"): 2, ("P", "all"): 203})
    decisions, published, result = protect(truth, {"P": ("A", "B", "C")})
    assert hidden_cells(published) == {("A", "all"), ("B", "all"), ("C", "all")}
    assert decisions.reasons["secondary:geography"] == 1
    assert result.passed


def test_family_and_geography_protections_are_combined():
    # Rutland-like: C's opiate count is 3. Its family hides a second group; each hidden group
    # is then exposed through the partnership unless a partner hides the same group.
    memberships = {"P": ("A", "B", "C")}
    a = {"opiate": 300, "non_opiate_only": 120, "non_opiate_and_alcohol": 90, "alcohol_only": 200}
    b = {"opiate": 150, "non_opiate_only": 60, "non_opiate_and_alcohol": 45, "alcohol_only": 110}
    c = {"opiate": 3, "non_opiate_only": 9, "non_opiate_and_alcohol": 12, "alcohol_only": 14}
    cells = family("A", a) | family("B", b) | family("C", c)
    total = {g: a[g] + b[g] + c[g] for g in GROUPS}
    cells |= family("P", total)
    truth = frame(cells)
    decisions, published, result = protect(truth, memberships)
    hidden = hidden_cells(published)
    assert ("C", "opiate") in hidden and ("C", "phof_opiate") in hidden
    # every family and every partnership sum holding a hidden cell holds at least two, and
    # the totals (what most readers look at) stay published
    for area in ("A", "B", "C", "P"):
        in_family = [g for g in (*GROUPS, "all") if (area, g) in hidden]
        assert len(in_family) != 1, area
        assert (area, "all") not in hidden
    for group in (*GROUPS, *COMPOSITIONS):
        in_geography = [x for x in ("A", "B", "C", "P") if (x, group) in hidden]
        assert len(in_geography) != 1, group
    assert result.passed and not result.determined
    assert attacked(published, memberships) == {}
    assert {"secondary:breakdown", "secondary:geography"} <= set(decisions.reasons)


def test_a_partnership_of_one_member_is_the_same_number():
    truth = frame({("A", "all"): 3, ("P", "all"): 3, ("B", "all"): 500})
    memberships = {"P": ("A",)}
    decisions, published, result = protect(truth, memberships)
    assert hidden_cells(published) == {("A", "all"), ("P", "all")}
    assert decisions.reasons == {"primary": 2}
    assert result.passed


def test_england_is_the_sum_of_its_authorities_in_a_national_folder():
    authorities = {f"E0600{i:04d}": 40 + 7 * i for i in range(1, 11)}
    authorities["E06000003"] = 2
    cells = {(code, "all"): n for code, n in authorities.items()}
    cells[("E92000001", "all")] = sum(authorities.values())
    truth = frame(cells)
    memberships = {"E92000001": tuple(sorted(authorities))}
    decisions, published, result = protect(truth, memberships)
    hidden = hidden_cells(published)
    assert ("E06000003", "all") in hidden and ("E92000001", "all") not in hidden
    assert len(hidden) == 2 and decisions.reasons["secondary:geography"] == 1
    assert result.passed


def test_a_rate_denominator_that_is_another_metrics_count_is_protected():
    # the successful-completion denominator is adults in treatment: hiding the count of 3
    # hides the same number where the rate publishes it
    truth = pd.concat(
        [
            frame({("A", "all"): 3, ("B", "all"): 400, ("P", "all"): 403}),
            frame(
                {("A", "all"): 1, ("B", "all"): 90, ("P", "all"): 91},
                metric="successful_completion_rate",
            ).assign(unit="percentage", denominator=[3.0, 400.0, 403.0]),
        ],
        ignore_index=True,
    )
    memberships = {"P": ("A", "B")}
    decisions, published, result = protect(truth, memberships, {})
    rate = published[published.metric_id == "successful_completion_rate"].set_index("area_code")
    assert rate.loc["A"].is_suppressed and pd.isna(rate.loc["A"].denominator)
    assert result.passed and not result.determined


def test_the_pattern_is_deterministic_whatever_the_row_order():
    cells = family(
        "A", {"opiate": 30, "non_opiate_only": 2, "non_opiate_and_alcohol": 15, "alcohol_only": 40}
    )
    truth = frame(cells)
    first = suppression.decide(truth, COMPOSITIONS, {})
    shuffled = suppression.decide(truth.sample(frac=1, random_state=3), COMPOSITIONS, {})
    key = suppression.KEY

    def pattern(d):
        return d.rows.sort_values(key).reset_index(drop=True)[[*key, "hide_numerator"]]

    pd.testing.assert_frame_equal(pattern(first), pattern(shuffled))


def test_the_audit_catches_what_subtraction_gives_back():
    truth = frame({("A", "all"): 120, ("B", "all"): 80, ("C", "all"): 3, ("P", "all"): 203})
    memberships = {"P": ("A", "B", "C")}
    published = truth.assign(is_suppressed=truth.area_code == "C")
    published.loc[published.is_suppressed, "numerator"] = None
    result = audit.audit(published, truth, {}, memberships)
    assert not result.passed
    assert [(f.area_code, f.low, f.how) for f in result.determined] == [("C", 3.0, "propagation")]


def test_the_audit_catches_a_range_too_narrow_by_linear_programming():
    # B and C are hidden, but B + C = 2: each lies in 0..2, three values
    truth = frame({("A", "all"): 120, ("B", "all"): 1, ("C", "all"): 1, ("P", "all"): 122})
    published = truth.assign(is_suppressed=truth.area_code.isin(["B", "C"]))
    published.loc[published.is_suppressed, "numerator"] = None
    result = audit.audit(published, truth, {}, {"P": ("A", "B", "C")})
    assert not result.determined
    assert sorted((f.area_code, f.low, f.high) for f in result.too_narrow) == [
        ("B", 0.0, 2.0),
        ("C", 0.0, 2.0),
    ]


def test_the_audit_works_out_by_subtraction_and_bounds_by_lp_in_one_attack():
    # C is given away by subtraction in P; D and E (hidden in Q) need the linear programme.
    # The dict of solved groups passed between rounds is kept apart from the subtraction's
    # numbers (a value worked out once took its name, and the programme failed)
    truth = frame(
        {
            **{("A", "all"): 120, ("B", "all"): 80, ("C", "all"): 3, ("P", "all"): 203},
            **{("D", "all"): 1, ("E", "all"): 1, ("F", "all"): 50, ("Q", "all"): 52},
        }
    )
    memberships = {"P": ("A", "B", "C"), "Q": ("D", "E", "F")}
    published = truth.assign(is_suppressed=truth.area_code.isin(["C", "D", "E"]))
    published.loc[published.is_suppressed, "numerator"] = None
    solved: dict = {}
    result = audit.audit(published, truth, {}, memberships, solved)
    assert [(f.area_code, f.how) for f in result.determined] == [("C", "propagation")]
    assert sorted(f.area_code for f in result.too_narrow) == ["D", "E"]
    assert solved  # the programme's groups are kept for the next round


def test_the_audit_sees_a_combination_of_relations():
    # opiate + alcohol + the non-opiate grouping are published with the total: the grouping
    # is the total minus the two, though no single equation has one unknown
    groups = {"opiate": 50, "non_opiate_only": 3, "non_opiate_and_alcohol": 20, "alcohol_only": 30}
    truth = frame(family("A", groups))
    hidden = {"non_opiate_only", "non_opiate_and_alcohol", "phof_non_opiate"}
    published = truth.assign(is_suppressed=truth.breakdown.isin(hidden))
    published.loc[published.is_suppressed, "numerator"] = None
    result = audit.audit(published, truth, COMPOSITIONS, {})
    assert [(f.breakdown, f.low) for f in result.determined] == [("phof_non_opiate", 23.0)]
    # the suppression knows that combination and never publishes this pattern
    decisions = suppression.decide(truth, COMPOSITIONS, {})
    assert audit.audit(published_copy(truth, decisions), truth, COMPOSITIONS, {}).passed


def test_where_unknown_substances_make_the_total_larger_the_audit_reads_an_inequality():
    groups = {"opiate": 50, "non_opiate_only": 3, "non_opiate_and_alcohol": 1, "alcohol_only": 30}
    cells = family("A", groups)
    cells[("A", "all")] += 1  # one person of unknown substance counts only in the total
    truth = frame(cells)
    decisions, published, result = protect(truth, {})
    assert decisions.equations_not_holding == 2  # all = groups; all = a grouping + the rest
    assert result.passed


def test_outcomes_sql_blanks_a_suppressed_row_but_keeps_its_public_denominator():
    con = duckdb.connect()
    con.execute("""
        create table outcomes as select * from (values
            ('drug_misuse_death_rate', 'A', 'local_authority', 'all', date '2024-12-31',
             'rate_per_100000', 3, 250000, 1.2, 0.2, 3.5, 'worse', 'a note', 5.1::double,
             'fingertips'),
            ('drug_misuse_death_rate', 'E92000001', 'country', 'all', date '2024-12-31',
             'rate_per_100000', 3, 250000, 1.2, 0.2, 3.5, 'not_compared', null, 1.2, 'warehouse'),
            ('drug_misuse_death_rate', 'B', 'local_authority', 'all', date '2024-12-31',
             'rate_per_100000', 30, 250000, 12.0, 8.0, 17.0, 'similar', null, 1.2, 'warehouse')
        ) t(metric_id, area_code, area_type, breakdown, period_end_date, unit, numerator,
            denominator, value, lower_95, upper_95, comparison_to_england, value_note,
            england_value, england_value_source)
    """)
    decisions = pd.DataFrame(
        {
            # every published row has its decision (a row without one is not published)
            "metric_id": ["drug_misuse_death_rate"] * 3,
            "area_code": ["A", "E92000001", "B"],
            "breakdown": ["all"] * 3,
            "period_end_date": [PERIOD] * 3,
            "hide_numerator": [True, True, False],
            "hide_denominator": [False, False, False],
            "is_frozen": [False, False, False],
        }
    )
    con.register(shareable.DECISIONS_TABLE, decisions)
    con.execute(
        f"create table {shareable.FROZEN_TABLE} as select metric_id, area_code, breakdown, "
        "period_end_date, numerator, denominator, value, lower_95, upper_95, value_note, "
        "comparison_to_england, england_value from outcomes where false"
    )
    mart = shareable.PublishedMart(
        "fct_outcomes",
        "outcomes",
        "outcome_measures",
        measure_columns=("numerator", "denominator", "value", "lower_95", "upper_95"),
        derived_columns=(("comparison_to_england", "not_compared"),),
    )
    rows = con.execute(
        f"select area_code, numerator, denominator, value, lower_95, comparison_to_england, "
        f"value_note, england_value, is_suppressed, suppression_reason "
        f"from ({shareable.outcomes_sql('outcomes', mart)}) order by area_code"
    ).fetchall()
    assert rows[0] == (
        "A",
        None,
        250000,
        None,
        None,
        "not_compared",
        None,
        5.1,
        True,
        rule.PUBLISHED_REASON,
    )
    # B's England value came from the suppressed England row: blanked too
    assert rows[1][0] == "B" and rows[1][7] is None and rows[1][3] == 12.0


def test_the_scorecards_latest_flag_marks_the_reporting_period_among_rows_published():
    """The published scorecard marks each metric's row of the area's reporting period: its
    latest published period on or before it, even where that row is suppressed; deaths
    registered (published for calendar years only) at the December before it."""
    con = duckdb.connect()
    con.execute("""
        create table scorecard as select * from (values
            ('adults_in_treatment', 'A', date '2025-03-31', 10.0),
            ('adults_in_treatment', 'A', date '2025-09-30', 11.0),
            ('drug_misuse_deaths', 'A', date '2024-12-31', 20.0),
            ('drug_misuse_deaths', 'A', date '2025-03-31', 21.0),
            ('continuity_of_care_rate', 'A', date '2024-03-31', 40.0),
            ('continuity_of_care_rate', 'A', date '2025-03-31', 3.0)
        ) t(metric_id, area_code, period_end_date, value)
    """)
    con.execute(
        "create table derived as select *, date '2025-03-31' as reporting_period_end_date, "
        "true as is_latest_final from scorecard"
    )
    # the restricted cells; deaths registered at 31 March are not published (no decision)
    con.execute(
        f"create view {shareable.OUTCOMES_RELATION_ALIAS} as "
        "select metric_id, area_code, 'all' as breakdown, period_end_date from scorecard"
    )
    con.execute(f"""
        create table {shareable.DECISIONS_TABLE} as
        select metric_id, area_code, 'all' as breakdown, period_end_date,
            value <> 3.0 as is_shown
        from scorecard
        where not (metric_id = 'drug_misuse_deaths' and month(period_end_date) = 3)
    """)
    mart = shareable.PublishedMart(
        "fct_strategy_scorecard",
        "derived",
        "follows_outcomes",
        follows=(shareable.FollowSpec("period_end_date", ("value",)),),
        latest_flag="is_latest_final",
        latest_on_or_before="reporting_period_end_date",
    )
    rows = con.execute(
        f"select metric_id, period_end_date::varchar, value, is_suppressed "
        f"from ({shareable.follows_sql('derived', mart)}) where is_latest_final order by 1"
    ).fetchall()
    assert rows == [
        ("adults_in_treatment", "2025-03-31", 10.0, False),  # not its later months
        ("continuity_of_care_rate", "2025-03-31", None, True),  # suppressed, still the period
        ("drug_misuse_deaths", "2024-12-31", 20.0, False),
    ]


@pytest.mark.parametrize("count", [1, 2, 3, 4])
def test_every_small_count_is_a_primary_cell(count):
    truth = frame({("A", "all"): count})
    decisions = suppression.decide(truth, {}, {})
    assert decisions.primary_cells == 1 and decisions.rows.hide_numerator.all()


def test_zero_stays_published_and_a_small_rate_denominator_hides_its_numerator():
    cells = family(
        "A", {"opiate": 3, "alcohol_only": 0, "non_opiate_only": 40, "non_opiate_and_alcohol": 75}
    )
    decisions, published, result = protect(frame(cells), {})
    shown = published.set_index("breakdown")
    assert shown.loc["alcohol_only"].numerator == 0  # a zero discloses nothing: kept
    assert shown.loc["opiate"].is_suppressed and shown.loc["non_opiate_only"].is_suppressed
    assert shown.loc["all"].numerator == 118 and result.passed
    rate = frame({("A", "all"): 1}, metric="successful_completion_rate").assign(
        unit="percentage", denominator=3.0
    )
    decisions = suppression.decide(rate, {}, {})
    assert decisions.rows.hide_denominator.all() and decisions.rows.hide_numerator.all()
    assert decisions.reasons == {"primary": 2}


# --- every relation, time and revisions ---------------------------------------------------------

FY_END = pd.Timestamp("2020-03-31")


def unmet_alcohol_rows(area: str, estimate: float, in_treatment: float) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "metric_id": "unmet_need_alcohol",
                "area_code": area,
                "area_type": "local_authority",
                "breakdown": "all",
                "period_end_date": PERIOD,
                "unit": "percentage",
                "numerator": estimate - in_treatment,
                "denominator": estimate,
            }
        ]
    )


def test_unmet_need_publishes_a_grouping_of_the_people_in_treatment():
    # Rutland, year to 2020-03-31: all 39, opiate 16, and unmet need 421 - 408 = 13 people in
    # the two alcohol groups: non-opiate only = 39 - 16 - 13 = 10, though no single relation
    # has one unknown once the family hides a second group
    groups = {"opiate": 16, "non_opiate_only": 10, "non_opiate_and_alcohol": 3, "alcohol_only": 10}
    truth = pd.concat(
        [frame(family("A", groups)), unmet_alcohol_rows("A", 421, 13)], ignore_index=True
    )
    hidden = {"non_opiate_only", "non_opiate_and_alcohol", "alcohol_only", "phof_non_opiate"}
    weak = truth.assign(is_suppressed=truth.breakdown.isin(hidden))
    weak.loc[weak.is_suppressed, "numerator"] = None
    found = audit.audit(weak, truth, COMPOSITIONS, {})
    assert ("non_opiate_only", 10.0) in [(f.breakdown, f.low) for f in found.determined]
    # the suppression writes that combination down as an equation and protects it
    decisions, published, result = protect(truth, {})
    assert result.passed and not result.determined and not result.too_narrow


def test_the_audit_widens_around_a_bound_by_definition():
    # deaths in treatment and unplanned exits are discharges (rule.AT_MOST): where the audit
    # finds a hidden death count too narrow, the discharges that bound it are hidden too
    truth = pd.DataFrame(
        [
            {
                "metric_id": metric,
                "area_code": "A",
                "area_type": "local_authority",
                "breakdown": "all",
                "period_end_date": FY_END,
                "unit": unit,
                "numerator": numerator,
                "denominator": denominator,
            }
            for metric, unit, numerator, denominator in [
                ("deaths_in_treatment", "count", 2.0, None),
                ("unplanned_exits", "count", 5.0, None),
                ("unplanned_exit_rate", "percentage", 5.0, 9.0),
            ]
        ]
    )
    weak = ("deaths_in_treatment", "A", "all", FY_END, "numerator")
    rows = suppression.decide(truth, {}, {}).rows.set_index("metric_id")
    assert not rows.loc["unplanned_exit_rate"].hide_denominator
    rows = suppression.decide(truth, {}, {}, widen=[weak]).rows.set_index("metric_id")
    assert rows.loc["deaths_in_treatment"].hide_numerator
    assert rows.loc["unplanned_exit_rate"].hide_denominator  # and so its numerator
    assert rows.loc["unplanned_exit_rate"].hide_numerator


def test_cells_an_earlier_publication_published_stay_as_they_were():
    truth = frame({("A", "all"): 120, ("B", "all"): 80, ("C", "all"): 3, ("P", "all"): 203})
    memberships = {"P": ("A", "B", "C")}
    # last month B was shown and A hidden (say): B stays shown, A stays hidden, and C (new
    # this month, a small number) is protected around them
    fixed = truth[suppression.KEY].copy()
    fixed = fixed[fixed.area_code.isin(["A", "B"])]
    fixed["hide_numerator"] = fixed.area_code == "A"
    fixed["hide_denominator"] = False
    decisions = suppression.decide(truth, {}, memberships, fixed=fixed)
    hidden = set(decisions.rows.loc[decisions.rows.hide_numerator, "area_code"])
    assert hidden == {"A", "C"}
    assert decisions.carried_cells == 1 and decisions.primary_cells == 1
    assert decisions.hidden_cells == 2
    # a shown cell that an audit would like hidden cannot be: a reader has it already
    widened = suppression.decide(
        truth,
        {},
        memberships,
        widen=[("adults_in_treatment", "C", "all", PERIOD, "numerator")],
        fixed=fixed.assign(hide_numerator=False),
    )
    assert set(widened.rows.loc[widened.rows.hide_numerator, "area_code"]) == {"C", "P"}


def test_only_final_values_and_whole_years_of_event_counts_are_publishable():
    periods = pd.to_datetime(["2024-03-31", "2024-04-30", "2024-12-31", "2025-03-31"])
    rows = pd.DataFrame(
        [
            {"metric_id": metric, "period_end_date": period, "is_provisional": provisional}
            for metric in ("unplanned_exits", "drug_misuse_deaths", "adults_in_treatment")
            for period, provisional in zip(periods, [False, False, False, True], strict=True)
        ]
    )
    kept = rows[shareable.publishable(rows)]
    assert set(zip(kept.metric_id, kept.period_end_date.dt.strftime("%Y-%m"), strict=True)) == {
        ("unplanned_exits", "2024-03"),
        ("drug_misuse_deaths", "2024-12"),
        ("adults_in_treatment", "2024-03"),
        ("adults_in_treatment", "2024-04"),
        ("adults_in_treatment", "2024-12"),
    }


def test_the_audit_refuses_overlapping_windows_of_an_event_metric():
    rows = frame({("A", "all"): 40}, metric="unplanned_exits")
    annual = pd.concat([rows, rows.assign(period_end_date=pd.Timestamp("2025-12-31"))])
    assert audit.overlapping_event_windows(annual) == 0
    monthly = pd.concat([rows, rows.assign(period_end_date=pd.Timestamp("2025-01-31"))])
    assert audit.overlapping_event_windows(monthly) == 1


def test_a_row_published_before_is_frozen_where_the_warehouse_has_changed_it(tmp_path):
    truth = frame({("A", "all"): 120, ("B", "all"): 80, ("P", "all"): 200})
    earlier = truth.assign(is_suppressed=False)
    earlier.loc[earlier.area_code == "B", "numerator"] = 79.0  # a discharge recorded late since
    earlier.to_parquet(tmp_path / "fct_outcomes.parquet")
    carried = shareable.previous_rows(tmp_path / "fct_outcomes.parquet", truth)
    assert dict(zip(carried.area_code, carried.is_frozen, strict=True)) == {
        "A": False,
        "B": True,
        "P": False,
    }
    assert len(shareable.previous_rows(None, truth)) == 0


def test_a_hidden_zero_the_audit_worked_out_is_published_as_zero():
    # P = A + B + C, A small; P and C were published before, so the suppression can only
    # take B, a zero, with A
    truth = frame({("A", "all"): 2, ("B", "all"): 0, ("C", "all"): 50, ("P", "all"): 52})
    memberships = {"P": ("A", "B", "C")}
    fixed = truth[truth.area_code.isin(["C", "P"])][suppression.KEY].assign(
        hide_numerator=False, hide_denominator=False
    )
    decisions = suppression.decide(truth, {}, memberships, fixed=fixed)
    assert hidden_cells(published_copy(truth, decisions)) == {("A", "all"), ("B", "all")}
    # a zero the audit worked out (listed by `shareable.worked_out_zeros`) is shown
    zero = ("adults_in_treatment", "B", "all", PERIOD, "numerator")
    decisions = suppression.decide(
        truth, {}, memberships, fixed=fixed, shown_zeros=frozenset({zero})
    )
    assert hidden_cells(published_copy(truth, decisions)) == {("A", "all")}
    # a cell that is not zero is never shown that way
    not_zero = ("adults_in_treatment", "A", "all", PERIOD, "numerator")
    decisions = suppression.decide(
        truth, {}, memberships, fixed=fixed, shown_zeros=frozenset({not_zero})
    )
    assert ("A", "all") in hidden_cells(published_copy(truth, decisions))


def worked_out(area, column, low=0.0, high=0.0, metric="successful_completion_rate"):
    return audit.Finding(metric, area, "all", PERIOD, column, low, high, "linear_programme")


def test_only_rows_whose_every_hidden_cell_was_worked_out_as_zero_are_shown():
    rows = pd.DataFrame(
        [
            # a rate of 0 over 0: both worked out, shown
            ("successful_completion_rate", "A", True, True),
            # a zero numerator beside a denominator the reader cannot work out: stays hidden
            ("successful_completion_rate", "B", True, True),
            # a count: its one cell
            ("adults_in_treatment", "C", True, False),
            # published before (settled): stays as it was
            ("adults_in_treatment", "D", True, False),
        ],
        columns=["metric_id", "area_code", "hide_numerator", "hide_denominator"],
    ).assign(breakdown="all", period_end_date=PERIOD, is_frozen=False)
    determined = [
        worked_out("A", "numerator"),
        worked_out("A", "denominator"),
        worked_out("B", "numerator"),
        worked_out("C", "numerator", metric="adults_in_treatment"),
        worked_out("D", "numerator", metric="adults_in_treatment"),
        worked_out("E", "numerator", low=7.0, high=7.0, metric="adults_in_treatment"),
    ]
    carried = rows[rows.area_code == "D"][suppression.KEY]
    shown = shareable.worked_out_zeros(determined, rows, carried)
    assert shown == {
        ("successful_completion_rate", "A", "all", PERIOD, "numerator"),
        ("successful_completion_rate", "A", "all", PERIOD, "denominator"),
        ("adults_in_treatment", "C", "all", PERIOD, "numerator"),
    }
