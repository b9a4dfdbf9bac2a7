"""Two refreshes started at once, and a BI reader that keeps reading the publication from
another process while they run: both refreshes end cleanly, the reader never sees an error or
a half-written file."""

import json
import os
import subprocess
import sys
import textwrap

import duckdb
import pandas as pd

from pipelines import config
from tests.conftest import SAMPLE_RAW_DIR, copy_publication

READER = textwrap.dedent(
    """
    import json, sys, time, duckdb, pandas as pd
    from pathlib import Path
    marts, stop = Path(sys.argv[1]), Path(sys.argv[2])
    reads, errors = 0, []
    while not stop.exists():
        try:
            con = duckdb.connect(str(marts / "cdap_marts.duckdb"), read_only=True)
            tables = json.loads(con.execute("SELECT tables FROM publication").fetchone()[0])
            rows = con.execute("SELECT count(*) FROM fct_outcomes").fetchone()[0]
            con.close()
            assert rows == tables["fct_outcomes"], "incomplete DuckDB publication"
            frame = pd.read_parquet(marts / "fct_outcomes.parquet")
            assert len(frame) == tables["fct_outcomes"], "incomplete Parquet publication"
            reads += 1
        except Exception as error:
            errors.append(repr(error))
        time.sleep(0.05)
    print(json.dumps({"reads": reads, "errors": errors}))
    """
)


def test_two_refreshes_at_once_while_a_reader_reads(refreshed, tmp_path):
    marts = copy_publication(refreshed.settings.marts_dir, tmp_path / "marts")
    stop = tmp_path / "stop"
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "dagster_home")}
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(marts), str(stop)], stdout=subprocess.PIPE, text=True
    )
    command = [
        sys.executable,
        "-m",
        "pipelines.cli",
        "refresh",
        "--raw-dir",
        str(SAMPLE_RAW_DIR),
        "--warehouse",
        str(tmp_path / "warehouse.duckdb"),
        "--marts-dir",
        str(marts),
    ]
    refreshes = [
        subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=400)[0] for p in refreshes]
    stop.touch()
    seen = json.loads(reader.communicate(timeout=60)[0])

    for process, output in zip(refreshes, outputs, strict=True):
        assert process.returncode == 0, output[-3000:]
    assert any("waiting for the refresh of pid" in output for output in outputs)
    # the refresh log holds one whole dbt run (the later one's), not two interleaved
    log = (tmp_path / "warehouse.refresh.log").read_text()
    assert log.startswith("Running with dbt=") and log.count("Running with dbt=") == 1, log[:500]
    assert "\0" not in log and "Done. PASS=" in log, log[-500:]
    assert seen["errors"] == [] and seen["reads"] > 10, seen

    records = [json.loads(line) for line in (marts / "run_record.jsonl").read_text().splitlines()]
    published = [r for r in records if r["status"] == "published"]
    assert len(published) >= 2 and len({r["run_id"] for r in published}) == len(published)
    con = duckdb.connect(str(marts / config.PUBLISHED_DUCKDB_NAME), read_only=True)
    assert con.execute("SELECT count(*) FROM fct_outcomes").fetchone()[0] == len(
        pd.read_parquet(marts / "fct_outcomes.parquet")
    )
    # the first refresh of the new warehouse loads the seeds; the one that waited finds them
    # loaded and leaves them (no seed built), and every number is the shared refresh's
    seeds_built = sorted(output.count("built reference/") for output in outputs)
    assert seeds_built[0] == 0 and seeds_built[1] > 5, seeds_built
    pd.testing.assert_frame_equal(
        pd.read_parquet(marts / "fct_outcomes.parquet"),
        pd.read_parquet(refreshed.settings.marts_dir / "fct_outcomes.parquet"),
    )


def test_run_record_traces_a_publication_to_its_inputs(refreshed):
    lines = (refreshed.settings.marts_dir / "run_record.jsonl").read_text().splitlines()
    record = json.loads(lines[-1])
    assert record["status"] == "published"
    assert set(record["inputs"]) >= {"treatment_journeys.csv", "prison_releases.csv"}
    assert all(len(h) == 64 for h in record["inputs"].values())
    assert record["inputs_as_of"]["treatment_journeys"] == "2025-09-30"
    assert record["configuration"]["raw_dir"] == str(SAMPLE_RAW_DIR)
    assert record["code_version"] and record["published"]["fct_outcomes"] > 0
    assert record["started_at"] <= record["ended_at"]


def test_a_refresh_that_gives_up_waiting_says_who_holds_the_warehouse(tmp_path):
    """The lock held by another process past the timeout: the outcome names the holder (pid and
    since when), says nothing was read or published, and what to do."""
    import dagster as dg

    from pipelines.ops.lock import single_writer
    from pipelines.run import run_refresh

    settings = config.Settings.build(
        config.PROJECT_ROOT / "data" / "raw",
        tmp_path / "w.duckdb",
        tmp_path / "marts",
        environ={config.LOCK_TIMEOUT_ENV: "1"},
    )
    with single_writer(settings.warehouse, 5), dg.DagsterInstance.ephemeral() as instance:
        outcome = run_refresh(settings, instance=instance, echo=None)
    assert not outcome.success
    text = outcome.explanation()
    assert "is being refreshed by pid" in text and "since" in text and "waited 1 s" in text
    assert "did not start" in text and config.LOCK_TIMEOUT_ENV in text
    assert "a step failed" not in text
    # nothing published; the run record says the refresh stopped
    assert sorted(p.name for p in (tmp_path / "marts").iterdir()) == ["run_record.jsonl"]
