"""Shared fixtures. One refreshed warehouse on the shipped sample serves every end-to-end test
that only reads (one per pytest-xdist worker); tests that break input get their own folders."""

import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipelines import config

SAMPLE_RAW_DIR = config.PROJECT_ROOT / "data" / "raw"
FIXTURES = Path(__file__).parent / "fixtures"


def file_hashes(folder: Path) -> dict[str, str]:
    """sha256 of every file below a folder, by relative path."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def copy_publication(source: Path, target: Path) -> Path:
    """A private copy of a publication (files and sub-folders), for a refresh to (not) touch."""
    shutil.copytree(source, target)
    return target


def run_refresh_in(raw_dir: Path, warehouse: Path, marts_dir: Path, echo=None):
    """A full refresh on the given folders, through the same code path as `cdap refresh`
    (`run_refresh`), in Dagster's in-memory instance rather than the Dagster home's; `echo`
    is given each line the console would show."""
    import dagster as dg

    from pipelines.run import run_refresh

    settings = config.Settings.build(raw_dir, warehouse, marts_dir)
    # Dagster's in-memory instance: the same run, its events kept in memory rather than in
    # SQLite files (about 10 ms an event, 450 events a refresh)
    with dg.DagsterInstance.ephemeral() as instance:
        return run_refresh(settings, instance=instance, echo=echo)


@dataclass
class RefreshedRun:
    """A refresh with what is left of it: its outcome, the in-memory Dagster instance that
    holds its run (tags, events, check results), and the lines it showed on the console."""

    outcome: object
    instance: object
    console: list[str]


@pytest.fixture(scope="session")
def refreshed_run(tmp_path_factory):
    """A full refresh of the shipped sample into a temporary warehouse and marts folder, its
    instance kept open for the session."""
    import dagster as dg

    from pipelines.run import run_refresh

    root = tmp_path_factory.mktemp("refreshed")
    settings = config.Settings.build(SAMPLE_RAW_DIR, root / "warehouse.duckdb", root / "marts")
    console: list[str] = []
    with dg.DagsterInstance.ephemeral() as instance:
        outcome = run_refresh(settings, instance=instance, echo=console.append)
        assert outcome.success, outcome.explanation()
        yield RefreshedRun(outcome, instance, console)


@pytest.fixture(scope="session")
def refreshed(refreshed_run):
    """The outcome of the full refresh of the shipped sample (`refreshed_run`)."""
    return refreshed_run.outcome


# the raw folder's optional inputs the shipped sample holds: without them, metrics 13-17 are
# not produced (tests/e2e/test_crime.py)
OPTIONAL_INPUTS = ("treatment_outcomes.csv", "police", "lsoa_lookup.csv")


def without_optional_inputs(raw_dir: Path, inputs=OPTIONAL_INPUTS) -> Path:
    """The copy `raw_dir` of the sample without these optional files and folders."""
    for name in inputs:
        path = raw_dir / name
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    return raw_dir


@pytest.fixture
def raw_copy(tmp_path) -> Path:
    """A private copy of the shipped sample to break."""
    target = tmp_path / "raw"
    shutil.copytree(SAMPLE_RAW_DIR, target)
    return target
