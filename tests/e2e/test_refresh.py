"""End-to-end refreshes on temporary folders, through the same code path as `cdap refresh`."""

import csv
import json
import subprocess
import sys

import dagster as dg
import duckdb
import pandas as pd
import pytest

from pipelines import config
from pipelines.disclosure import rule
from pipelines.publish import neighbours
from tests.conftest import copy_publication, file_hashes, run_refresh_in

PERSON_LEVEL_COLUMNS = {"client_id", "journey_id", "release_id", "death_id", "latest_journey_id"}


def test_publication_is_complete_and_consistent(refreshed):
    marts = refreshed.settings.marts_dir
    names = {p.name for p in marts.iterdir()}
    assert {"fct_outcomes.parquet", "dim_metric.parquet", config.PUBLISHED_DUCKDB_NAME} <= names
    assert not [n for n in names if n.startswith(".publishing")]
    con = duckdb.connect(str(marts / config.PUBLISHED_DUCKDB_NAME), read_only=True)
    from_duckdb = con.execute("SELECT count(*), sum(numerator) FROM fct_outcomes").fetchone()
    from_parquet = pd.read_parquet(marts / "fct_outcomes.parquet")
    assert from_duckdb == (len(from_parquet), from_parquet["numerator"].sum())
    # every published metric is documented
    published_ids = {
        r[0] for r in con.execute("SELECT DISTINCT metric_id FROM fct_outcomes").fetchall()
    }
    documented = {r[0] for r in con.execute("SELECT metric_id FROM dim_metric").fetchall()}
    assert published_ids <= documented


def test_grain_every_area_breakdown_and_month(refreshed):
    frame = pd.read_parquet(refreshed.settings.marts_dir / "fct_outcomes.parquet")
    grain = ["metric_id", "area_code", "breakdown", "period_end_date"]
    assert not frame.duplicated(grain).any()
    # zero rows are kept: every area has every row (crime only where every force's months are
    # there: tests/e2e/test_crime.py)
    per_area = frame[~frame.metric_id.isin(rule.PUBLIC_METRICS)].groupby("area_code").size()
    assert per_area.nunique() == 1
    months = sorted(frame.period_end_date.unique())
    assert str(months[0]) == "2019-12-31" and str(months[-1]) == "2025-09-30"


def test_nothing_person_level_or_small_is_published(refreshed):
    marts = refreshed.settings.marts_dir
    for parquet in marts.glob("*.parquet"):
        assert not PERSON_LEVEL_COLUMNS & set(pd.read_parquet(parquet).columns), parquet.name
    frame = pd.read_parquet(marts / "fct_outcomes.parquet")
    counts = frame[(frame.unit == "count") & ~frame.metric_id.isin(rule.PUBLIC_METRICS)]
    assert not counts["numerator"].between(1, 4).any()
    suppressed = frame[frame.is_suppressed]
    assert len(suppressed) > 0 and suppressed["value"].isna().all()
    assert suppressed["suppression_reason"].notna().all()


def break_column(raw_dir, filename, drop=None, add=None):
    path = raw_dir / filename
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    keep = [i for i, name in enumerate(header) if name != drop]
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        for n, row in enumerate(rows):
            out = [row[i] for i in keep]
            if add:
                out.append(add if n == 0 else "x")
            writer.writerow(out)


@pytest.mark.parametrize(
    ("filename", "change", "expected"),
    [
        (
            "treatment_journeys.csv",
            {"drop": "treatment_start_date"},
            "required column(s) missing: treatment_start_date",
        ),
        ("prison_releases.csv", {"add": "nhs_number"}, "nhs_number look like direct identifiers"),
    ],
    ids=["missing-column", "forbidden-column"],
)
def test_bad_input_is_blocked_and_the_publication_untouched(
    refreshed, raw_copy, tmp_path, filename, change, expected
):
    # start from the shared good publication
    marts = copy_publication(refreshed.settings.marts_dir, tmp_path / "marts")
    before = file_hashes(marts)
    break_column(raw_copy, filename, **change)

    outcome = run_refresh_in(raw_copy, tmp_path / "warehouse.duckdb", marts)

    assert not outcome.success
    explanation = outcome.explanation()
    assert filename in explanation and expected in explanation
    assert "Nothing was published" in explanation
    after = file_hashes(marts)
    assert {k: v for k, v in after.items() if k != "run_record.jsonl"} == {
        k: v for k, v in before.items() if k != "run_record.jsonl"
    }


def test_a_clean_refresh_passes_every_check_and_reports_them(refreshed):
    report = (refreshed.settings.marts_dir / "data_quality_report.md").read_text()
    assert "Refresh outcome: **published**" in report
    assert "(0 blocking)" in report
    failed = [line for line in report.splitlines() if line.startswith("| FAIL |")]
    # the sample's ONS file is off for one area on purpose: a warning, never a block, and one
    # the shareable report leaves out (it is worked out on numbers the publication hides)
    assert failed == [] and "ons_rate_within" not in report
    assert "1 warning checks on disclosure-controlled marts are not in this report" in report
    record = (refreshed.settings.marts_dir / "run_record.jsonl").read_text()
    assert "ons_rate_within" not in record
    for suite in ("raw_treatment_journeys", "mart_fct_outcomes"):
        assert suite in report
    assert "No rows were quarantined." in report
    # the console's summary calls the warning a warning, never a failure
    summary = "\n".join(refreshed.data_quality)
    assert "Warning (does not stop the refresh): ons_rate_within_warehouse_interval" in summary
    assert "No rows were set aside" in summary and "failed" not in summary


_READ_EVERY_TABLE = """
import duckdb, json, sys
con = duckdb.connect(sys.argv[1], read_only=True)
tables = [t for (t,) in con.execute(
    "select table_name from information_schema.tables order by 1").fetchall()]
print(json.dumps({
    "version": duckdb.__version__,
    "tables": {t: con.execute(f"select * from {t} order by all").fetchall() for t in tables},
}, default=str))
"""


def test_the_bi_file_opens_in_an_old_duckdb(refreshed, tmp_path):
    """BI drivers bundle older DuckDBs than the one that writes the publication: DuckDB 1.1.3,
    installed in a throwaway environment, reads every published table to the same values."""
    old = tmp_path / "duckdb-1.1.3"
    subprocess.run([sys.executable, "-m", "venv", str(old)], check=True)
    install = subprocess.run(
        [str(old / "bin" / "python"), "-m", "pip", "install", "-q", "duckdb==1.1.3"],
        capture_output=True,
        text=True,
    )
    if install.returncode != 0:
        pytest.skip(f"DuckDB 1.1.3 could not be installed here: {install.stderr[-300:]}")
    bi_file = str(refreshed.settings.marts_dir / config.PUBLISHED_DUCKDB_NAME)
    read = [
        json.loads(
            subprocess.run(
                [python, "-c", _READ_EVERY_TABLE, bi_file],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        for python in (str(old / "bin" / "python"), sys.executable)
    ]
    assert read[0]["version"] == "1.1.3" and read[1]["version"] != "1.1.3"
    assert len(read[0]["tables"]["fct_outcomes"]) > 1000
    assert read[0]["tables"] == read[1]["tables"]


def test_a_warning_names_its_rows_on_the_console_and_in_dagster_not_in_the_publication(
    refreshed_run,
):
    """The ONS reconciliation warns on the sample (ONS's rate outside the warehouse's
    interval): the console line, the check's result and the summary say for which area and
    period, with the numbers; the shareable report and run record do not (the check is worked
    out on numbers the publication may hide)."""
    outcome = refreshed_run.outcome
    con = duckdb.connect(str(outcome.settings.warehouse), read_only=True)
    try:
        outside = con.execute(
            "SELECT r.area_code, a.area_name, r.period, r.ons_rate, r.warehouse_lower_95, "
            "r.warehouse_upper_95 FROM marts.fct_ons_reconciliation r "
            "LEFT JOIN marts.dim_area a USING (area_code) "
            "WHERE r.reconciliation_status = 'ons_outside_interval' ORDER BY ALL"
        ).fetchall()
    finally:
        con.close()
    assert outside  # the sample has one (Nottingham, 2022-2024)
    assert all(1 <= value < 100 for row in outside for value in row[3:])  # read to 1 decimal
    expected = [
        f"{name} ({code}), {period}: ONS {rate:.1f} outside {lower:.1f} to {upper:.1f}"
        for code, name, period, rate, lower, upper in outside
    ][:5]

    check = "marts/fct_ons_reconciliation ons_rate_within_warehouse_interval"
    line = next(line for line in refreshed_run.console if check in line)
    assert line.startswith(f"  warning (does not stop the refresh): {check}: ")
    assert all(words in line for words in expected), line

    records = refreshed_run.instance.get_records_for_run(
        outcome.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    evaluation = next(
        record.event_log_entry.dagster_event.event_specific_data
        for record in records
        if record.event_log_entry.dagster_event.event_specific_data.check_name
        == "ons_rate_within_warehouse_interval"
    )
    assert evaluation.metadata["failing_rows"].value == expected
    assert "fct_ons_reconciliation" in evaluation.metadata["failing_rows_query"].value
    assert expected[0] in evaluation.description
    assert any(expected[0] in line for line in outcome.data_quality)

    marts = outcome.settings.marts_dir
    for name in ("data_quality_report.md", "run_record.jsonl"):
        text = (marts / name).read_text(encoding="utf-8")
        assert f"({outside[0][0]}), {outside[0][2]}" not in text, name
        assert f"ONS {outside[0][3]:.1f} outside" not in text, name


def test_the_docs_page_documents_the_neighbour_comparison(refreshed):
    """fct_neighbour_comparison, made by the publication in Python, is on the docs page with
    its description, its columns (as published, with their types) and its lineage."""
    marts = refreshed.settings.marts_dir
    page = (marts / "dbt_docs.html").read_text(encoding="utf-8")
    decoder = json.JSONDecoder()
    manifest = decoder.raw_decode(page, page.index('manifest:{"metadata"') + len("manifest:"))[0]
    catalog = decoder.raw_decode(page, page.index('catalog:{"metadata"') + len("catalog:"))[0]
    unique_id = f"model.cdap_outcomes.{neighbours.TABLE}"
    node = manifest["nodes"][unique_id]
    assert node["description"].startswith(neighbours.DESCRIPTION)
    assert {name: c["description"] for name, c in node["columns"].items()} == neighbours.COLUMNS
    con = duckdb.connect(str(marts / config.PUBLISHED_DUCKDB_NAME), read_only=True)
    try:
        published = con.execute(
            "SELECT column_name, lower(data_type) FROM information_schema.columns "
            "WHERE table_name = ? ORDER BY ordinal_position",
            [neighbours.TABLE],
        ).fetchall()
    finally:
        con.close()
    assert [(name, c["data_type"]) for name, c in node["columns"].items()] == published
    assert {name: c["type"] for name, c in catalog["nodes"][unique_id]["columns"].items()} == (
        dict(published)
    )
    made_from = {f"model.cdap_outcomes.{m}" for m in ("fct_outcomes", "dim_metric")}
    made_from.add(f"model.cdap_outcomes.{neighbours.COMPARATORS_MART}")
    assert set(node["depends_on"]["nodes"]) == made_from
    assert all(unique_id in manifest["child_map"][parent] for parent in made_from)
    assert node["raw_code"] == neighbours.comparison_sql()
