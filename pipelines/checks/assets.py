"""Asset checks: a Great Expectations suite on every raw table and every mart that has one
(blocking: a failure stops everything downstream, so nothing is published), and the
cross-source population coverage check (a warning)."""

from datetime import date

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from pipelines import contract
from pipelines.checks import suites
from pipelines.contract import RawFile
from pipelines.ingest import RAW_SCHEMA

RAW_SUITE_ROWS = 200_000


def _result(outcome: suites.Outcome, severity=dg.AssetCheckSeverity.ERROR) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=outcome.success,
        severity=severity,
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


def _raw_check(raw_file: RawFile) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey([RAW_SCHEMA, raw_file.name]),
        name="gx_raw_suite",
        blocking=True,
        description=f"Great Expectations suite raw_{raw_file.name} (generated from the contract) "
        f"on the loaded table, after quarantine.",
    )
    def _check(warehouse: DuckDBResource) -> dg.AssetCheckResult:
        # Ingest has already applied every row rule to every row in SQL; this second line of
        # defence validates all rows up to RAW_SUITE_ROWS and a fixed-seed sample beyond that.
        with warehouse.get_connection() as con:
            frame = con.execute(
                f'SELECT * FROM {RAW_SCHEMA}."{raw_file.name}" '
                f"USING SAMPLE {RAW_SUITE_ROWS} ROWS (reservoir, 42)"
            ).df()
        outcome = suites.validate(
            frame, f"raw_{raw_file.name}", {"today": pd.Timestamp(date.today())}
        )
        return _result(outcome)

    return _check


def _mart_check(mart: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(["marts", mart]),
        name="gx_mart_suite",
        blocking=True,
        description=f"Great Expectations suite mart_{mart}: what must hold of the numbers.",
    )
    def _check(warehouse: DuckDBResource) -> dg.AssetCheckResult:
        with warehouse.get_connection() as con:
            frame = con.execute(f'SELECT * FROM marts."{mart}"').df()
            metric_ids = [
                r[0]
                for r in con.execute("SELECT metric_id FROM reference.metric_catalogue").fetchall()
            ]
        return _result(
            suites.validate(frame, f"mart_{mart}", {"catalogued_metric_ids": metric_ids})
        )

    return _check


POPULATION_GAPS = f"""
with used as (
    select distinct area_code, year(referral_date) as year from {RAW_SCHEMA}.treatment_journeys
    union
    select distinct area_code, year(release_date) from {RAW_SCHEMA}.prison_releases
    union
    select distinct area_code, year(registration_date) from {RAW_SCHEMA}.drug_deaths_register
),
cells as (
    select area_code, year, count(*) as cells from {RAW_SCHEMA}.population group by all
)
select used.area_code, used.year, coalesce(cells.cells, 0) as cells
from used
left join cells using (area_code, year)
where coalesce(cells.cells, 0) < {2 * len(contract.ESP2013_BANDS)}
order by 1, 2
"""


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
        gaps = con.execute(POPULATION_GAPS).fetchall()
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
    return [
        *(_raw_check(f) for f in contract.RAW_FILES),
        *(_mart_check(m) for m in sorted(marts_with_suites)),
        population_coverage,
    ]
