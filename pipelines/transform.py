"""dbt models as Dagster assets: one cached DbtProject, groups derived from model folders,
dbt tests surfaced as asset checks."""

import fcntl
import hashlib
import importlib.abc
import importlib.metadata
import shutil
import sys
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from packaging import version

from pipelines import dbt_warm, settings
from pipelines.ingest import RAW_SCHEMA


class _DbtCoreHidden(importlib.abc.MetaPathFinder):
    """dbt runs in processes of its own here (dagster-dbt's command line, and
    pipelines/dbt_warm.py). Imported beside dbt-core, dagster-dbt also imports dbt-core's
    adapters and contracts (about 1.4 s of every refresh's start) to work out its node selection
    in-process; without them it takes the same selection, every node of the manifest, from the
    manifest itself (its path for dbt Fusion). The asset specs and checks are the same either
    way (tests/unit/test_transform.py). So dbt-core is hidden while dagster-dbt is imported,
    unless this process has imported dbt already (a notebook, say): then dagster-dbt uses it.
    A dbt selection other than every node (none is used) would need dbt-core visible."""

    @staticmethod
    def is_dbt(name: str) -> bool:
        return name == "dbt" or name.startswith("dbt.")

    def find_spec(self, name, path=None, target=None):
        if self.is_dbt(name):
            raise ImportError(f"{name} is not imported by the orchestrating process")
        return None


_hidden = _DbtCoreHidden()
if not any(_hidden.is_dbt(name) for name in sys.modules):
    sys.meta_path.insert(0, _hidden)
try:
    from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
finally:
    if _hidden in sys.meta_path:
        sys.meta_path.remove(_hidden)

dbt_project = DbtProject(
    project_dir=settings.DBT_PROJECT_DIR, profiles_dir=settings.DBT_PROJECT_DIR
)


# `cdap-dbt` runs dbt commands in the dbt process `cdap refresh` starts ahead, or as the dbt
# beside it where there is none
_DBT_BESIDE_INTERPRETER = (dbt_warm.CLIENT, dbt_warm.DBT)


class CdapDbtCliResource(DbtCliResource):
    """dagster-dbt asks `dbt --version` before every invocation (about 1.7 s each here). The dbt
    beside this interpreter is the dbt-core this environment installed, so its version is read
    from the package metadata instead; any other dbt is asked as usual."""

    @cached_property
    def _cli_version(self) -> version.Version:
        if Path(self.dbt_executable) in _DBT_BESIDE_INTERPRETER:
            return version.parse(importlib.metadata.version("dbt-core"))
        return super()._cli_version

    def _initialize_dbt_core_adapter(self, args):
        """dagster-dbt also opens an in-process dbt adapter on each invocation (about 1.4 s
        here) for `fetch_row_counts` and `fetch_column_metadata`, which this project does not
        call: dbt runs in its subprocess only."""
        return None


def dbt_resource() -> DbtCliResource:
    # The dbt installed beside this interpreter, so an unactivated venv works too (dagster-dbt's
    # own preparer looks for `dbt` on PATH only).
    executable = next((str(path) for path in _DBT_BESIDE_INTERPRETER if path.exists()), "dbt")
    return CdapDbtCliResource(project_dir=dbt_project, dbt_executable=executable)


_WAREHOUSE_RECORD = "warehouse.path"


def warehouse_target_path(warehouse: Path) -> Path:
    """The dbt target folder of one warehouse, reused by each of its refreshes. dbt then parses
    only what changed since that warehouse's last refresh (partial parsing is keyed on the
    profile, which names the warehouse), and target/ keeps one folder per warehouse instead of
    growing by one per run. Refreshes of one warehouse never overlap: the single-writer lock."""
    resolved = str(Path(warehouse).resolve())
    digest = hashlib.sha256(resolved.encode()).hexdigest()[:12]
    target = Path(dbt_project.project_dir) / dbt_project.target_path
    return target / f"warehouse-{Path(warehouse).stem}-{digest}"


def prepare_warehouse_target(warehouse: Path) -> Path:
    """The warehouse's target folder, made and labelled with the warehouse it serves; the
    folders of warehouses that no longer exist (temporary ones, deleted ones) are removed."""
    folder = warehouse_target_path(warehouse)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / _WAREHOUSE_RECORD).write_text(str(Path(warehouse).resolve()), encoding="utf-8")
    for other in folder.parent.glob("warehouse-*"):
        record = other / _WAREHOUSE_RECORD
        if other != folder and record.exists() and not Path(record.read_text()).exists():
            shutil.rmtree(other, ignore_errors=True)
    return folder


_DBT_SOURCES = ("models", "macros", "seeds", "tests", "dbt_project.yml", "profiles.yml")


def _project_files(project_dir: Path, names: tuple[str, ...] = _DBT_SOURCES) -> list[Path]:
    files: list[Path] = []
    for name in names:
        path = project_dir / name
        paths = [path] if path.is_file() else path.rglob("*") if path.exists() else []
        files.extend(item for item in paths if item.is_file())
    return sorted(files)


def _newest_source_mtime(project_dir: Path) -> float:
    return max((item.stat().st_mtime for item in _project_files(project_dir)), default=0.0)


def _fingerprint(names: tuple[str, ...]) -> str:
    """sha256 of the dbt-core version and of the named project files (paths and contents)."""
    project_dir = Path(dbt_project.project_dir)
    digest = hashlib.sha256(importlib.metadata.version("dbt-core").encode())
    for item in _project_files(project_dir, names):
        digest.update(str(item.relative_to(project_dir)).encode() + b"\0" + item.read_bytes())
    return digest.hexdigest()


def project_fingerprint() -> str:
    """What the docs depend on: the dbt project's sources and the dbt-core version."""
    return _fingerprint(_DBT_SOURCES)


def ensure_manifest() -> Path:
    """Parse the dbt project when there is no manifest, or when the project changed after it
    was written (a fresh clone has none: target/ is never committed). Used by the command
    line, the tests and `dagster dev` alike."""
    manifest = dbt_project.manifest_path
    manifest.parent.mkdir(parents=True, exist_ok=True)
    # Processes that start together (two refreshes, a refresh and the UI) parse one at a
    # time: the others wait, then find the manifest up to date.
    with (manifest.parent / ".parse.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
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

# The seeds a warehouse holds, by fingerprint: lookups that change only with the project, so a
# refresh loads (and tests) them only when they differ from what the warehouse already has.
SEEDS_RECORD = "meta.loaded_seeds"
_SEED_INPUTS = ("seeds", "dbt_project.yml", "macros/generate_schema_name.sql")


def seeds_fingerprint() -> str:
    """What the seed tables are made from: the seed files and their configuration, the schema
    naming, and the dbt-core version."""
    return _fingerprint(_SEED_INPUTS)


def loaded_seeds(warehouse: Path) -> str | None:
    """The fingerprint of the seeds last loaded, and tested, into the warehouse."""
    if not Path(warehouse).exists():
        return None
    schema, table = SEEDS_RECORD.split(".")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        recorded = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
        if not recorded:  # a warehouse that has never recorded its seeds
            return None
        return con.execute(f"select max(fingerprint) from {SEEDS_RECORD}").fetchone()[0]
    finally:
        con.close()


def record_seeds(warehouse: Path, fingerprint: str | None) -> None:
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("create schema if not exists meta")
        con.execute(f"create or replace table {SEEDS_RECORD} (fingerprint varchar)")
        if fingerprint is not None:
            con.execute(f"insert into {SEEDS_RECORD} values (?)", [fingerprint])
    finally:
        con.close()


@dbt_assets(
    manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=translator
)
def cdap_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    # Unit tests pin the SQL rules on hand-made rows: they run in the test suite, not on
    # every refresh (they do not depend on the data).
    warehouse = settings.current().warehouse
    target_path = prepare_warehouse_target(warehouse)
    # the folder is reused: a failed build must not leave the last run's results to be read
    (target_path / "run_results.json").unlink(missing_ok=True)
    arguments = ["build", "--exclude-resource-type", "unit_test"]
    fingerprint = seeds_fingerprint()
    # the warehouse holds these very seeds, loaded and tested: leave them (their tests go with
    # them; a test between a seed and a model still runs)
    keeps_seeds = loaded_seeds(warehouse) == fingerprint
    if keeps_seeds:
        arguments += ["--exclude", "resource_type:seed"]
        context.log.info("seeds unchanged since they were loaded: not reloaded")
    else:
        record_seeds(warehouse, None)  # until this build has loaded and tested them
    invocation = dbt.cli(arguments, context=context, target_path=target_path)
    yield from invocation.stream()
    if invocation.is_successful() and not keeps_seeds:
        record_seeds(warehouse, fingerprint)


def mart_asset_keys() -> list[dg.AssetKey]:
    """The dbt models of the marts folder, as asset keys (for the publication's deps)."""
    return [spec.key for spec in cdap_dbt_models.specs if spec.group_name == "marts"]
