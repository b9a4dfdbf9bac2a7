"""dbt unit tests (the SQL rules on hand-made rows, defined beside each model) run here,
against the shared refreshed warehouse (dbt needs the upstream relations' columns)."""

import os
import subprocess
import sys
from pathlib import Path

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
