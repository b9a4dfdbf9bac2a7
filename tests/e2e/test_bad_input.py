"""Bad input never corrupts a publication. Each case builds a broken raw folder (a copy of
the sample with one fault) and asserts the exact outcome: blocked with a message naming the
file and the rule, the previous publication byte-for-byte unchanged; or the row quarantined
with its reason and the refresh carried on."""

import csv
from pathlib import Path

import duckdb
import pytest

from tests.conftest import copy_publication, file_hashes, run_refresh_in


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
    (raw / name).write_text(text[: len(text) // 2], encoding="utf-8")  # cut mid-row


BLOCKED = {
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


@pytest.fixture
def published(refreshed, tmp_path) -> Path:
    """A copy of the shared good publication, for a failing refresh to (not) touch."""
    return copy_publication(refreshed.settings.marts_dir, tmp_path / "marts")


@pytest.mark.parametrize("case", sorted(BLOCKED))
def test_blocked_and_the_publication_untouched(case, raw_copy, published, tmp_path):
    break_input, filename, rule = BLOCKED[case]
    before = file_hashes(published)
    break_input(raw_copy)

    outcome = run_refresh_in(raw_copy, tmp_path / "warehouse.duckdb", published)

    assert not outcome.success
    explanation = outcome.explanation()
    assert filename in explanation, explanation
    assert rule in explanation, explanation
    assert "Nothing was published" in explanation
    after = file_hashes(published)
    # the publication is untouched; the run record gained one line saying the refresh stopped
    assert {k: v for k, v in after.items() if k != "run_record.jsonl"} == {
        k: v for k, v in before.items() if k != "run_record.jsonl"
    }
    records = (published / "run_record.jsonl").read_text().splitlines()
    assert '"status": "stopped"' in records[-1] and rule in records[-1]
    assert outcome.report_path.exists() and rule in outcome.report_path.read_text()


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
    import shutil

    from tests.conftest import SAMPLE_RAW_DIR

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
    outcome = run_refresh_in(raw, root / "warehouse.duckdb", root / "marts")
    return outcome, planted


@pytest.mark.parametrize("case", sorted(QUARANTINED))
def test_quarantined_with_reason_and_the_refresh_goes_on(case, quarantine_run):
    quarantine_run, planted = quarantine_run
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
