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
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from pipelines import settings
from pipelines.transform import dbt_project, mart_asset_keys

# metrics.md "Disclosure control": counts of 1 to 4 are suppressed, and any rate or percentage
# whose numerator or denominator is 1 to 4.
SMALL_NUMBER_MIN, SMALL_NUMBER_MAX = 1, 4
LOW_RELIABILITY_EVENTS = 10  # rates from fewer events carry a low-reliability flag
TOTAL_BREAKDOWN = "all"
# Older BI drivers (DuckDB 1.5) cannot open files in DuckDB 2.0's format.
PUBLISHED_STORAGE_VERSION = "v1.5.0"


@dataclass(frozen=True)
class PublishedMart:
    name: str  # table and file name
    relation: str  # schema.table in the warehouse
    disclosure: str  # "outcome_measures" or "reference"
    family: tuple[str, ...]  # columns that, with `breakdown`, make a breakdown family


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
        if disclosure not in ("outcome_measures", "reference"):
            raise ValueError(f"mart {node['name']} has no known meta.disclosure: not published")
        marts.append(
            PublishedMart(
                name=node["alias"] or node["name"],
                relation=f"{node['schema']}.{node['alias'] or node['name']}",
                disclosure=disclosure,
                family=tuple(meta.get("disclosure_family", ())),
            )
        )
    return sorted(marts, key=lambda m: m.name)


def disclosure_sql(relation: str, family: tuple[str, ...]) -> str:
    """SELECT that applies metrics.md's disclosure rule to a long-format measures relation.

    Primary: a count of 1 to 4; a rate or percentage whose numerator or denominator is 1 to 4.
    Secondary: where a breakdown family (the non-total breakdowns of one `family` key) has
    exactly one suppressed cell, the next smallest non-zero cell is suppressed too; if every
    other cell is zero, the total is suppressed instead, since it would equal the hidden cell.
    Suppressed = numerator, denominator and value NULL, with the reason; zero stays zero.
    """
    keys = ", ".join(family)
    small = f"between {SMALL_NUMBER_MIN} and {SMALL_NUMBER_MAX}"
    return f"""
    with

    measures as (

        select * from {relation}

    ),

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
            count(primary_reason) filter (where breakdown <> '{TOTAL_BREAKDOWN}')
                over (partition by {keys}) as suppressed_in_family,
            row_number() over (
                partition by {keys}
                order by
                    (breakdown = '{TOTAL_BREAKDOWN}' or primary_reason is not null
                     or coalesce(numerator, 0) = 0),
                    numerator, denominator, breakdown
            ) as secondary_rank,
            count(*) filter (
                where breakdown <> '{TOTAL_BREAKDOWN}' and primary_reason is null
                  and coalesce(numerator, 0) > 0
            ) over (partition by {keys}) as secondary_candidates
        from primary_suppression

    ),

    decided as (

        select
            *,
            coalesce(
                primary_reason,
                case
                    when suppressed_in_family = 1 and secondary_candidates > 0
                         and secondary_rank = 1 then 'secondary_in_breakdown_family'
                    when suppressed_in_family = 1 and secondary_candidates = 0
                         and breakdown = '{TOTAL_BREAKDOWN}' then 'secondary_total_equals_cell'
                end
            ) as suppression_reason
        from families

    )

    select
        * exclude (numerator, denominator, value, primary_reason, suppressed_in_family,
                   secondary_rank, secondary_candidates, suppression_reason),
        case when suppression_reason is null then numerator end as numerator,
        case when suppression_reason is null then denominator end as denominator,
        case when suppression_reason is null then value end as value,
        suppression_reason is not null as is_suppressed,
        suppression_reason,
        suppression_reason is null and unit <> 'count' and numerator < {LOW_RELIABILITY_EVENTS}
            as is_low_reliability
    from decided
    order by {keys}, breakdown
    """


def _select_for(mart: PublishedMart, source_catalog: str) -> str:
    relation = f"{source_catalog}.{mart.relation}"
    if mart.disclosure == "reference":
        return f"select * from {relation}"
    return disclosure_sql(relation, mart.family)


@dataclass(frozen=True)
class Publication:
    marts_dir: Path
    files: list[Path]
    tables: dict[str, int]  # name -> rows


def publish(warehouse: Path, marts_dir: Path, marts: list[PublishedMart]) -> Publication:
    """Write every mart through disclosure control to Parquet and a BI DuckDB file, then move
    them into marts_dir. Nothing in marts_dir changes until every file is complete."""
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
                    f"CREATE TABLE published.main.{mart.name} AS {_select_for(mart, 'warehouse')}"
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
        finally:
            con.close()
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


@dg.asset(
    key=dg.AssetKey(["published", "marts"]),
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
    publication = publish(Path(warehouse.database), Path(marts_folder.path), marts)
    for path in publication.files:
        context.log.info(f"published {path}")
    return dg.MaterializeResult(
        metadata={
            "marts_dir": dg.MetadataValue.path(str(publication.marts_dir)),
            "files": [p.name for p in publication.files],
            **{f"rows/{name}": rows for name, rows in publication.tables.items()},
        }
    )
