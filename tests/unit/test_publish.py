"""Disclosure control and the atomic publication, on small hand-made tables."""

import os
from pathlib import Path

import duckdb
import pytest

from pipelines import publish
from pipelines.publish import PublishedMart

FAMILY = ("metric_id", "area_code", "period_end_date")


COMPOSITION = """
    select * from (values ('phof_non_opiate', 'non_opiate_only'),
                          ('phof_non_opiate', 'non_opiate_and_alcohol'),
                          ('phof_opiate', 'opiate'), ('phof_alcohol', 'alcohol_only'))
        as t (composite_breakdown, part_breakdown)
"""


def breakdown_type(breakdown):
    if breakdown == "all":
        return "all"
    return "phof_grouping" if breakdown.startswith("phof_") else "substance_group"


def measures(con, rows):
    con.execute(
        "CREATE OR REPLACE TABLE measures (metric_id VARCHAR, area_code VARCHAR, "
        "breakdown_type VARCHAR, breakdown VARCHAR, period_end_date DATE, numerator BIGINT, "
        "denominator BIGINT, value DOUBLE, unit VARCHAR, comparison_to_england VARCHAR)"
    )
    for metric, breakdown, *rest in rows:
        con.execute(
            "INSERT INTO measures VALUES (?, 'A', ?, ?, DATE '2024-12-31', ?, ?, ?, ?, 'worse')",
            [metric, breakdown_type(breakdown), breakdown, *rest],
        )


def disclosed(con):
    sql = publish.disclosure_sql(
        "measures",
        FAMILY,
        derived_columns=(("comparison_to_england", "not_compared"),),
        composition=COMPOSITION,
    )
    return {
        (r[0], r[1]): r[2:]
        for r in con.execute(
            f"SELECT metric_id, breakdown, numerator, denominator, value, suppression_reason, "
            f"is_low_reliability FROM ({sql})"
        ).fetchall()
    }


def count_row(breakdown, n):
    return ("m", breakdown, n, None, n, "count")


def test_counts_1_to_4_suppressed_zero_stays_zero_and_one_more_in_the_family():
    con = duckdb.connect()
    measures(
        con,
        [
            count_row("all", 118),
            count_row("opiate", 3),
            count_row("alcohol_only", 0),
            count_row("non_opiate_only", 40),
            count_row("non_opiate_and_alcohol", 75),
        ],
    )
    out = disclosed(con)
    assert out[("m", "opiate")][:3] == (None, None, None)
    assert out[("m", "opiate")][3] == "count_1_to_4"
    assert out[("m", "alcohol_only")][:3] == (0, None, 0)  # zero is not disclosive: kept
    # the next smallest non-zero cell goes too, so 3 cannot be recovered from the total
    assert out[("m", "non_opiate_only")][3] == "secondary_in_breakdown_family"
    assert out[("m", "non_opiate_and_alcohol")][0] == 75
    assert out[("m", "all")][0] == 118


def test_two_primary_suppressions_need_no_secondary():
    con = duckdb.connect()
    measures(
        con,
        [
            count_row("all", 50),
            count_row("opiate", 2),
            count_row("alcohol_only", 4),
            count_row("non_opiate_only", 20),
            count_row("non_opiate_and_alcohol", 24),
        ],
    )
    out = disclosed(con)
    assert [out[("m", b)][3] for b in ("opiate", "alcohol_only")] == ["count_1_to_4"] * 2
    assert out[("m", "non_opiate_only")][0] == 20 and out[("m", "all")][0] == 50


def test_total_suppressed_when_it_would_equal_the_only_hidden_cell():
    con = duckdb.connect()
    measures(
        con,
        [
            count_row("all", 3),
            count_row("opiate", 3),
            count_row("alcohol_only", 0),
            count_row("non_opiate_only", 0),
            count_row("non_opiate_and_alcohol", 0),
        ],
    )
    out = disclosed(con)
    assert out[("m", "all")][3] == "count_1_to_4"  # 3 is itself small
    measures(
        con,
        [
            count_row("all", 12),
            count_row("opiate", 2),
            count_row("alcohol_only", 0),
            count_row("non_opiate_only", 0),
            count_row("non_opiate_and_alcohol", 10),
        ],
    )
    out = disclosed(con)
    assert out[("m", "non_opiate_and_alcohol")][3] == "secondary_in_breakdown_family"


def test_a_phof_grouping_is_suppressed_with_any_group_inside_it():
    con = duckdb.connect()
    measures(
        con,
        [
            count_row("all", 100),
            count_row("opiate", 50),
            count_row("alcohol_only", 20),
            count_row("non_opiate_only", 3),
            count_row("non_opiate_and_alcohol", 27),
            count_row("phof_opiate", 50),
            count_row("phof_non_opiate", 30),
            count_row("phof_alcohol", 20),
        ],
    )
    out = disclosed(con)
    assert out[("m", "non_opiate_only")][3] == "count_1_to_4"
    # alcohol_only (20) is the next smallest: suppressed, and so is its PHOF twin
    assert out[("m", "alcohol_only")][3] == "secondary_in_breakdown_family"
    assert out[("m", "phof_alcohol")][3] == "contains_a_suppressed_group"
    assert out[("m", "phof_non_opiate")][3] == "contains_a_suppressed_group"
    assert out[("m", "phof_opiate")][0] == 50 and out[("m", "all")][0] == 100


def test_suppressed_comparison_is_not_compared():
    con = duckdb.connect()
    measures(con, [("r", "all", 3, 40, 7.5, "percentage")])
    sql = publish.disclosure_sql(
        "measures", FAMILY, derived_columns=(("comparison_to_england", "not_compared"),)
    )
    row = con.execute(f"SELECT comparison_to_england, is_suppressed FROM ({sql})").fetchone()
    assert row == ("not_compared", True)


def test_rates_suppressed_on_small_numerator_or_denominator_and_flagged_below_10():
    con = duckdb.connect()
    measures(
        con,
        [
            ("r", "all", 9, 40, 22.5, "percentage"),
            ("r", "opiate", 0, 3, 0.0, "percentage"),  # denominator 3: suppressed
            ("r", "alcohol_only", 4, 30, 13.3, "percentage"),  # numerator 4: suppressed
            ("r", "non_opiate_only", 5, 7, 71.4, "percentage"),
        ],
    )
    out = disclosed(con)
    assert out[("r", "opiate")][3] == "numerator_or_denominator_1_to_4"
    assert out[("r", "alcohol_only")][3] == "numerator_or_denominator_1_to_4"
    assert out[("r", "non_opiate_only")][4] is True  # 5 events: low reliability
    assert out[("r", "all")][4] is True and out[("r", "all")][2] == 22.5


def make_warehouse(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE TABLE marts.dim_thing AS SELECT 1 AS id")
    con.close()


def test_failed_publication_leaves_previous_files_untouched(tmp_path, monkeypatch):
    warehouse, marts_dir = tmp_path / "w.duckdb", tmp_path / "marts"
    make_warehouse(warehouse)
    marts = [PublishedMart("dim_thing", "marts.dim_thing", "reference", ())]
    publish.publish(warehouse, marts_dir, marts)
    before = {p.name: p.read_bytes() for p in marts_dir.iterdir()}

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        publish.publish(warehouse, marts_dir, marts)
    after = {p.name: p.read_bytes() for p in marts_dir.iterdir()}
    assert after == before  # and no temporary folder left behind


def test_marts_without_disclosure_meta_are_refused(tmp_path):
    manifest = tmp_path / "manifest.json"
    manifest.write_text(
        '{"nodes": {"model.x.fct_new": {"resource_type": "model", "fqn": ["x", "marts", "fct_new"],'
        ' "name": "fct_new", "alias": "fct_new", "schema": "marts",'
        ' "config": {"meta": {"publish": true}}}}}'
    )
    with pytest.raises(ValueError, match="fct_new"):
        publish.published_marts(manifest)
