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
    return current()


def current() -> Settings:
    return Settings(
        raw_dir=Path(os.environ[RAW_DIR_ENV]),
        warehouse=Path(os.environ[WAREHOUSE_ENV]),
        marts_dir=Path(os.environ[MARTS_DIR_ENV]),
    )


def _telemetry_off() -> None:
    # dbt: no anonymous usage stats (a dropped connection costs ~5 s per command here).
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    # Dagster only honours the instance setting: keep a project-local DAGSTER_HOME whose
    # dagster.yaml disables it, unless the user points DAGSTER_HOME elsewhere.
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(PROJECT_ROOT / ".dagster")))
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text("telemetry:\n  enabled: false\n")


_telemetry_off()
apply()
