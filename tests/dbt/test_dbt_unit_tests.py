"""dbt unit tests (the SQL rules on hand-made rows, defined beside each model) run here,
against the shared refreshed warehouse (dbt needs the upstream relations' columns)."""

import os
import subprocess
import sys
from pathlib import Path

import duckdb

from pipelines import settings


def test_dbt_unit_tests_pass(refreshed):
    env = {**os.environ, settings.WAREHOUSE_ENV: str(refreshed.settings.warehouse)}
    dbt = Path(sys.executable).parent / "dbt"
    result = subprocess.run(
        [str(dbt), "test", "--select", "test_type:unit", "--profiles-dir", "."],
        cwd=settings.DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert "PASS=" in result.stdout and " ERROR=0" in result.stdout
    passed = int(result.stdout.split("PASS=")[1].split()[0])
    assert passed >= 6


def test_grain_test_finds_a_repeated_key_and_a_missing_value(refreshed, tmp_path):
    """One grain test stands in for the unique, not_null and combination tests of a model: on a
    copy of the warehouse where one key of people-in-treatment counts is repeated and another
    row has no area, it fails with one row for each."""
    warehouse = tmp_path / "broken.duckdb"
    warehouse.write_bytes(refreshed.settings.warehouse.read_bytes())
    table = "intermediate.int_people_in_treatment__counts"
    with duckdb.connect(str(warehouse)) as con:
        con.execute(f"insert into {table} select * from {table} limit 1")
        con.execute(
            f"insert into {table} by name select * replace (null as area_code) from {table} limit 1"
        )
    env = {**os.environ, settings.WAREHOUSE_ENV: str(warehouse)}
    dbt = Path(sys.executable).parent / "dbt"
    result = subprocess.run(
        [str(dbt), "test", "--select", "int_people_in_treatment__counts_grain"]
        + ["--profiles-dir", "."],
        cwd=settings.DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1, result.stdout[-4000:]
    assert "Got 2 results" in result.stdout, result.stdout[-4000:]
