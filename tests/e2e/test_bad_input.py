"""Bad input never corrupts a publication. Each case breaks a raw folder (a copy of the
sample) and asserts the exact outcome: blocked with a message naming the file and the rule,
the previous publication byte-for-byte unchanged; or the row quarantined with its reason and
the refresh carried on. Cases that break different files share one refresh (each file's step
fails on its own), which keeps the suite quick."""

import csv
import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.conftest import SAMPLE_RAW_DIR, copy_publication, file_hashes, run_refresh_in
from tests.e2e.test_refresh import break_column


def read(raw: Path, name: str) -> list[list[str]]:
    with (raw / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def write(raw: Path, name: str, rows: list[list[str]]) -> None:
    with (raw / name).open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def set_cell(raw: Path, name: str, row: int, column: str, value: str) -> None:
    rows = read(raw, name)
    rows[row][rows[0].index(column)] = value
    write(raw, name, rows)


def drop_column(raw, name, column):
    rows = read(raw, name)
    i = rows[0].index(column)
    write(raw, name, [r[:i] + r[i + 1 :] for r in rows])


def add_column(raw, name, column):
    write(raw, name, [r + [column if n == 0 else "x"] for n, r in enumerate(read(raw, name))])


def swap_headers(raw, name, a, b):
    rows = read(raw, name)
    i, j = rows[0].index(a), rows[0].index(b)
    rows[0][i], rows[0][j] = b, a
    write(raw, name, rows)


def duplicate_key_with_other_content(raw, name, key):
    rows = read(raw, name)
    copy = list(rows[2])
    copy[rows[0].index(key)] = rows[1][rows[0].index(key)]
    write(raw, name, [*rows, copy])


def truncate(raw, name):
    text = (raw / name).read_text(encoding="utf-8")
    # cut mid-row: a row past the middle keeps its first 20 characters (a cut inside a row's
    # last field would leave a row of the right width, with a shortened code or date instead)
    row_start = text.index("\n", len(text) // 2) + 1
    (raw / name).write_text(text[: row_start + 20], encoding="utf-8")


def save_as_windows_1252(raw, name):
    rows = read(raw, name)
    rows[3][rows[0].index("area_name")] = "Hull, Kingston upon (Réf)"
    with (raw / name).open("w", newline="", encoding="cp1252") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def replace_with_broken_link(raw, name):
    (raw / name).unlink()
    (raw / name).symlink_to(raw / "exports" / name)


# Other shapes that are not CSV (0 bytes, a workbook, a folder) are refused by the same step
# with the same effect: their messages are tested in unit/test_raw_shapes.py.
BLOCKED = {
    "not-utf8": (
        lambda raw: save_as_windows_1252(raw, "ons_drug_deaths.csv"),
        "ons_drug_deaths.csv",
        "UTF-8 text",
    ),
    "broken-link": (
        lambda raw: replace_with_broken_link(raw, "prevalence_estimates.csv"),
        "prevalence_estimates.csv",
        "a readable file",
    ),
    "missing-column": (
        lambda raw: drop_column(raw, "treatment_journeys.csv", "treatment_start_date"),
        "treatment_journeys.csv",
        "required columns",
    ),
    "identifier-column": (
        lambda raw: add_column(raw, "prison_releases.csv", "NHS Number"),
        "prison_releases.csv",
        "no direct identifiers",
    ),
    "missing-file": (
        lambda raw: (raw / "population.csv").unlink(),
        "population.csv",
        "required file",
    ),
    "header-only": (
        lambda raw: write(
            raw, "prevalence_estimates.csv", read(raw, "prevalence_estimates.csv")[:1]
        ),
        "prevalence_estimates.csv",
        "not empty",
    ),
    "truncated-file": (
        lambda raw: truncate(raw, "treatment_journeys.csv"),
        "treatment_journeys.csv",
        "well-formed CSV",
    ),
    "bad-date-format": (
        lambda raw: set_cell(raw, "prison_releases.csv", 3, "release_date", "01/03/2024"),
        "prison_releases.csv",
        "release_date is an ISO date",
    ),
    "future-date": (
        lambda raw: set_cell(raw, "drug_deaths_register.csv", 4, "registration_date", "2099-01-01"),
        "drug_deaths_register.csv",
        "future_date:registration_date",
    ),
    "conflicting-duplicate-key": (
        lambda raw: duplicate_key_with_other_content(raw, "treatment_journeys.csv", "journey_id"),
        "treatment_journeys.csv",
        "conflicting_key:journey_id",
    ),
    "swapped-columns": (
        lambda raw: swap_headers(raw, "treatment_journeys.csv", "referral_date", "discharge_date"),
        "treatment_journeys.csv",
        "quarantine_share",
    ),
    "bad-code-in-reference-data": (
        lambda raw: set_cell(raw, "population.csv", 5, "sex", "persons"),
        "population.csv",
        "code:sex",
    ),
    "empty-key": (
        lambda raw: set_cell(raw, "prison_releases.csv", 7, "release_id", ""),
        "prison_releases.csv",
        "not_null_key:release_id",
    ),
    "text-in-a-number-column": (
        lambda raw: set_cell(raw, "ons_drug_deaths.csv", 2, "deaths", "twelve"),
        "ons_drug_deaths.csv",
        "deaths is a whole number",
    ),
    "negative-population": (
        lambda raw: set_cell(raw, "population.csv", 9, "population", "-5"),
        "population.csv",
        "range:population",
    ),
}


def rounds(cases: dict) -> list[list[str]]:
    """The cases grouped so that no two in a group break the same file: one refresh per group
    checks each of its cases (every failing file is reported, each by its own step)."""
    groups: list[list[str]] = []
    for case in sorted(cases):
        group = next((g for g in groups if all(cases[c][1] != cases[case][1] for c in g)), None)
        if group is None:
            groups.append([case])
        else:
            group.append(case)
    return groups


BLOCKED_ROUNDS = rounds(BLOCKED)


@pytest.fixture(scope="module")
def blocked_round(refreshed, tmp_path_factory):
    """The refresh of one group of broken files, run once for all its cases, on a copy of the
    sample and against a copy of the shared good publication."""
    runs = {}

    def run(case: str):
        number = next(n for n, group in enumerate(BLOCKED_ROUNDS) if case in group)
        if number not in runs:
            root = tmp_path_factory.mktemp(f"blocked{number}")
            raw = root / "raw"
            shutil.copytree(SAMPLE_RAW_DIR, raw)
            published = copy_publication(refreshed.settings.marts_dir, root / "marts")
            before = file_hashes(published)
            for each in BLOCKED_ROUNDS[number]:
                BLOCKED[each][0](raw)
            outcome = run_refresh_in(raw, root / "warehouse.duckdb", published)
            runs[number] = (outcome, published, before)
        return runs[number]

    return run


def test_each_round_breaks_distinct_files():
    assert sum(len(group) for group in BLOCKED_ROUNDS) == len(BLOCKED)
    for group in BLOCKED_ROUNDS:
        files = [BLOCKED[case][1] for case in group]
        assert len(files) == len(set(files))


@pytest.mark.parametrize("case", sorted(BLOCKED))
def test_blocked_and_the_publication_untouched(case, blocked_round):
    _, filename, rule = BLOCKED[case]
    outcome, published, before = blocked_round(case)

    assert not outcome.success
    explanation = outcome.explanation()
    # the failure of this case's file names the file and the rule
    assert any(filename in f and rule in f for f in outcome.failures), outcome.failures
    assert filename in explanation and rule in explanation, explanation
    assert "Nothing was published" in explanation
    after = file_hashes(published)
    # the publication is untouched; the run record gained one line saying the refresh stopped
    assert {k: v for k, v in after.items() if k != "run_record.jsonl"} == {
        k: v for k, v in before.items() if k != "run_record.jsonl"
    }
    records = (published / "run_record.jsonl").read_text().splitlines()
    assert '"status": "stopped"' in records[-1] and rule in records[-1]
    assert outcome.report_path.exists() and rule in outcome.report_path.read_text()
    # the run record beside the publication is readable by all: no value of a raw record in
    # it, though the console and the restricted report show them
    for value in RECORD_VALUES.get(case, ()):
        assert value in explanation, (case, value)
        assert value not in records[-1], (case, value)
    if "Examples: " in explanation:  # the rows' keys, on the console only
        assert "Examples: " not in records[-1] and "restricted data-quality report" in records[-1]


# values of raw records that a blocked case's message shows on the console only
RECORD_VALUES = {"bad-date-format": ("01/03/2024",)}


def first_row(rows, start, **conditions):
    """Index of the first data row from `start` whose columns satisfy the conditions."""
    header = rows[0]
    for n in range(start, len(rows)):
        if all(test(rows[n][header.index(col)]) for col, test in conditions.items()):
            return n
    raise AssertionError(f"no row for {conditions}")


# one fault per kind, planted in one raw folder (distinct rows); each must land in quarantine
# with its reason: (file, how to pick the row, {column: new value}, rule)
QUARANTINED = {
    "unknown-referral-source": (
        "treatment_journeys.csv",
        lambda rows: first_row(rows, 10),
        {"referral_source": "walk_in"},
        "code:referral_source",
    ),
    "discharge-before-start": (
        "treatment_journeys.csv",
        lambda rows: first_row(
            rows, 20, treatment_start_date=lambda v: v > "2020-01-01", discharge_date=bool
        ),
        {"discharge_date": "2020-01-01"},
        "row:discharge_on_or_after_start",
    ),
    "age-out-of-range": (
        "treatment_journeys.csv",
        lambda rows: first_row(rows, 300),
        {"age_at_referral": "130"},
        "range:age_at_referral",
    ),
    "reason-without-discharge": (
        "treatment_journeys.csv",
        lambda rows: first_row(rows, 400, discharge_date=lambda v: not v),
        {"discharge_reason": "dropped_out"},
        "row:discharge_reason_iff_discharged",
    ),
    "unknown-area": (
        "drug_deaths_register.csv",
        lambda rows: first_row(rows, 6),
        {"area_code": "E07000001"},
        "known_area:area_code",
    ),
    "exact-duplicate-row": ("prison_releases.csv", None, None, "duplicate_row"),
}


@pytest.fixture(scope="module")
def quarantine_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("quarantine")
    raw = root / "raw"
    shutil.copytree(SAMPLE_RAW_DIR, raw)
    planted = {}
    for case, (filename, pick, changes, _) in QUARANTINED.items():
        rows = read(raw, filename)
        if pick is None:  # an exact copy of an earlier row, appended at the end
            rows.append(list(rows[5]))
            planted[case] = len(rows) - 1
        else:
            n = pick(rows)
            for column, value in changes.items():
                rows[n][rows[0].index(column)] = value
            planted[case] = n
        write(raw, filename, rows)
    # and a population gap: Leicester's 2023 mid-year without its 90+ women (the same refresh
    # serves both: neither changes what the other tests look at)
    population = read(raw, "population.csv")
    write(raw, "population.csv", [r for r in population if r[:4] != GAP])
    # and what the refresh does not read: a misnamed optional file, another extract, a folder
    for name in UNREAD_FILES:
        (raw / name).write_text("area_code,value\nE06000016,1\n", encoding="utf-8")
    (raw / UNREAD_FOLDER).mkdir()  # (police/ is read now: the sample ships one)
    # The folder's first refresh finds population.csv without its population column and stops;
    # the file is put back and the refresh run again on the same warehouse and marts folder
    # (test_rerun_after_the_fix_just_works). The rows above are set aside by the second.
    warehouse, marts = root / "warehouse.duckdb", root / "marts"
    good = (raw / "population.csv").read_bytes()
    break_column(raw, "population.csv", drop="population")
    stopped = run_refresh_in(raw, warehouse, marts)
    (raw / "population.csv").write_bytes(good)  # the fix
    outcome = run_refresh_in(raw, warehouse, marts)
    return outcome, planted, stopped


GAP = ["E06000016", "2023", "female", "90+"]
UNREAD_FILES = ("fingertips_benchmark.csv", "outcome_star.csv")
UNREAD_FOLDER = "extracts_2024"


def test_what_the_refresh_does_not_read_is_named_with_the_nearest_name(quarantine_run):
    outcome, _, stopped = quarantine_run
    for run in (outcome, stopped):  # in the published report, and the stopped one
        report = run.report_path.read_text()
        summary = "\n".join(run.data_quality)
        for text in (report, summary):
            assert "fingertips_benchmark.csv" in text and "fingertips_benchmarks.csv?" in text
            assert "outcome_star.csv" in text and f"{UNREAD_FOLDER} (a folder" in text
            # the sample's police.uk download: its outcomes files said once, not by name
            assert "outcomes and stop-and-search files of the police.uk download" in text
            assert "-outcomes.csv (a file" not in text
            assert "did you mean treatment_journeys" not in text


@pytest.mark.parametrize("case", sorted(QUARANTINED))
def test_quarantined_with_reason_and_the_refresh_goes_on(case, quarantine_run):
    quarantine_run, planted, _ = quarantine_run
    filename, _, _, rule = QUARANTINED[case]
    row = planted[case]
    assert quarantine_run.success, quarantine_run.explanation()
    con = duckdb.connect(str(quarantine_run.settings.warehouse), read_only=True)
    rows = con.execute(
        "SELECT source_row_number FROM quarantine.rows WHERE file_name = ? AND rule_id = ?",
        [filename, rule],
    ).fetchall()
    assert (row,) in rows, f"{rule}: row {row} not quarantined ({rows})"  # csv index = data row
    report = (quarantine_run.settings.marts_dir / "data_quality_report.md").read_text()
    assert rule in report and filename in report


def test_rerun_after_the_fix_just_works(quarantine_run, refreshed):
    outcome, _, stopped = quarantine_run
    assert not stopped.success and "population.csv" in stopped.explanation()
    assert outcome.success, outcome.explanation()
    marts = outcome.settings.marts_dir
    assert file_hashes(marts).keys() == file_hashes(refreshed.settings.marts_dir).keys()
    # a new warehouse (the stopped run ended before dbt): the seeds are loaded, and tested
    assert re.search(r"Finished running \d+ seeds", outcome.log_path.read_text())


def test_the_console_says_what_was_set_aside_and_why(quarantine_run):
    outcome, _, _ = quarantine_run
    summary = "\n".join(outcome.data_quality)
    assert "rows were set aside (quarantined)" in summary
    for filename, _, _, rule in QUARANTINED.values():
        assert f"from {filename}: {rule}" in summary, (filename, rule)
    record = (outcome.settings.marts_dir / "run_record.jsonl").read_text().splitlines()[-1]
    assert "rows were set aside" in json.loads(record)["data_quality"][0]


def test_no_rate_is_calculated_on_an_incomplete_population(quarantine_run):
    outcome, _, _ = quarantine_run
    con = duckdb.connect(str(outcome.settings.warehouse), read_only=True)
    rows = con.execute(
        """
        SELECT metric_id, area_code, year(period_end_date), value, value_note
        FROM marts.fct_outcomes
        WHERE metric_id IN ('drug_misuse_death_rate', 'drug_misuse_death_rate_dsr')
          AND area_code IN ('E06000016', 'LLR', 'E10000018') AND breakdown = 'all'
          AND month(period_end_date) = 12 AND year(period_end_date) BETWEEN 2022 AND 2024
        ORDER BY ALL
        """
    ).fetchall()
    by_key = {(m, a, y): (v, n) for m, a, y, v, n in rows}
    for area in ("E06000016", "LLR"):  # Leicester and the partnership it belongs to
        value, note = by_key[("drug_misuse_death_rate", area, 2023)]
        assert value is None and "population incomplete for mid-year 2023" in note
        for year in (2023, 2024):  # every three-year period holding 2023
            value, note = by_key[("drug_misuse_death_rate_dsr", area, year)]
            assert value is None and "population incomplete" in note
        assert by_key[("drug_misuse_death_rate", area, 2022)][0] is not None
    assert by_key[("drug_misuse_death_rate", "E10000018", 2023)][0] is not None
    summary = "\n".join(outcome.data_quality)
    assert "E06000016 2023 (missing in E06000016)" in summary and "LLR 2023" in summary


def test_a_stopped_refresh_says_why_first_without_dagster_internals(raw_copy, tmp_path):
    """The console of `cdap refresh` when a file is broken: the failed step with its reason,
    no account of the steps it skipped, the explanation before the data-quality summary, and
    no "previous publication" where there is none; the report says no check ran."""
    import subprocess
    import sys

    from pipelines import config

    break_column(raw_copy, "population.csv", drop="population")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.cli",
            "refresh",
            "--raw-dir",
            str(raw_copy),
            "--warehouse",
            str(tmp_path / "w.duckdb"),
            "--marts-dir",
            str(tmp_path / "marts"),
        ],
        cwd=config.PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 1
    out = result.stdout
    failed = next(line for line in out.splitlines() if "FAILED" in line)
    assert "raw__population" in failed and "population.csv" in failed
    assert "Dependencies for step" not in out and "Not executing" not in out
    assert out.index("The refresh stopped") < out.index("Data quality:")
    assert "holds no publication yet" in out and "previous publication" not in out
    report = (tmp_path / "w.quality_report.md").read_text()
    assert "stopped before any check ran" in report and "0 checks ran" not in report
