"""Asset checks: a Great Expectations suite on every raw table and every mart that has one
(blocking: a failure stops everything downstream, so nothing is published), and the
cross-source population coverage check (a warning)."""

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
from dagster_duckdb import DuckDBResource

from pipelines import contract
from pipelines.checks import suites
from pipelines.warehouse import METRIC_CATALOGUE, RAW_SCHEMA, mart_table, raw_table

RAW_SUITE_ROWS = 200_000


def _result(
    outcome: suites.Outcome, asset_key: dg.AssetKey, check_name: str
) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        asset_key=asset_key,
        check_name=check_name,
        passed=outcome.success,
        severity=dg.AssetCheckSeverity.ERROR,
        description=(
            f"{outcome.suite}: all {outcome.evaluated} expectations met"
            if outcome.success
            else f"{outcome.suite}: " + "; ".join(f.describe() for f in outcome.failures)
        ),
        metadata={
            "suite": f"expectations/{outcome.suite}.json",
            "expectations": outcome.evaluated,
            "failed": [f.describe() for f in outcome.failures],
            "failed_rows": sum(f.unexpected_count or 0 for f in outcome.failures),
        },
    )


def _suites_step(
    name: str,
    check: str,
    suite_of: dict[dg.AssetKey, str],
    describe: Callable[[str], str],
    read: Callable[[duckdb.DuckDBPyConnection, dg.AssetKey], pd.DataFrame],
    parameters: Callable[[duckdb.DuckDBPyConnection], dict],
) -> dg.AssetChecksDefinition:
    """One step that validates several tables, each with its own blocking check `check` (so a
    failure names the table and stops everything downstream). The frames go to the validating
    process together, the next read while the last is validated, instead of one Dagster step
    each; materialising one table (from the UI) runs its check alone. The suites' parameters
    are read once per step."""

    @dg.multi_asset_check(
        name=name,
        can_subset=True,
        specs=[
            dg.AssetCheckSpec(check, asset=key, blocking=True, description=describe(suite))
            for key, suite in suite_of.items()
        ],
    )
    def _checks(
        context: dg.AssetCheckExecutionContext, warehouse: DuckDBResource
    ) -> Iterator[dg.AssetCheckResult]:
        selected = [
            key
            for key in suite_of
            if dg.AssetCheckKey(key, check) in context.selected_asset_check_keys
        ]

        def jobs() -> Iterator[suites.Job]:
            with warehouse.get_connection() as con:
                shared = parameters(con)
                for key in selected:
                    yield read(con, key), suite_of[key], shared

        for key, outcome in zip(selected, suites.validate_each(jobs()), strict=True):
            yield _result(outcome, key, check)

    return _checks


def _read_raw(con: duckdb.DuckDBPyConnection, key: dg.AssetKey) -> pd.DataFrame:
    # Ingest has already applied every row rule to every row in SQL; this second line of
    # defence validates all rows up to RAW_SUITE_ROWS and a fixed-seed sample beyond that.
    return con.execute(
        f"SELECT * FROM {raw_table(key.path[-1])} "
        f"USING SAMPLE {RAW_SUITE_ROWS} ROWS (reservoir, 42)"
    ).df()


def _raw_suites(name: str, raw_files: list[contract.RawFile]) -> dg.AssetChecksDefinition:
    return _suites_step(
        name,
        "gx_raw_suite",
        {dg.AssetKey([RAW_SCHEMA, f.name]): f"raw_{f.name}" for f in raw_files},
        lambda suite: (
            f"Great Expectations suite {suite} (generated from the contract) on the "
            "loaded table, after quarantine."
        ),
        _read_raw,
        lambda _con: {"today": pd.Timestamp(date.today())},
    )


# A file whose rules read another (a form's journey) is loaded after that file's blocking
# check, so its own check is a step of its own: in one step with the others it would wait for
# itself, and Dagster would split every step after it. police.uk's street files (a folder, one
# table of RAW_TABLES) read no other file: checked with the others.
raw_suites = _raw_suites("gx_raw_suites", [f for f in contract.RAW_TABLES if not f.needs])
related_raw_suites = _raw_suites(
    "gx_raw_suites_of_related_files", [f for f in contract.RAW_TABLES if f.needs]
)


def _read_mart(con: duckdb.DuckDBPyConnection, key: dg.AssetKey) -> pd.DataFrame:
    return con.execute(f"SELECT * FROM {mart_table(key.path[-1])}").df()


def _catalogued_metric_ids(con: duckdb.DuckDBPyConnection) -> dict:
    rows = con.execute(f"SELECT metric_id FROM {METRIC_CATALOGUE}").fetchall()
    return {"catalogued_metric_ids": [r[0] for r in rows]}


POPULATION_GAPS = Path(__file__).with_name("population_gaps.sql")


@dg.asset_check(
    asset=dg.AssetKey([RAW_SCHEMA, contract.POPULATION.name]),
    name="covers_every_area_and_year_used",
    blocking=False,
    additional_deps=[
        dg.AssetKey([RAW_SCHEMA, f.name])
        for f in (
            contract.TREATMENT_JOURNEYS,
            contract.PRISON_RELEASES,
            contract.DRUG_DEATHS_REGISTER,
        )
    ],
    description="Every area and calendar year in the record-level files has all 19 age bands x 2 "
    "sexes of population (a warning: rates without a population are left NULL with a note).",
)
def population_coverage(warehouse: DuckDBResource) -> dg.AssetCheckResult:
    with warehouse.get_connection() as con:
        gaps = con.execute(
            POPULATION_GAPS.read_text(),
            {"cells_per_area_year": 2 * len(contract.ESP2013_BANDS)},
        ).fetchall()
    return dg.AssetCheckResult(
        passed=not gaps,
        severity=dg.AssetCheckSeverity.WARN,
        description=(
            "population covers every area and year in use"
            if not gaps
            else f"{len(gaps)} area-years lack population, e.g. "
            + ", ".join(f"{a} {y} ({c} of 38 cells)" for a, y, c in gaps[:3])
        ),
        metadata={
            "failed_rows": len(gaps),
            "failed": [f"{a} {y}: {c} cells" for a, y, c in gaps[:10]],
        },
    )


def quality_checks(mart_keys: list[dg.AssetKey]) -> list[dg.AssetChecksDefinition]:
    marts_with_suites = set(suites.mart_suite_names())
    known = {key.path[-1] for key in mart_keys}
    missing = marts_with_suites - known
    if missing:
        raise ValueError(f"suites for marts that do not exist: {sorted(missing)}")
    mart_suites = _suites_step(
        "gx_mart_suites",
        "gx_mart_suite",
        {dg.AssetKey(["marts", m]): f"mart_{m}" for m in sorted(marts_with_suites)},
        lambda suite: f"Great Expectations suite {suite}: what must hold of the numbers.",
        _read_mart,
        _catalogued_metric_ids,
    )
    return [raw_suites, related_raw_suites, mart_suites, population_coverage]


def build_checks_definitions(mart_keys: list[dg.AssetKey]) -> dg.Definitions:
    return dg.Definitions(asset_checks=quality_checks(mart_keys))
