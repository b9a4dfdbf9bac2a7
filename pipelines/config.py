"""The settings of a run, built once and passed down; the only module that reads the environment.

`Settings.build` takes each value from the command line's flags, then the environment, then the
defaults, as absolute paths, and returns one immutable object. Everything else receives what it
needs from it: the Dagster resources are made from its literal values
(`pipelines.definitions.build_definitions`), and dbt gets the warehouse path in the environment
of its own invocation only (`dbt_environment`). Importing this module, or any module of the
package, writes nothing and sets nothing; `prepare_process` (called by the command line and by
the definitions loader, never on import) switches telemetry off and makes the restricted tier
owner-only.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"

# The environment variables a user may set (each also a flag of `cdap refresh` where it is a path).
RAW_DIR_ENV = "CDAP_RAW_DIR"
WAREHOUSE_ENV = "CDAP_WAREHOUSE"
MARTS_DIR_ENV = "CDAP_MARTS_DIR"
HOME_AREA_ENV = "CDAP_AREA"  # the partnership's own area: its headline values and pack
LOCK_TIMEOUT_ENV = "CDAP_LOCK_TIMEOUT"  # seconds a second refresh waits before giving up
DUCKDB_MEMORY_LIMIT_ENV = "CDAP_DUCKDB_MEMORY_LIMIT"  # dbt's DuckDB (profiles.yml)
DAGSTER_HOME_ENV = "DAGSTER_HOME"

DEFAULT_RAW_DIR = PROJECT_ROOT / "data" / "raw"
DEFAULT_WAREHOUSE = PROJECT_ROOT / "data" / "warehouse.duckdb"
DEFAULT_MARTS_DIR = PROJECT_ROOT / "data" / "marts"
DEFAULT_HOME_AREA = "E06000016"  # Leicester
DEFAULT_LOCK_TIMEOUT = 1800.0
DEFAULT_DUCKDB_MEMORY_LIMIT = "2GB"  # within an ordinary machine; DuckDB spills beyond it
# The production warehouse's Dagster home. Any other warehouse (a scratch refresh of another
# raw folder, a test) records its runs in a home of its own beside it, `<warehouse>.dagster`
# (`dagster_home_of`), so its materialisations never show in the production UI; DAGSTER_HOME
# or --dagster-home, when given, names the home whatever the warehouse.
DEFAULT_DAGSTER_HOME = PROJECT_ROOT / ".dagster"
DAGSTER_HOME_SUFFIX = ".dagster"

# Run tags on every refresh (the UI's runs list filters on them): where it read and wrote.
RAW_DIR_TAG = "cdap/raw_dir"
WAREHOUSE_TAG = "cdap/warehouse"
MARTS_DIR_TAG = "cdap/marts_dir"

# Name of the read-only DuckDB file published for BI tools, inside the marts folder.
PUBLISHED_DUCKDB_NAME = "cdap_marts.duckdb"


def _path(value: str | os.PathLike) -> Path:
    """Absolute, with `..` and `~` worked out, but links kept: the marts folder is a link to
    the current publication, and must stay the path readers open."""
    return Path(os.path.abspath(Path(value).expanduser()))


@dataclass(frozen=True)
class Settings:
    """Where a run reads and writes, and the few choices a partnership makes."""

    raw_dir: Path
    warehouse: Path
    marts_dir: Path
    home_area: str = DEFAULT_HOME_AREA
    lock_timeout_seconds: float = DEFAULT_LOCK_TIMEOUT
    duckdb_memory_limit: str = DEFAULT_DUCKDB_MEMORY_LIMIT
    dagster_home: Path = DEFAULT_DAGSTER_HOME

    @classmethod
    def build(
        cls,
        raw_dir: str | os.PathLike | None = None,
        warehouse: str | os.PathLike | None = None,
        marts_dir: str | os.PathLike | None = None,
        environ: Mapping[str, str] | None = None,
        dagster_home: str | os.PathLike | None = None,
    ) -> Settings:
        """Flags first, then the environment, then the defaults; paths made absolute. Dagster's
        home is the flag, else DAGSTER_HOME, else the warehouse's own (`dagster_home_of`)."""
        in_process = environ is None
        environ = os.environ if environ is None else environ

        def chosen(flag, env: str, default):
            return flag if flag is not None else environ.get(env) or default

        warehouse_path = _path(chosen(warehouse, WAREHOUSE_ENV, DEFAULT_WAREHOUSE))
        named_home = environ.get(DAGSTER_HOME_ENV)
        if in_process and named_home == _home_named_by_this_process:
            named_home = None  # this process named it for an earlier refresh: not a choice
        return cls(
            raw_dir=_path(chosen(raw_dir, RAW_DIR_ENV, DEFAULT_RAW_DIR)),
            warehouse=warehouse_path,
            marts_dir=_path(chosen(marts_dir, MARTS_DIR_ENV, DEFAULT_MARTS_DIR)),
            home_area=chosen(None, HOME_AREA_ENV, DEFAULT_HOME_AREA),
            lock_timeout_seconds=float(chosen(None, LOCK_TIMEOUT_ENV, DEFAULT_LOCK_TIMEOUT)),
            duckdb_memory_limit=chosen(None, DUCKDB_MEMORY_LIMIT_ENV, DEFAULT_DUCKDB_MEMORY_LIMIT),
            dagster_home=_path(
                dagster_home
                if dagster_home is not None
                else named_home or dagster_home_of(warehouse_path)
            ),
        )

    @property
    def has_own_dagster_home(self) -> bool:
        """True when the runs are recorded apart from the production refresh's."""
        return self.dagster_home != DEFAULT_DAGSTER_HOME

    @property
    def run_tags(self) -> dict[str, str]:
        """The tags of every run of these settings (filter on them in the UI's runs list)."""
        return {
            RAW_DIR_TAG: str(self.raw_dir),
            WAREHOUSE_TAG: str(self.warehouse),
            MARTS_DIR_TAG: str(self.marts_dir),
        }

    def environment(self) -> dict[str, str]:
        """This process's environment with these settings as the variables `Settings.build`
        reads: a process started with it (the UI's code server) builds the same settings."""
        return {
            **os.environ,
            RAW_DIR_ENV: str(self.raw_dir),
            WAREHOUSE_ENV: str(self.warehouse),
            MARTS_DIR_ENV: str(self.marts_dir),
            HOME_AREA_ENV: self.home_area,
            LOCK_TIMEOUT_ENV: str(self.lock_timeout_seconds),
            DUCKDB_MEMORY_LIMIT_ENV: self.duckdb_memory_limit,
            DAGSTER_HOME_ENV: str(self.dagster_home),
        }

    # -- files kept beside the warehouse (restricted tier) ----------------------------------------
    def beside_warehouse(self, suffix: str) -> Path:
        return self.warehouse.with_name(self.warehouse.stem + suffix)

    @property
    def lock_path(self) -> Path:
        return lock_path_of(self.warehouse)

    @property
    def refresh_log(self) -> Path:
        return self.beside_warehouse(".refresh.log")

    @property
    def stopped_report(self) -> Path:
        """The data-quality report of a refresh that published nothing (it may name rows)."""
        return self.beside_warehouse(".quality_report.md")


def dagster_home_of(warehouse: Path) -> Path:
    """The Dagster home of a warehouse when none is named: the production one for the default
    warehouse, else a folder beside it (`/tmp/x/w.duckdb` -> `/tmp/x/w.duckdb.dagster`)."""
    if warehouse == DEFAULT_WAREHOUSE:
        return DEFAULT_DAGSTER_HOME
    return warehouse.with_name(warehouse.name + DAGSTER_HOME_SUFFIX)


# The DAGSTER_HOME `prepare_process` set in this process's environment (for Dagster, which
# reads its home there), when it was not already the value: a later `Settings.build` in the same
# process (a second refresh from a notebook or a test) does not take it for the user's choice.
_home_named_by_this_process: str | None = None


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def path_problem(settings: Settings) -> str | None:
    """What is wrong with the three paths, in one sentence, before any work is done: the raw
    folder missing, the marts folder a file, record-level data that would land in (or be read
    from) the folder BI tools read."""
    raw, marts, warehouse = settings.raw_dir, settings.marts_dir, settings.warehouse
    if not raw.is_dir():
        what = "is a file, not a folder" if raw.exists() else "does not exist"
        return f"the raw folder {raw} {what}: give the folder that holds the raw CSV files."
    if marts.exists() and not marts.is_dir():
        return (
            f"the marts folder {marts} is a file, not a folder: give a folder (it is made if "
            "it does not exist) for the publication."
        )
    if _inside(marts, raw) or _inside(raw, marts):
        return (
            f"the marts folder {marts} and the raw folder {raw} are the same folder or one is "
            "inside the other: BI tools read the marts folder, so the record-level raw files "
            "must not be in it. Give two separate folders."
        )
    if _inside(warehouse, marts):
        return (
            f"the warehouse {warehouse} is inside the marts folder {marts}: it holds "
            "record-level data, and BI tools read the marts folder. Keep it elsewhere."
        )
    if _inside(settings.dagster_home, marts):
        return (
            f"the Dagster home {settings.dagster_home} is inside the marts folder {marts}: it "
            "holds the runs' logs and the failing rows of checks, and BI tools read the marts "
            "folder. Keep it elsewhere."
        )
    if warehouse.is_dir():
        return f"the warehouse {warehouse} is a folder: give the path of a DuckDB file."
    if any(parent.exists() and not parent.is_dir() for parent in warehouse.parents):
        return f"the warehouse {warehouse} cannot be made: a file stands where a folder should."
    return None


def lock_path_of(warehouse: Path) -> Path:
    """The single-writer lock of a warehouse, beside it."""
    return warehouse.with_name(warehouse.name + ".lock")


# -- the two tiers on disk ------------------------------------------------------------------------
# The restricted tier (the record-level warehouse and everything written beside it: WAL, lock,
# refresh log, quality report with example rows, dbt's target and logs, Dagster's storage) is
# readable by its owner only, whatever the user's umask: every process of the project creates
# files with umask 077, and each refresh tightens what an older version left readable. The
# shareable tier (the marts folder) is made readable on purpose (`make_shareable`).
OWNER_ONLY_UMASK = 0o077
RESTRICTED_FILE_MODE, RESTRICTED_FOLDER_MODE = 0o600, 0o700
SHAREABLE_FILE_MODE, SHAREABLE_FOLDER_MODE = 0o444, 0o755


def restricted_paths(settings: Settings) -> list[Path]:
    """Every path of the restricted tier (whether or not it exists yet)."""
    warehouse = settings.warehouse
    return [
        warehouse,
        warehouse.with_name(warehouse.name + ".wal"),
        settings.lock_path,
        settings.refresh_log,
        settings.stopped_report,
        DBT_PROJECT_DIR / "target",
        DBT_PROJECT_DIR / "logs",
        settings.dagster_home,
    ]


def restrict_to_owner(settings: Settings) -> None:
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


# -- the process: telemetry, Dagster's home --------------------------------------------------------
# No network but the package index here: dbt, Great Expectations and Dagster send nothing.
TELEMETRY_OFF = {
    "DO_NOT_TRACK": "1",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "GX_ANALYTICS_ENABLED": "False",
}
# The dagster.yaml of a DAGSTER_HOME this project makes: Dagster honours only this setting.
DAGSTER_YAML = "telemetry:\n  enabled: false\n"
# An event log class earlier versions of the project named in dagster.yaml, since removed:
# Dagster could not start with it named, so the setting is taken out (Dagster's own storage
# reads the same files).
_REMOVED_EVENT_LOG_MODULE = "pipelines.dagster_storage"


def _dagster_yaml_brought_up_to_date(path: Path) -> None:
    """Write the project's dagster.yaml where there is none; take the removed event log class
    out of one that names it (whatever else the file says stays)."""
    import yaml

    if not path.exists():
        path.write_text(DAGSTER_YAML)
        return
    content = yaml.safe_load(path.read_text()) or {}
    storage = content.get("event_log_storage")
    if isinstance(storage, dict) and storage.get("module") == _REMOVED_EVENT_LOG_MODULE:
        del content["event_log_storage"]
        path.write_text(yaml.safe_dump(content, sort_keys=False))


def prepare_process(settings: Settings) -> None:
    """For a process that runs the warehouse (the command line, `dagster dev`'s loader): telemetry
    off (for this process and the ones it starts), Dagster's home named and its dagster.yaml
    written if it has none (a dagster.yaml the user wrote is left as it is), and the restricted
    tier owner-only."""
    global _home_named_by_this_process
    for name, value in TELEMETRY_OFF.items():
        os.environ.setdefault(name, value)
    if os.environ.get(DAGSTER_HOME_ENV) != str(settings.dagster_home):
        _home_named_by_this_process = str(settings.dagster_home)
    os.environ[DAGSTER_HOME_ENV] = str(settings.dagster_home)
    settings.dagster_home.mkdir(parents=True, exist_ok=True)
    _dagster_yaml_brought_up_to_date(settings.dagster_home / "dagster.yaml")
    restrict_to_owner(settings)


def dbt_variables(warehouse: Path, memory_limit: str) -> dict[str, str]:
    """What dbt's profiles.yml reads: the warehouse and DuckDB's memory limit."""
    return {
        WAREHOUSE_ENV: str(warehouse),
        DUCKDB_MEMORY_LIMIT_ENV: memory_limit,
        **TELEMETRY_OFF,
    }


_environment_lock = threading.Lock()


@contextmanager
def dbt_environment(warehouse: Path, memory_limit: str) -> Iterator[None]:
    """The warehouse path in the environment of a dbt invocation only. dagster-dbt starts dbt
    with a copy of this process's environment (it takes no environment of its own), so the
    values are set while the invocation starts its process, then taken away again, also when
    it fails. Keep the block around the `dbt.cli(...)` call alone: while it is open every
    thread of the process sees the values, and it is not re-entrant (one dbt command starts at
    a time)."""
    variables = dbt_variables(warehouse, memory_limit)
    with _environment_lock:
        before = {name: os.environ.get(name) for name in variables}
        os.environ.update(variables)
        try:
            yield
        finally:
            for name, value in before.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
