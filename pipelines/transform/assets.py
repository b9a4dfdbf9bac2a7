"""dbt's models, seeds and tests as Dagster assets and asset checks.

Groups come from the model folders (staging, intermediate, marts; seeds are `reference`), dbt
sources map onto the ingest assets, and dbt's tests become asset checks: an error-severity test
that fails stops everything downstream, so nothing is published. Each check says in words what
its test checks, and a test that warns or fails names its rows (`transform.dbt_tests`).
"""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from pipelines import config
from pipelines.ops.lock import Warehouse
from pipelines.transform import dbt_tests
from pipelines.transform.project import (
    dbt_project,
    loaded_seeds,
    prepare_warehouse_target,
    record_seeds,
    release_dbt_adapters,
    seeds_fingerprint,
)
from pipelines.warehouse import MARTS_SCHEMA, RAW_SCHEMA

DBT_STEP = "cdap_dbt_models"


class CdapDbtTranslator(DagsterDbtTranslator):
    """Sources map onto the ingest assets (raw/<table>); groups come from the model folder."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([RAW_SCHEMA, dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        fqn = dbt_resource_props.get("fqn", [])
        # fqn = [project, folder, ..., name]: the first folder under models/ is the layer.
        return fqn[1] if len(fqn) > 2 else "dbt"

    def get_asset_check_spec(
        self,
        asset_spec: dg.AssetSpec,
        manifest: Mapping[str, Any],
        unique_id: str,
        project: DbtProject | None,
    ) -> dg.AssetCheckSpec | None:
        # dagster-dbt describes a test only from its `meta.description`: the UI said "No
        # description provided" for every one
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        return None if spec is None else dbt_tests.described_check_spec(spec, manifest, unique_id)


def build_dbt_assets() -> dg.AssetsDefinition:
    """The dbt assets, from the prepared manifest (`transform.project.prepare` first)."""
    project = dbt_project()

    @dbt_assets(
        name=DBT_STEP,
        manifest=project.manifest_path,
        project=project,
        dagster_dbt_translator=CdapDbtTranslator(),
    )
    def cdap_dbt_models(
        context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse
    ):
        # Unit tests pin the SQL rules on hand-made rows: they run in the test suite, not on
        # every refresh (they do not depend on the data).
        path = warehouse.path
        target_path = prepare_warehouse_target(path)
        # the folder is reused: a failed build must not leave the last run's results to be read
        (target_path / "run_results.json").unlink(missing_ok=True)
        arguments = ["build", "--exclude-resource-type", "unit_test"]
        fingerprint = seeds_fingerprint()
        # the warehouse holds these very seeds, loaded and tested: leave them (their tests go
        # with them; a test between a seed and a model still runs)
        keeps_seeds = loaded_seeds(path) == fingerprint
        if keeps_seeds:
            arguments += ["--exclude", "resource_type:seed"]
            context.log.info("seeds unchanged since they were loaded: not reloaded")
        else:
            record_seeds(path, None)  # until this build has loaded and tested them
        with config.dbt_environment(path, warehouse.dbt_memory_limit):
            invocation = dbt.cli(arguments, context=context, target_path=target_path)
        # A test that warns or fails is reported once dbt has let go of the warehouse (DuckDB
        # has one writer), with its rows read by the test's own query; the step still fails
        # after them when dbt did.
        failed: list[dg.AssetCheckResult] = []
        stopped: Exception | None = None
        try:
            for event in invocation.stream():
                if isinstance(event, dg.AssetCheckResult) and not event.passed:
                    failed.append(event)
                else:
                    yield event
        except Exception as error:  # dbt failed: raised once the failed checks are reported
            stopped = error
        finally:
            release_dbt_adapters()
        if failed:
            compiled = dbt_tests.compiled_queries(_run_results(invocation))
            for result in failed:
                try:
                    yield dbt_tests.with_failing_rows(result, path, invocation.manifest, compiled)
                except Exception as error:  # the words are a help: the outcome goes out anyway
                    context.log.warning(f"the rows of {result.check_name} not read: {error!r}")
                    yield result
        if stopped is not None:
            raise stopped
        if invocation.is_successful() and not keeps_seeds:
            record_seeds(path, fingerprint)

    return cdap_dbt_models


def _run_results(invocation) -> Mapping[str, Any]:
    try:
        return invocation.get_artifact("run_results.json")
    except (OSError, ValueError):
        return {}  # dbt stopped before writing it: the failed checks keep their counts alone


def mart_asset_keys(dbt_models: dg.AssetsDefinition) -> list[dg.AssetKey]:
    """The dbt models of the marts folder, as asset keys (for the publication's deps)."""
    return [spec.key for spec in dbt_models.specs if spec.group_name == MARTS_SCHEMA]
