"""The shareable tier: disclosure control and the atomic publication of the marts.

Only this module writes the marts folder. Every mart model declares in its dbt `meta` whether
it is published and how it is disclosure-controlled; a mart that says nothing is not published
(fail closed). Files are built under temporary names and moved into place with os.replace, so a
reader sees either the previous publication or the new one, never a half-written file, and a
refresh that fails before this step leaves the previous publication exactly as it was.
"""

import json
import os
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource

from pipelines import operations, settings
from pipelines import report as quality_report
from pipelines.report import REPORT_NAME
from pipelines.transform import (
    dbt_project,
    mart_asset_keys,
    project_fingerprint,
    warehouse_target_path,
)

# metrics.md "Disclosure control": counts of 1 to 4 are suppressed, and any rate or percentage
# whose numerator or denominator is 1 to 4.
SMALL_NUMBER_MIN, SMALL_NUMBER_MAX = 1, 4
LOW_RELIABILITY_EVENTS = 10  # rates from fewer events carry a low-reliability flag
TOTAL_BREAKDOWN = "all"
# Older BI drivers (DuckDB 1.5) cannot open files in DuckDB 2.0's format.
PUBLISHED_STORAGE_VERSION = "v1.5.0"


@dataclass(frozen=True)
class FollowSpec:
    """Columns of a derived mart that are blanked when the fct_outcomes cell they come from
    (same metric, area, breakdown all, the period in `period_column`) is suppressed."""

    period_column: str
    columns: tuple[str, ...]
    metric_id: str | None = None  # fixed metric, when the mart has no metric_id column


@dataclass(frozen=True)
class PublishedMart:
    name: str  # table and file name
    relation: str  # schema.table in the warehouse
    disclosure: str  # outcome_measures | follows_outcomes | reference
    family: tuple[str, ...] = ()  # outcome_measures: the keys of a breakdown family
    measure_columns: tuple[str, ...] = ()  # outcome_measures: blanked when suppressed
    derived_columns: tuple[tuple[str, str], ...] = ()  # (column, value when suppressed)
    follows: tuple[FollowSpec, ...] = ()

    @property
    def order(self) -> tuple[int, str]:
        # outcome measures first: the marts that follow them read their suppression
        return ({"outcome_measures": 0, "follows_outcomes": 1}.get(self.disclosure, 2), self.name)


DISCLOSURE_MODES = ("outcome_measures", "follows_outcomes", "reference")
OUTCOMES_MART = "fct_outcomes"  # the mart every follows_outcomes mart takes its suppression from
# A composite breakdown (a PHOF grouping) is the sum of substance-group cells: it is suppressed
# whenever one of its parts is, or it would give the hidden part away.
BREAKDOWN_COMPOSITION = """
    select breakdown as composite_breakdown, substance_group as part_breakdown
    from {catalog}.intermediate.int_breakdown_map
    where breakdown not in ('all', substance_group)
"""


def published_marts(manifest_path: Path) -> list[PublishedMart]:
    """Marts to publish, from the dbt manifest (marts folder, meta.publish = true)."""
    manifest = json.loads(Path(manifest_path).read_text())
    marts = []
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or node["fqn"][1:2] != ["marts"]:
            continue
        meta = node["config"].get("meta", {})
        if not meta.get("publish"):
            continue
        disclosure = meta.get("disclosure")
        if disclosure not in DISCLOSURE_MODES:
            raise ValueError(f"mart {node['name']} has no known meta.disclosure: not published")
        name = node["alias"] or node["name"]
        marts.append(
            PublishedMart(
                name=name,
                relation=f"{node['schema']}.{name}",
                disclosure=disclosure,
                family=tuple(meta.get("disclosure_family", ())),
                measure_columns=tuple(meta.get("disclosure_measure_columns", ())),
                derived_columns=tuple(meta.get("disclosure_derived_columns", {}).items()),
                follows=tuple(
                    FollowSpec(f["period_column"], tuple(f["columns"]), f.get("metric_id"))
                    for f in meta.get("disclosure_follows", ())
                ),
            )
        )
    return sorted(marts, key=lambda m: m.order)


def disclosure_sql(
    relation: str,
    family: tuple[str, ...],
    measure_columns: tuple[str, ...] = ("numerator", "denominator", "value"),
    derived_columns: tuple[tuple[str, str], ...] = (),
    composition: str | None = None,
) -> str:
    """SELECT that applies metrics.md's disclosure rule to a long-format measures relation
    (columns: the family keys, breakdown_type, breakdown, unit, numerator, denominator and the
    measure columns).

    Primary: a count of 1 to 4; a rate or percentage whose numerator or denominator is 1 to 4.
    Secondary: where a breakdown family (one breakdown_type of one `family` key) has exactly
    one suppressed cell, the next smallest non-empty cell (by denominator, else count) is
    suppressed too; if the family has no other non-empty cell, the total ('all') is suppressed
    instead, since it would equal the hidden cell. A composite breakdown (`composition`:
    composite_breakdown, part_breakdown) is suppressed when any of its parts is.
    Suppressed = the measure columns NULL, with the reason; zero stays zero.
    """
    keys = ", ".join(family)
    small = f"between {SMALL_NUMBER_MIN} and {SMALL_NUMBER_MAX}"
    size = "coalesce(denominator, numerator)"
    blanked = ", ".join(
        f"case when suppression_reason is null then {column} end as {column}"
        for column in measure_columns
    )
    derived = "".join(
        f", case when suppression_reason is null then {column} else '{value}' end as {column}"
        for column, value in derived_columns
    )
    excluded = ", ".join(
        (
            *measure_columns,
            *(c for c, _ in derived_columns),
            "primary_reason",
            "secondary_reason",
            "part_suppressed",
            "suppression_reason",
        )
    )
    composition_cte = (
        f"composition as ({composition}),"
        if composition
        else "composition as (select null::varchar as composite_breakdown, "
        "null::varchar as part_breakdown where false),"
    )
    return f"""
    with

    measures as (

        select * from {relation}

    ),

    {composition_cte}

    primary_suppression as (

        select
            *,
            case
                when unit = 'count' and numerator {small} then 'count_1_to_4'
                when unit <> 'count' and (numerator {small} or denominator {small})
                    then 'numerator_or_denominator_1_to_4'
            end as primary_reason
        from measures

    ),

    families as (

        select
            *,
            count(primary_reason) over family as suppressed_in_family,
            row_number() over (
                partition by {keys}, breakdown_type
                order by (primary_reason is not null or coalesce({size}, 0) <= 0),
                         {size}, numerator, breakdown
            ) as secondary_rank,
            count(*) filter (where primary_reason is null and coalesce({size}, 0) > 0)
                over family as secondary_candidates
        from primary_suppression
        where breakdown <> '{TOTAL_BREAKDOWN}'
          and breakdown not in (select composite_breakdown from composition)
        window family as (partition by {keys}, breakdown_type)

    ),

    family_decisions as (

        select
            *,
            case
                when suppressed_in_family = 1 and secondary_candidates > 0 and secondary_rank = 1
                    then 'secondary_in_breakdown_family'
            end as secondary_reason,
            suppressed_in_family = 1 and secondary_candidates = 0 as family_needs_total
        from families

    ),

    part_cells as (

        select
            {", ".join(f"family_decisions.{k}" for k in family)},
            composition.composite_breakdown,
            bool_or(coalesce(family_decisions.primary_reason, family_decisions.secondary_reason)
                    is not null) as part_suppressed
        from family_decisions
        inner join composition
            on family_decisions.breakdown = composition.part_breakdown
        group by all

    ),

    totals as (

        select {keys}, bool_or(family_needs_total) as family_needs_total
        from family_decisions
        group by all

    ),

    decided as (

        select
            primary_suppression.*,
            family_decisions.secondary_reason,
            part_cells.part_suppressed,
            coalesce(
                primary_suppression.primary_reason,
                family_decisions.secondary_reason,
                case when part_cells.part_suppressed then 'contains_a_suppressed_group' end,
                case
                    when primary_suppression.breakdown = '{TOTAL_BREAKDOWN}'
                        and totals.family_needs_total then 'secondary_total_equals_cell'
                end
            ) as suppression_reason
        from primary_suppression
        left join family_decisions
            using ({keys}, breakdown)
        left join part_cells
            on {" and ".join(f"primary_suppression.{k} = part_cells.{k}" for k in family)}
            and primary_suppression.breakdown = part_cells.composite_breakdown
        left join totals
            using ({keys})

    )

    select
        * exclude ({excluded}),
        {blanked}{derived},
        suppression_reason is not null as is_suppressed,
        suppression_reason,
        suppression_reason is null and unit <> 'count' and numerator < {LOW_RELIABILITY_EVENTS}
            as is_low_reliability
    from decided
    order by {keys}, breakdown
    """


def follows_sql(relation: str, mart: PublishedMart, outcomes: str) -> str:
    """Blank a derived mart's columns wherever the fct_outcomes cell they come from is
    suppressed, so the same number is hidden in every file."""
    joins, conditions = [], {}
    for n, spec in enumerate(mart.follows):
        alias = f"source_{n}"
        metric = f"'{spec.metric_id}'" if spec.metric_id else "derived.metric_id"
        joins.append(
            f"left join {outcomes} as {alias} on {alias}.metric_id = {metric} "
            f"and {alias}.area_code = derived.area_code "
            f"and {alias}.breakdown = '{TOTAL_BREAKDOWN}' "
            f"and {alias}.period_end_date = derived.{spec.period_column}"
        )
        for column in spec.columns:
            conditions.setdefault(column, []).append(f"coalesce({alias}.is_suppressed, false)")
    replaced = ", ".join(
        f"case when {' or '.join(c)} then null else derived.{column} end as {column}"
        for column, c in conditions.items()
    )
    any_suppressed = " or ".join(sorted({c for cs in conditions.values() for c in cs}))
    return (
        f"select derived.* replace ({replaced}), ({any_suppressed}) as is_suppressed "
        f"from {relation} as derived {' '.join(joins)}"
    )


def _select_for(mart: PublishedMart, source_catalog: str, published_catalog: str) -> str:
    relation = f"{source_catalog}.{mart.relation}"
    if mart.disclosure == "reference":
        return f"select * from {relation}"
    if mart.disclosure == "follows_outcomes":
        return follows_sql(relation, mart, f"{published_catalog}.main.{OUTCOMES_MART}")
    return disclosure_sql(
        relation,
        mart.family,
        mart.measure_columns or ("numerator", "denominator", "value"),
        mart.derived_columns,
        BREAKDOWN_COMPOSITION.format(catalog=source_catalog),
    )


@dataclass(frozen=True)
class Publication:
    marts_dir: Path
    files: list[Path]
    tables: dict[str, int]  # name -> rows


class PublicationRefused(Exception):
    """The disclosure-controlled copy failed its own checks: nothing was replaced."""


def check_shareable_copy(con: duckdb.DuckDBPyConnection, names: list[str]) -> list[str]:
    """Validate each published table that has a published_<name> suite (disclosure control
    of the shareable copy) before it replaces anything; raise PublicationRefused on failure."""
    from pipelines.checks import suites  # GX import is slow: only when publishing

    findings = []
    for name in names:
        if not suites.suite_path(f"published_{name}").exists():
            continue
        frame = con.execute(f"SELECT * FROM published.main.{name}").df()
        check = suites.validate(frame, f"published_{name}")
        if not check.success:
            raise PublicationRefused(
                f"the disclosure-controlled {name} failed its checks: "
                + "; ".join(f.describe() for f in check.failures)
            )
        findings.append(f"gx suite published_{name}: all {check.evaluated} expectations met")
    return findings


def publish(
    warehouse: Path,
    marts_dir: Path,
    marts: list[PublishedMart],
    report: Callable[[list[str]], str] | None = None,
) -> Publication:
    """Write every mart through disclosure control to Parquet and a BI DuckDB file, check the
    shareable copy, then move them into marts_dir. Nothing in marts_dir changes until every
    file is complete and checked. `report` renders the data-quality report, given the
    publication check's findings; it is published with the marts."""
    marts_dir.mkdir(parents=True, exist_ok=True)
    staging = marts_dir / f".publishing-{uuid.uuid4().hex}"
    staging.mkdir()
    try:
        bi_file = staging / settings.PUBLISHED_DUCKDB_NAME
        con = duckdb.connect()
        try:
            con.execute(
                f"ATTACH '{bi_file}' AS published (STORAGE_VERSION '{PUBLISHED_STORAGE_VERSION}')"
            )
            con.execute(f"ATTACH '{warehouse}' AS warehouse (READ_ONLY)")
            tables = {}
            for mart in marts:
                con.execute(
                    f"CREATE TABLE published.main.{mart.name} AS "
                    f"{_select_for(mart, 'warehouse', 'published')}"
                )
                con.execute(
                    f"COPY published.main.{mart.name} TO '{staging / (mart.name + '.parquet')}' "
                    "(FORMAT parquet, COMPRESSION zstd)"
                )
                tables[mart.name] = con.execute(
                    f"SELECT count(*) FROM published.main.{mart.name}"
                ).fetchone()[0]
            published_at = datetime.now(UTC).replace(microsecond=0).isoformat()
            con.execute(
                "CREATE TABLE published.main.publication AS SELECT ? AS published_at, ? AS tables",
                [published_at, json.dumps(tables)],
            )
            con.execute("CHECKPOINT published")
            findings = check_shareable_copy(con, [m.name for m in marts])
        finally:
            con.close()
        if report is not None:
            (staging / REPORT_NAME).write_text(report(findings), encoding="utf-8")
        # Parquet first, the BI DuckDB file last: it also holds the publication record.
        files = sorted(staging.iterdir(), key=lambda p: (p.suffix == ".duckdb", p.name))
        for path in files:
            path.chmod(0o444)  # the shareable copy is read-only
        published = []
        for path in files:  # each rename is atomic
            target = marts_dir / path.name
            os.replace(path, target)
            published.append(target)
        return Publication(marts_dir, published, tables)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


class MartsFolder(dg.ConfigurableResource):
    """Where the shareable publication goes (Parquet + read-only DuckDB for BI tools)."""

    path: str


PUBLISHED_MARTS_KEY = dg.AssetKey(["published", "marts"])


@dg.asset(
    key=PUBLISHED_MARTS_KEY,
    group_name="publication",
    deps=mart_asset_keys(),
    kinds={"parquet", "duckdb"},
    description="The marts after disclosure control (small numbers suppressed as metrics.md "
    "says), written as one Parquet file per mart and a read-only DuckDB file for BI tools, "
    "replaced atomically. Runs only when every upstream asset and blocking check succeeded.",
)
def published_marts_asset(
    context: dg.AssetExecutionContext, warehouse: DuckDBResource, marts_folder: MartsFolder
) -> dg.MaterializeResult:
    marts = published_marts(dbt_project.manifest_path)
    warehouse_path = Path(warehouse.database)
    # every check of this run has been evaluated by now (the publication depends on them all)
    checks = quality_report.checks_of_run(context.instance, context.run_id)

    def report(findings: list[str]) -> str:
        quarantined = quality_report.quarantine_summary(warehouse_path)
        return quality_report.render(checks, quarantined, "published", notes=findings)

    publication = publish(warehouse_path, Path(marts_folder.path), marts, report)
    for path in publication.files:
        context.log.info(f"published {path}")
    stats = context.instance.get_run_stats(context.run_id)
    operations.write_run_record(
        Path(marts_folder.path),
        operations.run_record(
            context.run_id,
            "published",
            stats.start_time,
            time.time(),
            checks={
                "passed": sum(c.passed for c in checks),
                "failed_warnings": sum(not c.passed for c in checks),
            },
            published={name: rows for name, rows in publication.tables.items()},
        ),
    )
    return dg.MaterializeResult(
        metadata={
            "marts_dir": dg.MetadataValue.path(str(publication.marts_dir)),
            "files": [p.name for p in publication.files],
            **{f"rows/{name}": rows for name, rows in publication.tables.items()},
            **headline_values(publication.marts_dir, settings.home_area()),
        }
    )


def headline_values(marts_dir: Path, area_code: str) -> dict[str, object]:
    """The latest final value of each headline metric for the partnership's own area, as
    shown in the UI beside the publication."""
    con = duckdb.connect(str(marts_dir / settings.PUBLISHED_DUCKDB_NAME), read_only=True)
    try:
        rows = con.execute(
            "SELECT metric_id, period_end_date::varchar, value, unit FROM fct_strategy_scorecard "
            "WHERE area_code = ? ORDER BY metric_id",
            [area_code],
        ).fetchall()
    except duckdb.Error:
        return {}
    finally:
        con.close()
    return {
        f"latest/{area_code}/{metric}": (
            f"{value:,.1f} ({unit}, period to {period})" if value is not None else "suppressed"
        )
        for metric, period, value, unit in rows
    }


DOCS_NAME = "dbt_docs.html"


@dg.asset(
    key=dg.AssetKey(["published", "dbt_docs"]),
    group_name="publication",
    deps=[PUBLISHED_MARTS_KEY],
    kinds={"dbt", "html"},
    description="The dbt documentation (every model, column, test and lineage; `dbt docs "
    "generate --static`) as one HTML file next to the marts: the BI interface's reference.",
)
def dbt_docs_asset(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    marts_folder: MartsFolder,
    warehouse: DuckDBResource,  # holds the single-writer lock while dbt reads the catalog
) -> dg.MaterializeResult:
    folder = warehouse_target_path(settings.current().warehouse)
    page = folder / "static_index.html"
    made_for = folder / "static_index.fingerprint"
    # Without compiling or a catalog the page is a function of the dbt project alone: made once
    # per version of the project (and warehouse), then reused by every refresh.
    fingerprint = project_fingerprint()
    is_reused = page.exists() and made_for.exists() and made_for.read_text() == fingerprint
    if not is_reused:
        made_for.unlink(missing_ok=True)
        dbt.cli(
            # the models were just built: no need to compile them again; column types come from
            # the model contracts, so the warehouse need not be queried for a catalog either
            ["docs", "generate", "--static", "--no-compile", "--empty-catalog"],
            raise_on_error=True,
            target_path=folder,
        ).wait()
        made_for.write_text(fingerprint)
    target = Path(marts_folder.path) / DOCS_NAME
    temporary = target.with_name(f".{DOCS_NAME}.tmp")
    shutil.copyfile(page, temporary)
    os.replace(temporary, target)
    return dg.MaterializeResult(
        metadata={"path": dg.MetadataValue.path(str(target)), "is_reused": is_reused}
    )
