"""Every path and environment variable of the warehouse, in one place.

The three locations are environment variables so that Dagster (through `EnvVar`) and dbt
(through `env_var()` in profiles.yml) read the same value. Importing this module fills in
absolute defaults for any that are unset, and switches telemetry off before Dagster or dbt load.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"

RAW_DIR_ENV = "CDAP_RAW_DIR"
WAREHOUSE_ENV = "CDAP_WAREHOUSE"
MARTS_DIR_ENV = "CDAP_MARTS_DIR"

DEFAULTS = {
    RAW_DIR_ENV: PROJECT_ROOT / "data" / "raw",
    WAREHOUSE_ENV: PROJECT_ROOT / "data" / "warehouse.duckdb",
    MARTS_DIR_ENV: PROJECT_ROOT / "data" / "marts",
}

# The partnership's own area: its headline values show in the UI, its pack is an asset.
HOME_AREA_ENV = "CDAP_AREA"
HOME_AREA_DEFAULT = "E06000016"  # Leicester


def home_area() -> str:
    return os.environ.get(HOME_AREA_ENV, HOME_AREA_DEFAULT)


# Name of the read-only DuckDB file published for BI tools, inside the marts folder.
PUBLISHED_DUCKDB_NAME = "cdap_marts.duckdb"


@dataclass(frozen=True)
class Settings:
    raw_dir: Path
    warehouse: Path
    marts_dir: Path


def apply(
    raw_dir: str | os.PathLike | None = None,
    warehouse: str | os.PathLike | None = None,
    marts_dir: str | os.PathLike | None = None,
) -> Settings:
    """Set the environment variables (explicit values win, then the environment, then
    the defaults), always as absolute paths, and return them."""
    for env, value in (
        (RAW_DIR_ENV, raw_dir),
        (WAREHOUSE_ENV, warehouse),
        (MARTS_DIR_ENV, marts_dir),
    ):
        chosen = value if value is not None else os.environ.get(env) or DEFAULTS[env]
        os.environ[env] = str(Path(chosen).expanduser().resolve())
    restrict_to_owner()
    return current()


# -- the two tiers on disk ------------------------------------------------------------------------
# The restricted tier (the record-level warehouse and everything written beside it: WAL, lock,
# refresh log, quality report with example rows, dbt's target and logs, Dagster's storage) is
# readable by its owner only, whatever the user's umask: every process of the project creates
# files with umask 077, and each refresh tightens what an older version left readable. The
# shareable tier (the marts folder) is made readable on purpose (`make_shareable`).
OWNER_ONLY_UMASK = 0o077
RESTRICTED_FILE_MODE, RESTRICTED_FOLDER_MODE = 0o600, 0o700
SHAREABLE_FILE_MODE, SHAREABLE_FOLDER_MODE = 0o444, 0o755


def restricted_paths(settings: Settings | None = None) -> list[Path]:
    """Every path of the restricted tier (whether or not it exists yet)."""
    settings = settings or current()
    warehouse = settings.warehouse
    return [
        warehouse,
        warehouse.with_name(warehouse.name + ".wal"),
        warehouse.with_name(warehouse.name + ".lock"),
        warehouse.with_name(warehouse.stem + ".refresh.log"),
        warehouse.with_name(warehouse.stem + ".quality_report.md"),
        DBT_PROJECT_DIR / "target",
        DBT_PROJECT_DIR / "logs",
        Path(os.environ.get("DAGSTER_HOME", PROJECT_ROOT / ".dagster")),
    ]


def restrict_to_owner(settings: Settings | None = None) -> None:
    """Owner-only from now on (umask), and for what exists already (chmod)."""
    os.umask(OWNER_ONLY_UMASK)
    for path in restricted_paths(settings):
        try:
            if path.is_dir():
                path.chmod(RESTRICTED_FOLDER_MODE)  # nothing inside can be reached by others
            elif path.exists():
                path.chmod(RESTRICTED_FILE_MODE)
        except OSError:
            pass  # not ours to change (another user's file): the owner's own runs tighten it


def open_folder(path: Path) -> Path:
    """Make a folder and any missing parents readable and traversable (0755): a container.
    What is restricted inside is protected by its own mode (0600 files, 0700 folders)."""
    missing = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        folder.mkdir(exist_ok=True)
        folder.chmod(SHAREABLE_FOLDER_MODE)
    return path


def make_shareable(path: Path) -> Path:
    """Open a file or folder of the shareable tier to readers (files read-only)."""
    path.chmod(SHAREABLE_FOLDER_MODE if path.is_dir() else SHAREABLE_FILE_MODE)
    return path


def current() -> Settings:
    return Settings(
        raw_dir=Path(os.environ[RAW_DIR_ENV]),
        warehouse=Path(os.environ[WAREHOUSE_ENV]),
        marts_dir=Path(os.environ[MARTS_DIR_ENV]),
    )


# The dagster.yaml of a DAGSTER_HOME this project makes: telemetry off, and Dagster's SQLite
# event log keeping its engines and connections (pipelines/dagster_storage.py: storing a
# sample refresh's events takes about a third of the time).
DAGSTER_YAML = """telemetry:
  enabled: false
event_log_storage:
  module: pipelines.dagster_storage
  class: SqliteEventLogStorageKeepingEngines
  config: {}
"""
# What the project wrote before the event log setting; such a file is brought up to date.
_EARLIER_DAGSTER_YAML = "telemetry:\n  enabled: false\n"


def _telemetry_off() -> None:
    # dbt: no anonymous usage stats (a dropped connection costs ~5 s per command here).
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    # Dagster only honours the instance setting: keep a project-local DAGSTER_HOME whose
    # dagster.yaml disables it. A dagster.yaml the user wrote is left as it is.
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(PROJECT_ROOT / ".dagster")))
    home.mkdir(parents=True, exist_ok=True)  # apply() below makes it owner-only
    config = home / "dagster.yaml"
    if not config.exists() or config.read_text() == _EARLIER_DAGSTER_YAML:
        config.write_text(DAGSTER_YAML)


_telemetry_off()
apply()
