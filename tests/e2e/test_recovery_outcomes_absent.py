"""Without treatment_outcomes.csv (it is optional) the recovery metrics are not produced, the
refresh says so, and everything else is published exactly as before they existed: the
publication of the sample without the file is compared, table by table and row by row, with the
one the code of the commit before them makes of the same folder."""

import io
import json
import shutil
import subprocess
import sys
import tarfile

import duckdb
import pandas as pd
import pytest

from pipelines import config
from tests.conftest import SAMPLE_RAW_DIR

# the last commit before the recovery metrics (metrics 13-15 and treatment_outcomes.csv)
BEFORE_RECOVERY_METRICS = "5869a4f"
RECOVERY = ("treatment_progress_rate", "acute_housing_problem_rate", "paid_work_rate")
NOT_PRODUCED = (
    "treatment_outcomes.csv is absent or has no rows (it is optional): "
    "treatment_progress_rate, acute_housing_problem_rate, paid_work_rate not produced."
)
# the published tables that hold metrics, and the column that names them
BY_METRIC = {
    "fct_outcomes": "metric_id",
    "fct_strategy_scorecard": "metric_id",
    "fct_neighbour_comparison": "metric_id",
    "dim_metric": "metric_id",
}
TABLES = [*BY_METRIC, "dim_area", "dim_comparator", "fct_ons_reconciliation"]


@pytest.fixture(scope="module")
def without_forms(refreshed_run, tmp_path_factory):
    """The sample's refresh without the file: the shared refresh while the sample has none, a
    copy of it without the file once it has."""
    if not (SAMPLE_RAW_DIR / "treatment_outcomes.csv").exists():
        return refreshed_run.outcome, refreshed_run.console
    root = tmp_path_factory.mktemp("without_forms")
    shutil.copytree(SAMPLE_RAW_DIR, root / "raw")
    (root / "raw" / "treatment_outcomes.csv").unlink()
    import dagster as dg

    from pipelines.run import run_refresh

    console: list[str] = []
    settings = config.Settings.build(root / "raw", root / "warehouse.duckdb", root / "marts")
    with dg.DagsterInstance.ephemeral() as instance:
        outcome = run_refresh(settings, instance=instance, echo=console.append)
    assert outcome.success, outcome.explanation()
    return outcome, console


def test_the_recovery_metrics_are_not_produced_and_the_refresh_says_so(without_forms):
    outcome, console = without_forms
    con = duckdb.connect(str(outcome.settings.warehouse), read_only=True)
    counts = con.execute(
        "SELECT count(*) FILTER (WHERE metric_id IN ?), count(DISTINCT metric_id) "
        "FROM marts.fct_outcomes",
        [list(RECOVERY)],
    ).fetchone()
    quarantined = con.execute(
        "SELECT count(*) FROM quarantine.rows WHERE file_name = 'treatment_outcomes.csv'"
    ).fetchone()
    con.close()
    assert counts[0] == 0 and counts[1] >= 16 and quarantined == (0,)
    published = pd.read_parquet(outcome.settings.marts_dir / "fct_outcomes.parquet")
    assert not published.metric_id.isin(RECOVERY).any()
    # the console (the ingest step's warning, and the summary), the run record
    assert any(
        "treatment_outcomes.csv is absent (optional): these metrics are not produced: "
        "treatment_progress_rate, acute_housing_problem_rate, paid_work_rate." in line
        for line in console
    ), console
    assert NOT_PRODUCED in outcome.data_quality
    record = json.loads(
        (outcome.settings.marts_dir / "run_record.jsonl").read_text().splitlines()[-1]
    )
    assert NOT_PRODUCED in record["data_quality"]
    assert "treatment_outcomes" not in record["inputs_as_of"]
    # still documented, as every metric of the catalogue is
    documented = pd.read_parquet(outcome.settings.marts_dir / "dim_metric.parquet")
    assert set(RECOVERY) <= set(documented.metric_id)


def _code_of(commit: str, target) -> bool:
    """The project's files at `commit` in `target` (False where git or the commit is not
    there: a shallow clone, an exported tree)."""
    try:
        archive = subprocess.run(
            ["git", "archive", "--format=tar", commit],
            cwd=config.PROJECT_ROOT,
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return False
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return True


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def test_everything_else_is_published_as_before_the_recovery_metrics(without_forms, tmp_path):
    outcome, _ = without_forms
    code = tmp_path / "code"
    if not _code_of(BEFORE_RECOVERY_METRICS, code):
        pytest.skip(f"commit {BEFORE_RECOVERY_METRICS} is not in this checkout's history")
    marts = tmp_path / "marts"
    refresh = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "refresh"]
        + ["--raw-dir", str(outcome.settings.raw_dir)]
        + ["--warehouse", str(tmp_path / "warehouse.duckdb"), "--marts-dir", str(marts)],
        cwd=code,  # `python -m` from there: that commit's code
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert refresh.returncode == 0, refresh.stdout[-3000:] + refresh.stderr[-3000:]
    before_metrics = set(pd.read_parquet(marts / "dim_metric.parquet").metric_id)
    assert not before_metrics & set(RECOVERY)  # that commit's code made it
    for table in TABLES:
        before = pd.read_parquet(marts / f"{table}.parquet")
        now = pd.read_parquet(outcome.settings.marts_dir / f"{table}.parquet")
        if table in BY_METRIC:  # the metrics of then; nothing of the recovery metrics here
            column = BY_METRIC[table]
            assert not (table != "dim_metric" and now[column].isin(RECOVERY).any()), table
            now = now[now[column].isin(set(before[column]))]
        assert list(now.columns) == list(before.columns), table
        pd.testing.assert_frame_equal(_sorted(now), _sorted(before), obj=table)
