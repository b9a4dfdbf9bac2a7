"""dbt unit tests (the SQL rules on hand-made rows, defined beside each model) run here, and
the grain test is shown to fail where it must. One dbt invocation does both (a dbt command
costs seconds before its first node), on a copy of the shared refreshed warehouse (dbt needs the
upstream relations' columns) in which one model's grain is broken on purpose."""

import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipelines import config

BROKEN_GRAIN_TEST = "int_people_in_treatment__counts_grain"


@pytest.fixture(scope="module")
def dbt_test_output(refreshed, tmp_path_factory) -> subprocess.CompletedProcess:
    folder = tmp_path_factory.mktemp("broken_grain")
    warehouse = folder / "warehouse.duckdb"
    warehouse.write_bytes(refreshed.settings.warehouse.read_bytes())
    table = "intermediate.int_people_in_treatment__counts"
    with duckdb.connect(str(warehouse)) as con:
        # one key repeated, and another row with no area
        con.execute(f"insert into {table} select * from {table} limit 1")
        con.execute(
            f"insert into {table} by name select * replace (null as area_code) from {table} limit 1"
        )
    env = {**os.environ, config.WAREHOUSE_ENV: str(warehouse)}
    dbt = Path(sys.executable).parent / "dbt"
    return subprocess.run(
        [str(dbt), "test", "--select", "test_type:unit", BROKEN_GRAIN_TEST]
        # its own target folder: the project's manifest is read by refreshes meanwhile
        + ["--profiles-dir", ".", "--target-path", str(folder / "target")],
        cwd=config.DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
    )


def _summary(output: str) -> dict[str, int]:
    return {key: int(value) for key, value in re.findall(r"\b([A-Z_]+)=(\d+)", output)}


def test_dbt_unit_tests_pass(dbt_test_output):
    summary = _summary(dbt_test_output.stdout)
    unit_tests = summary["TOTAL"] - 1  # all but the grain test
    assert unit_tests >= 6 and summary["PASS"] == unit_tests, dbt_test_output.stdout[-4000:]


def test_grain_test_finds_a_repeated_key_and_a_missing_value(dbt_test_output):
    """One grain test stands in for the unique, not_null and combination tests of a model: on
    the broken copy it fails with one row for the repeated key and one for the missing area."""
    assert dbt_test_output.returncode == 1
    assert _summary(dbt_test_output.stdout)["ERROR"] == 1, dbt_test_output.stdout[-4000:]
    failure = re.search(
        rf"Failure in test {BROKEN_GRAIN_TEST} .*\n.*Got (\d+) results", dbt_test_output.stdout
    )
    assert failure and failure.group(1) == "2", dbt_test_output.stdout[-4000:]
