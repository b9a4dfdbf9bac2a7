"""Asset checks: a Great Expectations suite on every raw table and every mart that has one
(blocking: a failure stops everything downstream, so nothing is published), and the
cross-source population coverage check (a warning)."""

from collections.abc import Iterator
from datetime import date

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from pipelines import contract
from pipelines.checks import suites
from pipelines.ingest import RAW_SCHEMA

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


def _raw_frames(
    warehouse: DuckDBResource, raw_files: list[contract.RawFile]
) -> Iterator[suites.Job]:
    # Ingest has already applied every row rule to every row in SQL; this second line of
    # defence validates all rows up to RAW_SUITE_ROWS and a fixed-seed sample beyond that.
    today = {"today": pd.Timestamp(date.today())}
    with warehouse.get_connection() as con:
        for raw_file in raw_files:
            frame = con.execute(
                f'SELECT * FROM {RAW_SCHEMA}."{raw_file.name}" '
                f"USING SAMPLE {RAW_SUITE_ROWS} ROWS (reservoir, 42)"
            ).df()
            yield frame, f"raw_{raw_file.name}", today


def _selected(context: dg.AssetCheckExecutionContext, asset_key: dg.AssetKey, name: str) -> bool:
    return dg.AssetCheckKey(asset_key, name) in context.selected_asset_check_keys


# One step validates every raw table (and one every mart): the frames go to the validating
# process together instead of one Dagster step each. Each table keeps its own blocking
# check, so a failure still names the table, and stops everything downstream; materialising
# one table (from the UI) runs its check alone.
@dg.multi_asset_check(
    name="gx_raw_suites",
    can_subset=True,
    specs=[
        dg.AssetCheckSpec(
            "gx_raw_suite",
            asset=dg.AssetKey([RAW_SCHEMA, raw_file.name]),
            blocking=True,
            description=f"Great Expectations suite raw_{raw_file.name} (generated from the "
            "contract) on the loaded table, after quarantine.",
        )
        for raw_file in contract.RAW_FILES
    ],
)
def raw_suites(
    context: dg.AssetCheckExecutionContext, warehouse: DuckDBResource
) -> Iterator[dg.AssetCheckResult]:
    raw_files = [
        raw_file
        for raw_file in contract.RAW_FILES
        if _selected(context, dg.AssetKey([RAW_SCHEMA, raw_file.name]), "gx_raw_suite")
    ]
    outcomes = suites.validate_each(_raw_frames(warehouse, raw_files))
    for raw_file, outcome in zip(raw_files, outcomes, strict=True):
        yield _result(outcome, dg.AssetKey([RAW_SCHEMA, raw_file.name]), "gx_raw_suite")


def _mart_suites(marts: list[str]) -> dg.AssetChecksDefinition:
    @dg.multi_asset_check(
        name="gx_mart_suites",
        can_subset=True,
        specs=[
            dg.AssetCheckSpec(
                "gx_mart_suite",
                asset=dg.AssetKey(["marts", mart]),
                blocking=True,
                description=f"Great Expectations suite mart_{mart}: what must hold of the numbers.",
            )
            for mart in marts
        ],
    )
    def _checks(
        context: dg.AssetCheckExecutionContext, warehouse: DuckDBResource
    ) -> Iterator[dg.AssetCheckResult]:
        selected = [
            m for m in marts if _selected(context, dg.AssetKey(["marts", m]), "gx_mart_suite")
        ]

        def frames() -> Iterator[suites.Job]:
            with warehouse.get_connection() as con:
                metric_ids = [
                    r[0]
                    for r in con.execute(
                        "SELECT metric_id FROM reference.metric_catalogue"
                    ).fetchall()
                ]
                for mart in selected:
                    frame = con.execute(f'SELECT * FROM marts."{mart}"').df()
                    yield frame, f"mart_{mart}", {"catalogued_metric_ids": metric_ids}

        for mart, outcome in zip(selected, suites.validate_each(frames()), strict=True):
            yield _result(outcome, dg.AssetKey(["marts", mart]), "gx_mart_suite")

    return _checks


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
    return [raw_suites, _mart_suites(sorted(marts_with_suites)), population_coverage]
