"""Ingest's Dagster objects: one asset per raw file of the contract, and the raw folder."""

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines import contract
from pipelines.contract import RawFile
from pipelines.ingest.load import load_raw_file
from pipelines.warehouse import RAW_SCHEMA


class RawFolder(dg.ConfigurableResource):
    """The folder the partnership drops its raw extracts into."""

    path: str


def _ingest_asset(raw_file: RawFile) -> dg.AssetsDefinition:
    optional = "" if raw_file.required else " Optional: when absent the table is empty."
    columns = dg.TableSchema(
        columns=[
            dg.TableColumn(c.name, contract.DUCKDB_TYPES[c.type], description=c.header)
            for c in raw_file.columns
        ]
    )

    @dg.asset(
        key=dg.AssetKey([RAW_SCHEMA, raw_file.name]),
        # the files its rules read (a form's journey) are loaded, and set aside, first
        deps=[dg.AssetKey([RAW_SCHEMA, name]) for name in raw_file.needs],
        group_name="ingest",
        kinds={"csv", "duckdb"},
        description=f"{raw_file.filename} loaded into {RAW_SCHEMA}.{raw_file.name}. "
        f"{raw_file.description}{optional}",
        metadata={"dagster/column_schema": columns},
    )
    def _asset(
        context: dg.AssetExecutionContext, warehouse: DuckDBResource, raw_folder: RawFolder
    ) -> dg.MaterializeResult:
        with warehouse.get_connection() as con:
            result = load_raw_file(con, raw_file, Path(raw_folder.path))
        if not result.present:
            context.log.warning(absent_file_words(raw_file))
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": result.rows,
                "file": dg.MetadataValue.path(str(result.path)),
                "present": result.present,
                "sha256": result.sha256 or "",
                "as_of_date": result.as_of.isoformat() if result.as_of else "",
                "rows_quarantined": sum(result.quality.quarantined.values())
                if result.quality
                else 0,
                "quarantined_by_rule": dict(result.quality.quarantined) if result.quality else {},
                "warnings": dict(result.quality.warnings) if result.quality else {},
            }
        )

    return _asset


def absent_file_words(raw_file: RawFile) -> str:
    """What an absent optional file means, in one sentence: the metrics not produced."""
    metrics = contract.metrics_needing(raw_file)
    what = (
        f"these metrics are not produced: {', '.join(metrics)}"
        if metrics
        else "metrics that need it are not produced"
    )
    return f"{raw_file.filename} is absent (optional): {what}."


def raw_asset_keys() -> list[dg.AssetKey]:
    return [dg.AssetKey([RAW_SCHEMA, raw_file.name]) for raw_file in contract.RAW_FILES]


def build_ingest_definitions() -> dg.Definitions:
    """One asset per raw file of the contract (the resources come from the top)."""
    return dg.Definitions(assets=[_ingest_asset(raw_file) for raw_file in contract.RAW_FILES])
