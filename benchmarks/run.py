"""National-scale benchmark: generate 1%, 10% and 100% of England's volumes, run the full
refresh several times at each (on one warehouse, after its first refresh), and print median
wall time, peak memory of the whole process tree, rows produced and the time of each stage;
then time a one-month update (refresh a warehouse holding the data to one month earlier with
the full data).

    .venv/bin/python benchmarks/run.py [--scales 0.01 0.1 1] [--runs 3] [--work /tmp/cdap-bench]

Two commits side by side, on one machine in one call (A B A B ..., the ratio B / A per pair,
as a noisy shared machine needs), on the shipped sample (`--raw sample`) or a national scale:

    .venv/bin/python benchmarks/run.py --compare A B [--raw sample|0.01|1] [--runs 3] [--update]

Each commit is checked out in its own worktree under --work and run with this interpreter (the
two must share requirements.lock). The first refresh of each commit's warehouse is reported on
its own; the runs after it give the medians. `--update` also times the one-month update per
pair. At the end the two publications are compared row for row (every published table,
`except all` both ways).

Not part of the test suite. Each refresh is the real `cdap refresh` in its own process.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipelines import synthetic  # noqa: E402

# The first pattern a step matches names its stage: the raw suites are one step, gx_raw_suites
# (and gx_raw_suites_of_related_files for a file whose rules read another), or (before
# 2026-11-30) one per file, raw__<file>_gx_raw_suite; the marts' likewise.
STAGES = {
    "raw checks": re.compile(
        r"^(gx_raw_suites(_of_related_files)?"
        r"|raw__\w+(_gx_raw_suite|_covers_every_area_and_year_used))$"
    ),
    "ingest": re.compile(r"^raw__\w+$"),
    "dbt build": re.compile(r"^cdap_dbt_models$"),
    "mart checks": re.compile(r"(^gx_mart_suites|_gx_mart_suite)$"),
    "publish": re.compile(r"^published__"),
}


def tree_rss_kib(root_pid: int) -> int:
    """Resident memory of a process and all its descendants (from /proc), in KiB."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                parent = int(handle.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/status") as handle:
                kib = next(
                    (int(line.split()[1]) for line in handle if line.startswith("VmRSS:")), 0
                )
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(entry))
        rss[int(entry)] = kib
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def refresh(raw: Path, warehouse: Path, marts: Path, home: Path, root: Path = ROOT) -> dict:
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    env.pop("PYTHONPATH", None)
    command = [
        sys.executable,
        "-m",
        "pipelines.cli",
        "refresh",
        "--raw-dir",
        str(raw),
        "--warehouse",
        str(warehouse),
        "--marts-dir",
        str(marts),
    ]
    start = time.monotonic()
    process = subprocess.Popen(
        command, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    peak = 0
    done = threading.Event()

    def watch() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_kib(process.pid))
            time.sleep(0.2)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    output = process.communicate()[0]
    wall = time.monotonic() - start
    done.set()
    watcher.join()
    if process.returncode != 0:
        raise SystemExit(f"refresh failed:\n{output[-3000:]}")
    stages = dict.fromkeys(STAGES, 0.0)
    step = None
    for line in output.splitlines():
        if line.startswith("- "):
            step = line[2:].strip()
        elif line.strip().startswith("done in") and step:
            seconds = float(line.split()[2])
            for stage, pattern in STAGES.items():
                if pattern.search(step):
                    stages[stage] += seconds
                    break
    with duckdb.connect(str(marts / "cdap_marts.duckdb"), read_only=True) as con:
        rows = json.loads(con.execute("SELECT tables FROM publication").fetchone()[0])
    return {"wall": wall, "peak_mib": peak / 1024, "stages": stages, "rows": rows}


def one_month_earlier(raw: Path, target: Path, cutoff: date) -> None:
    """The same data as it stood a month earlier: later records dropped, later dates unknown."""
    target.mkdir(parents=True, exist_ok=True)
    c = f"DATE '{cutoff.isoformat()}'"
    queries = {
        "treatment_journeys.csv": f"""
            SELECT * REPLACE (
                CASE WHEN triage_date > {c} THEN NULL ELSE triage_date END AS triage_date,
                CASE WHEN treatment_start_date > {c} THEN NULL ELSE treatment_start_date END AS treatment_start_date,
                CASE WHEN discharge_date > {c} THEN NULL ELSE discharge_date END AS discharge_date,
                CASE WHEN discharge_date > {c} THEN NULL ELSE discharge_reason END AS discharge_reason)
            FROM read_csv('{raw}/treatment_journeys.csv', all_varchar=false) WHERE referral_date <= {c}""",
        "prison_releases.csv": f"SELECT * FROM read_csv('{raw}/prison_releases.csv') WHERE release_date <= {c}",
        "drug_deaths_register.csv": f"SELECT * FROM read_csv('{raw}/drug_deaths_register.csv') WHERE registration_date <= {c}",
        "treatment_outcomes.csv": f"SELECT * FROM read_csv('{raw}/treatment_outcomes.csv', all_varchar=true) WHERE top_date <= '{cutoff.isoformat()}'",
    }
    with duckdb.connect() as con:
        for name in os.listdir(raw):
            if name == "police":  # the police.uk download's month folders up to the cutoff's month
                for month in sorted((raw / name).iterdir()):
                    if month.name <= f"{cutoff:%Y-%m}":
                        shutil.copytree(month, target / name / month.name, dirs_exist_ok=True)
            elif name in queries:
                con.execute(f"COPY ({queries[name]}) TO '{target / name}' (HEADER, DELIMITER ',')")
            else:
                (target / name).write_bytes((raw / name).read_bytes())


def raw_folder(work: Path, scale: float) -> Path:
    """The generated national raw folder of a scale (made once, kept under --work)."""
    raw = work / f"raw_{scale:g}"
    if not (raw / "treatment_journeys.csv").exists():
        started = time.monotonic()
        counts = synthetic.generate_national(raw, scale=scale)
        print(f"generated {scale:g}: {counts} in {time.monotonic() - started:.0f} s", flush=True)
    return raw


def worktree(work: Path, commit: str) -> tuple[str, Path]:
    """A checkout of `commit` under work/ (made once per commit), and its short name."""
    sha = subprocess.run(
        ["git", "rev-parse", "--short", commit],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    tree = work / f"tree_{sha}"
    if not (tree / "pipelines").exists():
        subprocess.run(["rm", "-rf", str(tree)], check=True)
        subprocess.run(["git", "worktree", "prune"], cwd=ROOT, check=True)
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(tree), sha],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
    return sha, tree


def publication_differences(a: Path, b: Path) -> dict[str, str]:
    """Every published Parquet file of two marts folders compared row for row."""
    names = sorted({p.name for p in a.glob("*.parquet")} | {p.name for p in b.glob("*.parquet")})
    differences = {}
    with duckdb.connect() as con:
        for name in names:
            if not (a / name).exists() or not (b / name).exists():
                differences[name] = "published by one commit only"
                continue
            left, right = f"read_parquet('{a / name}')", f"read_parquet('{b / name}')"
            schemas = [con.execute(f"describe select * from {x}").fetchall() for x in (left, right)]
            if schemas[0] != schemas[1]:
                differences[name] = "columns or types differ (a change of the published schema)"
                continue
            counts = tuple(
                con.execute(f"select count(*) from (from {x} except all from {y})").fetchone()[0]
                for x, y in ((left, right), (right, left))
            )
            rows = con.execute(f"select count(*) from {left}").fetchone()[0]
            differences[name] = (
                f"identical ({rows:,} rows)"
                if counts == (0, 0)
                else f"{counts[0]:,} rows only in A, {counts[1]:,} only in B"
            )
    return differences


def compare(args: argparse.Namespace) -> None:
    """Two commits side by side: A B A B ..., the ratio per pair."""
    args.work.mkdir(parents=True, exist_ok=True)
    raw = ROOT / "data" / "raw" if args.raw == "sample" else raw_folder(args.work, float(args.raw))
    commits = [worktree(args.work, c) for c in args.compare]
    paths = {}
    for sha, tree in commits:
        run_dir = args.work / f"compare_{args.raw}_{sha}"
        subprocess.run(["rm", "-rf", str(run_dir)], check=True)
        paths[sha] = (run_dir / "w.duckdb", run_dir / "marts", run_dir / "home")
        first = refresh(raw, *paths[sha], root=tree)
        print(f"{sha} first refresh of a new warehouse: {first['wall']:.1f} s", flush=True)
    saved = {}
    if args.update:
        earlier = args.work / f"raw_{args.raw}_previous_month"
        if not (earlier / "treatment_journeys.csv").exists():
            one_month_earlier(raw, earlier, date(2025, 8, 31))
        for sha, tree in commits:
            run_dir = args.work / f"update_{args.raw}_{sha}"
            subprocess.run(["rm", "-rf", str(run_dir)], check=True)
            update_paths = (run_dir / "w.duckdb", run_dir / "marts", run_dir / "home")
            refresh(earlier, *update_paths, root=tree)  # the warehouse as it stood a month ago
            refresh(earlier, *update_paths, root=tree)  # and warm
            saved[sha] = (run_dir / "previous.duckdb", update_paths)
            subprocess.run(["cp", str(update_paths[0]), str(saved[sha][0])], check=True)
    results: dict[str, list[dict]] = {sha: [] for sha, _ in commits}
    updates: dict[str, list[dict]] = {sha: [] for sha, _ in commits}
    for n in range(args.runs):
        for sha, tree in commits:
            results[sha].append(refresh(raw, *paths[sha], root=tree))
            line = f"run {n + 1} {sha}: refresh {results[sha][-1]['wall']:.1f} s"
            if args.update:
                previous, update_paths = saved[sha]
                subprocess.run(["cp", str(previous), str(update_paths[0])], check=True)
                updates[sha].append(refresh(raw, *update_paths, root=tree))
                line += f", one-month update {updates[sha][-1]['wall']:.1f} s"
            print(line, flush=True)
    (a, _), (b, _) = commits
    if args.runs:
        report_pairs(commits, results, updates, args.update)
    print(f"\npublications of {a} (A) and {b} (B), row for row:")
    for name, verdict in publication_differences(paths[a][1], paths[b][1]).items():
        print(f"  {name}: {verdict}")


def report_pairs(commits, results, updates, with_updates: bool) -> None:
    (a, _), (b, _) = commits
    print()
    print("| commit | refresh median (min-max) s | peak MiB | " + " | ".join(STAGES) + " |")
    print("|---|---|---|" + "---|" * len(STAGES))
    for sha, _ in commits:
        walls = [r["wall"] for r in results[sha]]
        stage = {k: statistics.median(r["stages"][k] for r in results[sha]) for k in STAGES}
        print(
            f"| {sha} | {statistics.median(walls):.1f} ({min(walls):.1f}-{max(walls):.1f}) | "
            f"{max(r['peak_mib'] for r in results[sha]):.0f} | "
            + " | ".join(f"{stage[k]:.1f}" for k in STAGES)
            + " |"
        )
    ratios = [rb["wall"] / ra["wall"] for ra, rb in zip(results[a], results[b], strict=True)]
    print(
        f"\nrefresh {b} / {a} per pair: {', '.join(f'{r:.2f}' for r in ratios)}; "
        f"median {statistics.median(ratios):.2f}"
    )
    if with_updates:
        for sha, _ in commits:
            update = statistics.median(r["wall"] for r in updates[sha])
            full = statistics.median(r["wall"] for r in results[sha])
            print(f"one-month update {sha}: {update:.1f} s, {update / full:.2f} of its refresh")
        pairs = zip(updates[a], updates[b], strict=True)
        update_ratios = [ub["wall"] / ua["wall"] for ua, ub in pairs]
        print(f"one-month update {b} / {a}: median {statistics.median(update_ratios):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[0.01, 0.1, 1.0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/tmp/cdap-bench"))
    parser.add_argument("--compare", nargs=2, metavar=("A", "B"), help="two commits")
    parser.add_argument("--raw", default="sample", help="with --compare: sample or a scale")
    parser.add_argument("--update", action="store_true", help="with --compare: time updates")
    args = parser.parse_args()
    print(
        f"machine: {os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB; "
        f"python {sys.version.split()[0]}; duckdb {duckdb.__version__}",
        flush=True,
    )
    if args.compare:
        compare(args)
        return
    results = []
    for scale in args.scales:
        raw = raw_folder(args.work, scale)
        with (raw / "treatment_journeys.csv").open() as handle:
            journeys = sum(1 for _ in handle) - 1
        # The first refresh of a new warehouse also parses the dbt project in full and makes the
        # dbt docs (both kept per warehouse afterwards); the runs measured refresh it again,
        # every one a full rebuild from the raw files, as a monthly refresh does.
        run_dir = args.work / f"run_{scale:g}"
        subprocess.run(["rm", "-rf", str(run_dir)], check=True)
        paths = (raw, run_dir / "w.duckdb", run_dir / "marts", run_dir / "home")
        first = refresh(*paths)
        print(
            f"  scale {scale:g} first refresh of a new warehouse: {first['wall']:.1f} s", flush=True
        )
        runs = []
        for n in range(args.runs):
            runs.append(refresh(*paths))
            print(
                f"  scale {scale:g} run {n + 1}: {runs[-1]['wall']:.1f} s, "
                f"peak {runs[-1]['peak_mib']:.0f} MiB",
                flush=True,
            )
        # one-month update: a refreshed warehouse of the month before, then this month
        earlier = args.work / f"raw_{scale:g}_previous_month"
        if not (earlier / "treatment_journeys.csv").exists():
            one_month_earlier(raw, earlier, date(2025, 8, 31))
        update_dir = args.work / f"update_{scale:g}"
        subprocess.run(["rm", "-rf", str(update_dir)], check=True)
        refresh(earlier, update_dir / "w.duckdb", update_dir / "marts", update_dir / "home")
        update = refresh(raw, update_dir / "w.duckdb", update_dir / "marts", update_dir / "home")
        results.append((scale, journeys, first, runs, update))

    print()
    print(
        "| scale | journeys | first refresh of a new warehouse s | full refresh median (min-max) s "
        "| peak MiB | fct_outcomes rows | ingest s | raw checks s | dbt build s | mart checks s "
        "| publish s | one-month update s | update / full |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for scale, journeys, first, runs, update in results:
        walls = [r["wall"] for r in runs]
        median = statistics.median(walls)
        stage = {k: statistics.median(r["stages"][k] for r in runs) for k in STAGES}
        print(
            f"| {scale:g} | {journeys:,} | {first['wall']:.1f} | "
            f"{median:.1f} ({min(walls):.1f}-{max(walls):.1f}) | "
            f"{statistics.median(r['peak_mib'] for r in runs):.0f} | "
            f"{runs[0]['rows']['fct_outcomes']:,} | {stage['ingest']:.1f} | "
            f"{stage['raw checks']:.1f} | {stage['dbt build']:.1f} | {stage['mart checks']:.1f} | "
            f"{stage['publish']:.1f} | {update['wall']:.1f} | "
            f"{update['wall'] / median:.2f} |"
        )


if __name__ == "__main__":
    main()
