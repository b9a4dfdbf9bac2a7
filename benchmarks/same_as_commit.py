"""Does this checkout publish what an earlier commit publishes from the same raw folder? Run by
hand (not part of the test suite): refreshes the folder with the commit's code (a `git archive`
of it) and with this checkout's, each into its own temporary warehouse, marts folder and Dagster
home, then compares every published table row for row.

    .venv/bin/python benchmarks/same_as_commit.py 5869a4f /tmp/raw_without_the_new_inputs

The use: a change that adds metrics from a new optional input must leave everything else as it
was. Give it a folder without that input (for metrics 13-17, a copy of data/raw without
treatment_outcomes.csv, police/ and lsoa_lookup.csv) and the last commit before the change.
Rows of the metrics the commit does not publish are left out of this checkout's side of the
tables with a metric_id column (they are said); every other row must be the same, value for
value. A table or a column this checkout adds is said and is no difference (rows are compared
on the columns the commit published); one it drops or retypes is. Prints, per published
table, the rows equal and the rows only one side has; exits 1 on any difference. Each refresh is
the real `cdap refresh` in its own process: a few minutes each on the sample; do not give it a
national-scale folder.
"""

import argparse
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent


def code_of(commit: str, target: Path) -> str:
    """The project's files at `commit` in `target`; its short hash."""
    sha = subprocess.run(
        ["git", "rev-parse", "--short", f"{commit}^{{commit}}"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    archive = subprocess.run(
        ["git", "archive", "--format=tar", sha], cwd=ROOT, check=True, capture_output=True
    ).stdout
    target.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return sha


def refresh(code: Path, raw: Path, run_dir: Path, name: str) -> Path:
    """`cdap refresh` of `raw` with the code in `code` (`python -m` from there), into run_dir;
    the marts folder it published."""
    marts = run_dir / "marts"
    env = {
        **os.environ,
        "DAGSTER_HOME": str(run_dir / "dagster_home"),
        "DO_NOT_TRACK": "1",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "GX_ANALYTICS_ENABLED": "False",
    }
    env.pop("PYTHONPATH", None)
    (run_dir / "dagster_home").mkdir(parents=True)
    command = [sys.executable, "-m", "pipelines.cli", "refresh", "--raw-dir", str(raw)]
    command += ["--warehouse", str(run_dir / "warehouse.duckdb"), "--marts-dir", str(marts)]
    started = time.monotonic()
    print(f"refreshing {raw} with {name} ...", flush=True)
    done = subprocess.run(command, cwd=code, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(
            f"the refresh with {name} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
        )
    print(f"  done in {time.monotonic() - started:.0f} s", flush=True)
    return marts


def compare(before: Path, now: Path) -> tuple[list[str], bool]:
    """Every published Parquet file of the commit's marts (`before`) and this checkout's
    (`now`), row for row: the report's lines, and whether any differs."""
    names = sorted(
        {p.name for p in before.glob("*.parquet")} | {p.name for p in now.glob("*.parquet")}
    )
    lines, differs = [], False
    con = duckdb.connect()
    for name in names:
        table = name.removesuffix(".parquet")
        if not (before / name).exists() or not (now / name).exists():
            # a table added is no difference in what was published before; one withdrawn is
            side = "the commit" if (before / name).exists() else "this checkout"
            lines.append(f"{table}: published by {side} only")
            differs = differs or side == "the commit"
            continue
        left = f"read_parquet('{before / name}')"
        right = f"(select * from read_parquet('{now / name}')"
        columns = [r[0] for r in con.execute(f"describe select * from {left}").fetchall()]
        if "metric_id" in columns:
            new = [
                r[0]
                for r in con.execute(
                    f"select distinct metric_id from read_parquet('{now / name}') "
                    f"where metric_id not in (select metric_id from {left}) order by 1"
                ).fetchall()
            ]
            right += f" where metric_id in (select metric_id from {left}))"
        else:
            new = []
            right += ")"
        schemas = [con.execute(f"describe select * from {x}").fetchall() for x in (left, right)]
        added = [c[0] for c in schemas[1] if c[0] not in columns]
        if [c for c in schemas[1] if c[0] in columns] != schemas[0]:
            lines.append(f"{table}: columns or types differ (the published schema changed)")
            differs = True
            continue
        if added:  # columns added: the rows compared on the commit's columns
            listed = ", ".join(f'"{c}"' for c in columns)
            right = f"(select {listed} from {right})"
            new.append(f"(columns added: {', '.join(added)})")
        only_before, only_now = (
            con.execute(f"select count(*) from (from {x} except all from {y})").fetchone()[0]
            for x, y in ((left, right), (right, left))
        )
        rows = con.execute(f"select count(*) from {left}").fetchone()[0]
        metrics = [m for m in new if not m.startswith("(")]
        left_out = (
            f"; left out of this checkout's, its new metrics: {', '.join(metrics)}"
            if metrics
            else ""
        ) + "".join(f" {m}" for m in new if m.startswith("("))
        if only_before or only_now:
            differs = True
            lines.append(
                f"{table}: DIFFERENT: {rows - only_before:,} rows equal, {only_before:,} only "
                f"the commit's, {only_now:,} only this checkout's{left_out}"
            )
        else:
            lines.append(f"{table}: same, {rows:,} rows equal{left_out}")
    con.close()
    return lines, differs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("commit", help="the earlier commit (any name git knows)")
    parser.add_argument("raw", type=Path, help="the raw folder both refresh")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders")
    args = parser.parse_args()
    raw = args.raw.resolve()
    if not raw.is_dir():
        raise SystemExit(f"{raw} is not a folder")
    work = Path(tempfile.mkdtemp(prefix="cdap-same-as-commit-"))
    try:
        sha = code_of(args.commit, work / "code")
        before = refresh(work / "code", raw, work / "commit", f"commit {sha}")
        now = refresh(ROOT, raw, work / "checkout", "this checkout")
        lines, differs = compare(before, now)
    finally:
        if args.keep:
            print(f"kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"the publication of {raw}, commit {sha} (the commit's) against this checkout:")
    for line in lines:
        print(f"  {line}")
    print("DIFFERENT" if differs else "the same")
    sys.exit(1 if differs else 0)


if __name__ == "__main__":
    main()
