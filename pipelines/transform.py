"""dbt models as Dagster assets: one cached DbtProject, groups derived from model folders,
dbt tests surfaced as asset checks."""

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from pipelines import settings
from pipelines.ingest import RAW_SCHEMA

dbt_project = DbtProject(
    project_dir=settings.DBT_PROJECT_DIR, profiles_dir=settings.DBT_PROJECT_DIR
)


def dbt_resource() -> DbtCliResource:
    # The dbt installed beside this interpreter, so an unactivated venv works too (dagster-dbt's
    # own preparer looks for `dbt` on PATH only).
    beside = Path(sys.executable).parent / "dbt"
    return DbtCliResource(
        project_dir=dbt_project, dbt_executable=str(beside) if beside.exists() else "dbt"
    )


_DBT_SOURCES = ("models", "macros", "seeds", "tests", "dbt_project.yml", "profiles.yml")


def _newest_source_mtime(project_dir: Path) -> float:
    newest = 0.0
    for name in _DBT_SOURCES:
        path = project_dir / name
        paths = [path] if path.is_file() else path.rglob("*") if path.exists() else []
        for item in paths:
            if item.is_file():
                newest = max(newest, item.stat().st_mtime)
    return newest


def ensure_manifest() -> Path:
    """Parse the dbt project when there is no manifest, or when the project changed after it
    was written (a fresh clone has none: target/ is never committed). Used by the command
    line, the tests and `dagster dev` alike."""
    manifest = dbt_project.manifest_path
    if not manifest.exists() or manifest.stat().st_mtime < _newest_source_mtime(
        Path(dbt_project.project_dir)
    ):
        dbt_resource().cli(["parse", "--quiet"], target_path=dbt_project.target_path).wait()
    return manifest


ensure_manifest()


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


translator = CdapDbtTranslator()


@dbt_assets(
    manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=translator
)
def cdap_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    # Unit tests pin the SQL rules on hand-made rows: they run in the test suite, not on
    # every refresh (they do not depend on the data).
    yield from dbt.cli(["build", "--exclude-resource-type", "unit_test"], context=context).stream()


def mart_asset_keys() -> list[dg.AssetKey]:
    """The dbt models of the marts folder, as asset keys (for the publication's deps)."""
    return [spec.key for spec in cdap_dbt_models.specs if spec.group_name == "marts"]
