"""The dbt project: where it is, its explicit preparation (the manifest Dagster builds the assets
from) and the folders and records a warehouse's builds keep.

Nothing here runs on import. `prepare` parses the project when its manifest is missing or older
than its files, as Dagster's `DbtProject.prepare_if_dev()` does in its dbt examples, and is
called by the command line and the definitions loader before the assets are built.
"""

import fcntl
import hashlib
import importlib.metadata
import shutil
import sys
from functools import cache
from pathlib import Path

import duckdb
from dagster_dbt import DbtCliResource, DbtProject

from pipelines import config
from pipelines.config import DBT_PROJECT_DIR, Settings
from pipelines.warehouse import SEEDS_RECORD


@cache
def dbt_project() -> DbtProject:
    return DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def dbt_resource() -> DbtCliResource:
    # dagster-dbt starts `dbt` from PATH; the dbt installed beside this interpreter is named,
    # so a virtual environment that is not activated works too.
    beside = Path(sys.executable).with_name("dbt")
    return DbtCliResource(
        project_dir=dbt_project(), dbt_executable=str(beside) if beside.exists() else "dbt"
    )


_DBT_SOURCES = ("models", "macros", "seeds", "tests", "dbt_project.yml", "profiles.yml")


def _project_files(names: tuple[str, ...] = _DBT_SOURCES) -> list[Path]:
    files: list[Path] = []
    for name in names:
        path = DBT_PROJECT_DIR / name
        paths = [path] if path.is_file() else path.rglob("*") if path.exists() else []
        files.extend(item for item in paths if item.is_file())
    return sorted(files)


def prepare(settings: Settings) -> Path:
    """The manifest, parsed again when there is none or the project changed since (a fresh
    clone has none: target/ is never committed). Processes that start together (two refreshes,
    a refresh and the UI) parse one at a time: the others wait, then find it up to date."""
    project = dbt_project()
    manifest = project.manifest_path
    manifest.parent.mkdir(parents=True, exist_ok=True)
    with (manifest.parent / ".parse.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        newest = max((item.stat().st_mtime for item in _project_files()), default=0.0)
        if not manifest.exists() or manifest.stat().st_mtime < newest:
            with config.dbt_environment(settings.warehouse, settings.duckdb_memory_limit):
                invocation = dbt_resource().cli(
                    ["parse", "--quiet"], target_path=project.target_path
                )
            try:
                invocation.wait()
            finally:
                release_dbt_adapters()
    return manifest


def release_dbt_adapters() -> None:
    """Drop the dbt adapter dagster-dbt opens in this process for each dbt command (it holds
    a named semaphore of dbt's own process pool). Released here, the semaphore is unlinked when
    the invocation is collected, instead of being reported as leaked when the command line ends
    without the interpreter's clean-up."""
    if "dbt.adapters.factory" in sys.modules:
        from dbt.adapters.factory import reset_adapters

        reset_adapters()


# -- what a warehouse's builds keep ----------------------------------------------------------------
_WAREHOUSE_RECORD = "warehouse.path"


def warehouse_target_path(warehouse: Path) -> Path:
    """The dbt target folder of one warehouse, reused by each of its refreshes. dbt then parses
    only what changed since that warehouse's last refresh (partial parsing is keyed on the
    profile, which names the warehouse), and target/ keeps one folder per warehouse instead of
    growing by one per run. Refreshes of one warehouse never overlap: the single-writer lock."""
    resolved = str(Path(warehouse).resolve())
    digest = hashlib.sha256(resolved.encode()).hexdigest()[:12]
    project = dbt_project()
    target = Path(project.project_dir) / project.target_path
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


def _fingerprint(names: tuple[str, ...]) -> str:
    """sha256 of the dbt-core version and of the named project files (paths and contents)."""
    digest = hashlib.sha256(importlib.metadata.version("dbt-core").encode())
    for item in _project_files(names):
        digest.update(str(item.relative_to(DBT_PROJECT_DIR)).encode() + b"\0" + item.read_bytes())
    return digest.hexdigest()


def project_fingerprint() -> str:
    """What the docs depend on: the dbt project's sources and the dbt-core version."""
    return _fingerprint(_DBT_SOURCES)


# The seeds a warehouse holds, by fingerprint: lookups that change only with the project, so a
# refresh loads (and tests) them only when they differ from what the warehouse already has.
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
    schema = SEEDS_RECORD.split(".")[0]
    con = duckdb.connect(str(warehouse))
    try:
        con.execute(f"create schema if not exists {schema}")
        con.execute(f"create or replace table {SEEDS_RECORD} (fingerprint varchar)")
        if fingerprint is not None:
            con.execute(f"insert into {SEEDS_RECORD} values (?)", [fingerprint])
    finally:
        con.close()
