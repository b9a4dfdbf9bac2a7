"""The one Definitions object: ingest -> dbt models and tests -> publication.

`workspace.yaml` loads it for `dagster dev`; `cdap refresh` executes its full_refresh job
in-process, so the command line and the UI run the same graph.
"""

import dagster as dg

from pipelines import settings
from pipelines.checks.assets import quality_checks
from pipelines.extracts.assets import home_area_pack
from pipelines.ingest import RawFolder, raw_assets
from pipelines.operations import (
    Warehouse,
    failure_recorder,
    monthly_schedule,
    raw_folder_sensor,
)
from pipelines.publish import MartsFolder, dbt_docs_asset, published_marts_asset
from pipelines.transform import cdap_dbt_models, dbt_resource, mart_asset_keys

FULL_REFRESH_JOB = "full_refresh"

full_refresh = dg.define_asset_job(
    FULL_REFRESH_JOB,
    selection=dg.AssetSelection.all(),
    description="Ingest every raw file, build and test every dbt model, publish the marts.",
    # One writer at a time on the DuckDB warehouse: steps run one after another in one process,
    # and the Warehouse resource holds a lock for the whole run against other processes.
    executor_def=dg.in_process_executor,
)

defs = dg.Definitions(
    assets=[*raw_assets, cdap_dbt_models, published_marts_asset, dbt_docs_asset, home_area_pack],
    asset_checks=quality_checks(mart_asset_keys()),
    jobs=[full_refresh],
    schedules=[monthly_schedule(full_refresh)],
    sensors=[raw_folder_sensor(full_refresh), failure_recorder(full_refresh)],
    resources={
        "warehouse": Warehouse(database=dg.EnvVar(settings.WAREHOUSE_ENV)),
        "raw_folder": RawFolder(path=dg.EnvVar(settings.RAW_DIR_ENV)),
        "marts_folder": MartsFolder(path=dg.EnvVar(settings.MARTS_DIR_ENV)),
        "dbt": dbt_resource(),
    },
    executor=dg.in_process_executor,
)
