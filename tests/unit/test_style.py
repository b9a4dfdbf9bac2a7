"""The lint of the README passes: ruff on the Python, sqlfluff (dbt templater, the rules of
.sqlfluff) on every model and singular test, and on the SQL files beside the pipeline's modules
(their own templater: pipelines/.sqlfluff)."""

import os
import subprocess
import sys
from pathlib import Path

from pipelines import config

ROOT = Path(__file__).resolve().parents[2]


def test_sqlfluff_passes_on_the_dbt_project(tmp_path):
    sqlfluff = Path(sys.executable).parent / "sqlfluff"
    # the dbt templater opens the profile's warehouse: a throwaway one, never a live warehouse
    # and its own dbt target folder: the project's manifest is read by refreshes meanwhile
    env = {
        **os.environ,
        config.WAREHOUSE_ENV: str(tmp_path / "lint.duckdb"),
        "DBT_TARGET_PATH": str(tmp_path / "target"),
    }
    result = subprocess.run(
        [
            str(sqlfluff),
            "lint",
            "dbt_project/models",
            "dbt_project/tests",
            "--nocolor",
            # one process: a worker of sqlfluff's pool was once seen waiting for ever (a
            # fresh clone, the dbt templater parsing in two workers at once)
            "--processes",
            "1",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_sqlfluff_passes_on_the_sql_beside_the_python():
    sqlfluff = Path(sys.executable).parent / "sqlfluff"
    files = sorted((ROOT / "pipelines").rglob("*.sql"))
    assert files, "no SQL files found beside the pipeline's modules"
    # from pipelines/, so that its .sqlfluff (placeholder templater) applies
    result = subprocess.run(
        [str(sqlfluff), "lint", ".", "--nocolor"],
        cwd=ROOT / "pipelines",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_ruff_passes_on_the_python():
    ruff = Path(sys.executable).parent / "ruff"
    for command in (["check"], ["format", "--check"]):
        result = subprocess.run(
            [str(ruff), *command, "pipelines", "tests", "benchmarks"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stdout[-4000:]
