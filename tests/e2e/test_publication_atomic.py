"""The publication is all or nothing: a publication killed at any of its writes, renames or
removals (fault injection, not timing) leaves the marts folder holding, byte for byte, the whole
previous publication or the whole new one; the next publication removes what the killed one
left; readers keep one path.

The publication runs in a child process forked once per fault point from a process that has
imported everything already; the child is killed (`os._exit`) at the n-th file operation it
makes under the test's folder (Python's audit events: every open for writing, rename, link,
removal, folder made and mode changed), for n = 1, 2, ... until a publication runs to the end.
"""

import json
import subprocess
import sys

from pipelines import config

_KILL_AT_EVERY_STEP = r"""
import hashlib, json, os, sys
from pathlib import Path

import duckdb

warehouse, root = Path(sys.argv[1]), Path(sys.argv[2])
marts = root / "marts"

from pipelines.disclosure.shareable import published_marts
from pipelines.extracts.home_pack import write_home_area_pack
from pipelines.ops.run_record import write_run_record
from pipelines.publish import files, folders
from pipelines.transform.project import dbt_project
import great_expectations  # imported once, before the forks

MARTS = published_marts(dbt_project().manifest_path)
WATCHED = {"open", "os.rename", "os.symlink", "os.remove", "os.rmdir", "shutil.rmtree",
           "os.mkdir", "os.chmod", "os.truncate", "os.link"}

def extras(stage, publication):
    write_home_area_pack(stage, config_home)
    (stage / "dbt_docs.html").write_text("<html>docs</html>\n")
    write_run_record(stage, {"run_id": stage.name, "status": "published"})

config_home = "E06000016"

def publish(kill_at):
    seen = 0
    def hook(event, args):
        nonlocal seen
        if event not in WATCHED or not args:
            return
        if event == "open":
            path, mode, flags = args
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
            if not writing:
                return
        path = args[0]
        if isinstance(path, (str, bytes, os.PathLike)) and str(root) in os.fsdecode(path):
            seen += 1
            if seen == kill_at:
                os._exit(137)
    sys.addaudithook(hook)
    files.publish(warehouse, marts, MARTS, lambda findings: "report\n",
                  home_area=config_home, extras=extras)
    return seen

def state():
    if not marts.exists():
        return None
    return {
        "folder": str(marts.resolve()),
        "files": {
            str(p.relative_to(marts)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(marts.rglob("*")) if p.is_file()
        },
    }

def run(kill_at):
    pid = os.fork()
    if pid == 0:
        count = publish(kill_at)
        (root / "count").write_text(str(count))
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)

assert run(10**9) == 0  # the publication before: the old set
n = 0
while True:
    n += 1
    before = state()
    code = run(n)
    after = state()
    print(json.dumps({"n": n, "code": code, "before": before, "after": after,
                      "partials": sorted(p.name for p in folders.publications_dir(marts).iterdir()
                                         if p.name.endswith(folders.PARTIAL)),
                      "publications": len(list(folders.publications_dir(marts).iterdir())),
                      "next_link": marts.with_name(".marts.next").is_symlink()}), flush=True)
    if code == 0:
        break
print(json.dumps({"done": n, "count": int((root / "count").read_text())}), flush=True)
"""


def test_a_publication_killed_at_any_step_leaves_the_whole_old_or_the_whole_new(
    refreshed, tmp_path
):
    result = subprocess.run(
        [sys.executable, "-c", _KILL_AT_EVERY_STEP, str(refreshed.settings.warehouse), tmp_path],
        cwd=config.PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    steps, done = lines[:-1], lines[-1]
    assert done["done"] == len(steps) and done["count"] >= 20  # every step was a fault point
    expected_names = set(steps[0]["before"]["files"])
    assert {"cdap_marts.duckdb", "fct_outcomes.parquet", "dbt_docs.html"} <= expected_names
    assert any(name.startswith("packs/") for name in expected_names)
    went_live = 0
    for step in steps[:-1]:
        assert step["code"] == 137, step["n"]  # killed there
        before, after = step["before"], step["after"]
        if after == before:
            continue  # the whole old publication, byte for byte
        # else the whole new one: another folder, complete, every file new
        went_live += 1
        assert after["folder"] != before["folder"], step["n"]
        assert set(after["files"]) == expected_names, step["n"]
        assert after["files"]["cdap_marts.duckdb"] != before["files"]["cdap_marts.duckdb"]
    # the publication that ran to the end: the whole new set, what the killed ones left
    # removed, a few publications kept
    last = steps[-1]
    assert last["code"] == 0 and last["after"]["folder"] != last["before"]["folder"]
    assert set(last["after"]["files"]) == expected_names
    assert last["partials"] == [] and not last["next_link"] and last["publications"] <= 3
    # kills before the switch leave the old set (and a stage the next run removes)
    assert went_live < len(steps) - 1 and any(s["partials"] for s in steps[:-1])


def test_a_second_refresh_publishes_by_replacing_the_link(tmp_path):
    """Refreshes one after another into one marts folder: each publishes a new folder and
    points the link at it; the link stays the path readers open."""
    from pipelines.publish import folders
    from tests.conftest import SAMPLE_RAW_DIR, run_refresh_in

    marts = tmp_path / "marts"
    seen = []
    for _ in range(2):
        outcome = run_refresh_in(SAMPLE_RAW_DIR, tmp_path / "w.duckdb", marts)
        assert outcome.success, outcome.explanation()
        assert outcome.settings.marts_dir == marts and marts.is_symlink()
        seen.append(marts.resolve())
    assert seen[0] != seen[1] and seen[0].exists()  # the one before is kept
    assert sorted(folders.publications_dir(marts).iterdir()) == sorted(seen)
    assert not list(seen[1].glob(".*publications"))  # nothing published inside a publication
