"""Disclosure control on the shipped sample's publication, attacked from outside; and the
restricted tier readable by its owner only."""

import json
import os
import stat
import subprocess
import sys

import duckdb
import pandas as pd

from pipelines import config
from pipelines.disclosure import shareable, suppression
from tests.conftest import run_refresh_in
from tests.e2e.test_refresh import break_column
from tests.helpers.attacker import attack_folder


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_subtraction_gives_nothing_back(refreshed):
    # the tests' own attacker: every relation, solved again and again for one unknown
    assert attack_folder(refreshed.settings.marts_dir) == {}


def test_the_audit_passed_and_says_so_everywhere(refreshed):
    marts = refreshed.settings.marts_dir
    record = json.loads((marts / "run_record.jsonl").read_text().splitlines()[-1])
    figures = record["disclosure"]
    assert figures["audit_cells_determined_exactly"] == 0
    assert figures["audit_cells_narrowed_below_threshold"] == 0
    assert figures["audit_narrowest_feasible_range_values"] >= 5
    assert figures["cells_suppressed"] > figures["rows_suppressed"] > 0
    report = (marts / "data_quality_report.md").read_text()
    assert "disclosure audit:" in report and "0 cells worked out exactly" in report
    published = pd.read_parquet(marts / "fct_outcomes.parquet")
    assert int(published.is_suppressed.sum()) == figures["rows_suppressed"]
    # primary and complementary suppression are not told apart in the publication
    assert set(published.suppression_reason.dropna()) == {"small_number_protection"}


def suppression_decisions(warehouse) -> suppression.Decisions:
    """The suppression's decisions over a refreshed warehouse's restricted fct_outcomes."""
    con = duckdb.connect()
    con.execute(f"ATTACH '{warehouse}' AS warehouse (READ_ONLY)")
    truth = con.execute(
        "SELECT metric_id, area_code, area_type, breakdown, period_end_date, unit, numerator, "
        "denominator FROM warehouse.marts.fct_outcomes"
    ).df()
    return suppression.decide(
        truth,
        shareable.breakdown_compositions(con, "warehouse"),
        shareable.reporting_memberships(con, "warehouse"),
    )


def test_every_declared_relation_holds_in_the_warehouse(refreshed):
    """The suppression leaves out a relation the data does not satisfy: on the sample, where
    every journey has a substance group, each one must hold exactly."""
    decisions = suppression_decisions(refreshed.settings.warehouse)
    assert decisions.equations > 10_000 and decisions.equations_not_holding == 0


def test_the_rutland_example_of_the_issue_is_protected(refreshed):
    outcomes = pd.read_parquet(refreshed.settings.marts_dir / "fct_outcomes.parquet")
    cells = outcomes[
        (outcomes.metric_id == "adults_in_treatment")
        & (outcomes.breakdown == "non_opiate_and_alcohol")
        & (outcomes.period_end_date.astype(str) == "2020-02-29")
    ].set_index("area_code")
    assert cells.loc["E06000017"].is_suppressed  # Rutland: a small number
    # LLR - Leicester - Leicestershire no longer gives it: a second member is hidden too
    members = cells.loc[["E06000016", "E10000018", "LLR"]]
    assert members.is_suppressed.any()


def test_derived_publications_follow_the_pattern(refreshed):
    marts = refreshed.settings.marts_dir
    outcomes = pd.read_parquet(marts / "fct_outcomes.parquet")
    scorecard = pd.read_parquet(marts / "fct_strategy_scorecard.parquet")
    joined = scorecard.merge(
        outcomes[outcomes.breakdown == "all"],
        on=["metric_id", "area_code", "period_end_date"],
        suffixes=("", "_outcomes"),
    )
    assert (joined.is_suppressed_outcomes <= joined.is_suppressed).all()
    assert joined.loc[joined.is_suppressed_outcomes, "value"].isna().all()
    con = duckdb.connect(str(marts / config.PUBLISHED_DUCKDB_NAME), read_only=True)
    from_bi_file = con.execute("SELECT count(*) FROM fct_outcomes WHERE is_suppressed").fetchone()
    assert from_bi_file[0] == int(outcomes.is_suppressed.sum())


def test_tests_trends_and_neighbours_read_published_cells_only(refreshed):
    marts = refreshed.settings.marts_dir
    outcomes = pd.read_parquet(marts / "fct_outcomes.parquet")
    outcomes = outcomes[outcomes.breakdown == "all"]
    hidden = set(
        zip(
            outcomes.metric_id,
            outcomes.area_code,
            pd.to_datetime(outcomes.period_end_date).dt.date,
            outcomes.is_suppressed,
            strict=True,
        )
    )
    hidden = {cell[:3] for cell in hidden if cell[3]}
    scorecard = pd.read_parquet(marts / "fct_strategy_scorecard.parquet")
    checked = 0
    for row in scorecard.itertuples():
        end = pd.Timestamp(row.period_end_date)
        trend_cells = {
            (row.metric_id, row.area_code, (end - pd.offsets.MonthEnd(12 * k)).date())
            for k in range(5)
        }
        if (row.metric_id, row.area_code, end.date()) in hidden:
            assert pd.isna(row.value) and pd.isna(row.direction_of_travel)
        if not pd.isna(row.previous_period_end_date) and (
            (row.metric_id, row.area_code, pd.Timestamp(row.previous_period_end_date).date())
            in hidden
        ):
            assert pd.isna(row.previous_value) and pd.isna(row.change_z_score)
            assert pd.isna(row.direction_of_travel)
            checked += 1
        if trend_cells & hidden:
            assert pd.isna(row.recent_trend) and pd.isna(row.trend_chi_squared)
    assert checked > 0  # the sample has suppressed cells a year before a published one
    # the neighbours' figures are the published values' own: recomputed from them here
    comparison = pd.read_parquet(marts / "fct_neighbour_comparison.parquet")
    comparators = pd.read_parquet(marts / "dim_comparator.parquet")
    shown = outcomes[outcomes.value.notna()][["metric_id", "area_code", "period_end_date", "value"]]
    pairs = comparison[["metric_id", "area_code", "period_end_date"]].merge(comparators)
    neighbour_values = pairs.merge(
        shown.rename(columns={"area_code": "comparator_area_code", "value": "neighbour_value"})
    )
    expected = neighbour_values.groupby(["metric_id", "area_code", "period_end_date"]).agg(
        average=("neighbour_value", "mean"), count=("neighbour_value", "size")
    )
    got = comparison.set_index(["metric_id", "area_code", "period_end_date"])
    got = got[got.neighbours_with_value > 0].join(expected, how="left")
    assert len(got) > 400
    assert (got["count"] == got.neighbours_with_value).all()
    assert ((got.average - got.neighbour_average).abs() < 1e-9).all()
    assert comparison.loc[comparison.value.isna(), "rank_among_neighbours"].isna().all()


def test_the_restricted_tier_is_owner_only_after_a_refresh(refreshed):
    current = refreshed.settings
    assert mode(current.warehouse) == 0o600
    assert mode(refreshed.log_path) == 0o600
    assert mode(config.DBT_PROJECT_DIR / "target") == 0o700
    assert mode(current.dagster_home) == 0o700
    # the shareable tier stays readable
    assert mode(current.marts_dir) == 0o755
    for path in current.marts_dir.iterdir():
        if path.is_file():
            assert mode(path) & 0o444 == 0o444, path.name
    assert mode(current.marts_dir / "packs") == 0o755


def test_the_restricted_tier_is_owner_only_after_a_failed_refresh(raw_copy, tmp_path):
    break_column(raw_copy, "population.csv", drop="population")
    warehouse = tmp_path / "new" / "warehouse.duckdb"
    old = os.umask(0o022)  # a permissive user umask: the project must not rely on it
    try:
        outcome = run_refresh_in(raw_copy, warehouse, tmp_path / "marts")
    finally:
        os.umask(old)
    assert not outcome.success
    assert mode(warehouse) == 0o600
    # stopped before dbt: the refresh log exists, owner-only, and is not pointed to
    assert outcome.log_path is None
    assert mode(warehouse.with_name("warehouse.refresh.log")) == 0o600
    assert mode(outcome.report_path) == 0o600  # the quality report beside the warehouse
    assert mode(warehouse.parent) == 0o755  # a container: what is inside is owner-only


def test_a_run_launched_like_the_ui_creates_owner_only_files(tmp_path):
    """A Dagster run in its own process (as the UI and the daemon launch them), started with a
    permissive umask: the warehouse and Dagster's storage are still owner-only."""
    home = tmp_path / "dagster_home"
    home.mkdir(mode=0o755)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        config.WAREHOUSE_ENV: str(tmp_path / "ui" / "warehouse.duckdb"),
        config.MARTS_DIR_ENV: str(tmp_path / "ui" / "marts"),
        config.RAW_DIR_ENV: str(config.PROJECT_ROOT / "data" / "raw"),
    }
    dagster = os.path.join(os.path.dirname(sys.executable), "dagster")
    result = subprocess.run(
        [
            dagster,
            "asset",
            "materialize",
            "-m",
            "pipelines.definitions",
            "--select",
            "raw/prison_releases",
        ],
        env=env,
        cwd=config.PROJECT_ROOT,
        capture_output=True,
        text=True,
        preexec_fn=lambda: os.umask(0o022),
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert mode(tmp_path / "ui" / "warehouse.duckdb") == 0o600
    assert mode(home) == 0o700  # Dagster's run storage: nothing inside reachable by others
    assert mode(tmp_path / "ui" / "warehouse.duckdb.lock") == 0o600
