"""The GX suites' steps on a real DuckDB file and a real Dagster run: one step validates
several tables, and a table that fails its suite stops what depends on it, named by its own
check."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines import config, contract
from pipelines.checks.assets import raw_suites
from pipelines.ingest.load import load_raw_file
from pipelines.warehouse import RAW_SCHEMA

SAMPLE = config.PROJECT_ROOT / "data" / "raw"


def _loaded(name: str, broken_sql: str | None = None):
    raw_file = next(f for f in contract.RAW_FILES if f.name == name)

    @dg.asset(key=dg.AssetKey([RAW_SCHEMA, name]))
    def _asset(warehouse: DuckDBResource) -> None:
        with warehouse.get_connection() as con:
            load_raw_file(con, raw_file, SAMPLE)
            if broken_sql:  # as if a row had slipped past ingest
                con.execute(broken_sql)

    return _asset


@dg.asset(deps=[dg.AssetKey([RAW_SCHEMA, "population"])])
def uses_population() -> None:
    pass


def _run(tmp_path, population, selection):
    return dg.materialize(
        [population, _loaded("prison_releases"), uses_population, raw_suites],
        selection=selection,
        resources={"warehouse": DuckDBResource(database=str(tmp_path / "w.duckdb"))},
        raise_on_error=False,
    )


def _evaluations(result) -> dict[str, bool]:
    return {e.asset_key.path[-1]: e.passed for e in result.get_asset_check_evaluations()}


def test_one_step_validates_each_selected_table(tmp_path):
    result = _run(tmp_path, _loaded("population"), dg.AssetSelection.all())
    assert result.success
    # the two loaded tables, each by its own check; the other five raw tables were not selected
    assert _evaluations(result) == {"population": True, "prison_releases": True}


def test_a_failed_suite_stops_what_depends_on_its_table(tmp_path):
    population = _loaded(
        "population", f"update {RAW_SCHEMA}.population set population = -5 where year = 2020"
    )
    result = _run(tmp_path, population, dg.AssetSelection.all())
    assert not result.success
    assert _evaluations(result) == {"population": False, "prison_releases": True}
    failed = next(e for e in result.get_asset_check_evaluations() if not e.passed)
    assert failed.severity == dg.AssetCheckSeverity.ERROR
    assert failed.description.startswith("raw_population: ")
    assert "population" in failed.description
    materialized = {e.asset_key.path[-1] for e in result.get_asset_materialization_events()}
    assert "uses_population" not in materialized
