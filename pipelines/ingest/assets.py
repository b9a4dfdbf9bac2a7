"""Ingest's Dagster objects: one asset per raw file of the contract, police.uk's folder (its
rows and the force-months it holds), and the raw folder."""

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines import contract
from pipelines.contract import RawFile
from pipelines.ingest.load import is_required, load_raw_file
from pipelines.ingest.police import load_police_folder
from pipelines.warehouse import RAW_SCHEMA

# the metrics police/ gives, named where the refresh says they are not produced
CRIME_METRICS = ("drug_offences", "neighbourhood_crime")


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
        if not result.present and raw_file.required_with is None:
            context.log.warning(absent_file_words(raw_file))
        elif (
            result.present
            and raw_file.required_with is not None
            and not is_required(raw_file, Path(raw_folder.path))
        ):
            context.log.info(
                f"{raw_file.filename} read; it is used with {raw_file.required_with}/, "
                "which is absent"
            )
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


POLICE_STREET_KEY = dg.AssetKey([RAW_SCHEMA, contract.POLICE_STREET.name])
POLICE_FILES_KEY = dg.AssetKey([RAW_SCHEMA, contract.POLICE_FILES_TABLE])


@dg.multi_asset(
    name="raw__police",
    group_name="ingest",
    specs=[
        dg.AssetSpec(
            POLICE_STREET_KEY,
            kinds={"csv", "duckdb"},
            description=f"{contract.POLICE_DIR}/ (police.uk street-level crime) loaded into "
            f"{RAW_SCHEMA}.{contract.POLICE_STREET.name}: {contract.POLICE_STREET.description} "
            "Optional: when absent the table is empty and metrics 16-17 are not produced.",
            metadata={
                "dagster/column_schema": dg.TableSchema(
                    columns=[
                        dg.TableColumn(c.name, contract.DUCKDB_TYPES[c.type], description=c.header)
                        for c in (
                            *(c for c in contract.POLICE_STREET.columns if c.kept),
                            *contract.POLICE_STREET.added_columns,
                        )
                    ]
                )
            },
        ),
        dg.AssetSpec(
            POLICE_FILES_KEY,
            kinds={"duckdb"},
            description=f"Which street files {contract.POLICE_DIR}/ holds: one row per force "
            "(the <force> of the file's name) and month, with its rows.",
        ),
    ],
)
def police_folder_asset(
    context: dg.AssetExecutionContext, warehouse: DuckDBResource, raw_folder: RawFolder
):
    with warehouse.get_connection() as con:
        result = load_police_folder(con, Path(raw_folder.path))
    if not result.present:
        context.log.warning(
            f"{contract.POLICE_DIR}/ is absent (optional): the crime metrics "
            f"({', '.join(CRIME_METRICS)} and their rates) are not produced."
        )
    yield dg.MaterializeResult(
        asset_key=POLICE_STREET_KEY,
        metadata={
            "dagster/row_count": result.rows,
            "folder": dg.MetadataValue.path(str(Path(raw_folder.path) / contract.POLICE_DIR)),
            "present": result.present,
            "files": result.files,
            "forces": list(result.forces),
            "first_month": result.first_month or "",
            "last_month": result.last_month or "",
            "not_read": list(result.not_read),
        },
    )
    yield dg.MaterializeResult(
        asset_key=POLICE_FILES_KEY, metadata={"dagster/row_count": result.files}
    )


def raw_asset_keys() -> list[dg.AssetKey]:
    return [dg.AssetKey([RAW_SCHEMA, raw_file.name]) for raw_file in contract.RAW_FILES] + [
        POLICE_STREET_KEY,
        POLICE_FILES_KEY,
    ]


def build_ingest_definitions() -> dg.Definitions:
    """One asset per raw file of the contract, and police/ (the resources come from the top)."""
    return dg.Definitions(
        assets=[*(_ingest_asset(raw_file) for raw_file in contract.RAW_FILES), police_folder_asset]
    )
