"""The one Definitions: each stage's Dagster objects merged in one place, with resources made
from the settings' literal values.

`cdap refresh` builds it from the command line's settings and runs its full_refresh job
in-process; `dagster dev` (workspace.yaml) loads `defs`, which builds it from the environment's
settings. Either way the dbt project is prepared first, by an explicit step, never on import.
"""

import dagster as dg

from pipelines import config
from pipelines.checks.assets import build_checks_definitions
from pipelines.config import Settings
from pipelines.ingest.assets import RawFolder, build_ingest_definitions
from pipelines.ops.automation import build_ops_definitions
from pipelines.ops.lock import Warehouse
from pipelines.publish.assets import MartsFolder, Partnership, build_publish_definitions
from pipelines.transform import project
from pipelines.transform.assets import build_dbt_assets, mart_asset_keys

FULL_REFRESH_JOB = "full_refresh"


def build_resources(settings: Settings) -> dict[str, dg.ConfigurableResource]:
    return {
        "warehouse": Warehouse(
            database=str(settings.warehouse),
            lock_timeout_seconds=settings.lock_timeout_seconds,
            dbt_memory_limit=settings.duckdb_memory_limit,
        ),
        "raw_folder": RawFolder(path=str(settings.raw_dir)),
        "marts_folder": MartsFolder(path=str(settings.marts_dir)),
        "partnership": Partnership(home_area=settings.home_area),
        "dbt": project.dbt_resource(),
    }


def build_definitions(settings: Settings) -> dg.Definitions:
    """Ingest -> dbt models and tests -> checks -> publication (with the docs page and the
    home area's pack), the job that runs them all, its schedule and sensors. The dbt project
    must be prepared first."""
    dbt_models = build_dbt_assets()
    mart_keys = mart_asset_keys(dbt_models)
    full_refresh = dg.define_asset_job(
        FULL_REFRESH_JOB,
        selection=dg.AssetSelection.all(),
        description="Ingest every raw file, build and test every dbt model, publish the marts.",
        # where each run reads and writes, on every run of the job (UI, schedule, sensor)
        run_tags=settings.run_tags,
        # One writer at a time on the DuckDB warehouse: steps run one after another in one
        # process, and the Warehouse resource holds a lock for the whole run against others.
        executor_def=dg.in_process_executor,
    )
    return dg.Definitions.merge(
        build_ingest_definitions(),
        dg.Definitions(assets=[dbt_models]),
        build_checks_definitions(mart_keys),
        build_publish_definitions(mart_keys),
        build_ops_definitions(full_refresh, settings),
        dg.Definitions(
            jobs=[full_refresh],
            resources=build_resources(settings),
            executor=dg.in_process_executor,
        ),
    )


def prepared_definitions(settings: Settings) -> dg.Definitions:
    """The process prepared (telemetry off, the restricted tier owner-only), the dbt project
    prepared, then the definitions built."""
    config.prepare_process(settings)
    project.prepare(settings)
    return build_definitions(settings)


@dg.definitions
def defs() -> dg.Definitions:
    """What `dagster dev` loads: the settings of the environment (CDAP_* variables, then the
    defaults)."""
    return prepared_definitions(Settings.build())
