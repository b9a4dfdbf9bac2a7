"""police/ and lsoa_lookup.csv as they come: police.uk's download unpacked (street files directly
in police/ or in YYYY-MM/ folders, outcomes and stop-and-search files beside them) and ONS's
lookup kept and renamed; what is refused, with the file and line, and what is kept and
reported. Each test writes its own small folder (tests/helpers/police.py)."""

import csv
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipelines import contract
from pipelines.checks import report, suites
from pipelines.ingest.load import load_raw_file
from pipelines.ingest.police import load_police_folder
from pipelines.ingest.policy import RawFileError
from pipelines.ops import run_record
from tests.helpers import police

LEICS = police.Force(
    "leicestershire",
    "Leicestershire Police",
    {police.LEICESTER: ("E01000001", "E01000002"), police.RUTLAND: ("E01000021",)},
)
WMIDS = police.Force("west-midlands", "West Midlands Police", {police.COVENTRY: ("E01000051",)})
TODAY = date(2025, 10, 5)


@pytest.fixture
def raw(tmp_path) -> Path:
    folder = police.PoliceFolder(
        (LEICS, WMIDS),
        ("2024-01", "2024-02", "2024-03"),
        missing={("west-midlands", "2024-02")},
        in_subfolders={"2024-02", "2024-03"},
    )
    police.write_police(tmp_path, folder)
    police.write_lookup(tmp_path, (LEICS, WMIDS))
    return tmp_path


def load(raw: Path):
    con = duckdb.connect()
    return con, load_police_folder(con, raw, today=TODAY)


def test_the_download_as_it_unpacks_is_read(raw):
    con, result = load(raw)
    assert result.present and result.files == 5
    assert result.forces == ("leicestershire", "west-midlands")
    assert (result.first_month, result.last_month) == ("2024-01", "2024-03")
    files = con.execute(
        "SELECT source_file, force, file_month, row_count FROM raw.police_files ORDER BY 1"
    ).fetchall()
    assert [f[:3] for f in files] == [
        ("2024-01-leicestershire-street.csv", "leicestershire", "2024-01"),
        ("2024-01-west-midlands-street.csv", "west-midlands", "2024-01"),
        ("2024-02/2024-02-leicestershire-street.csv", "leicestershire", "2024-02"),
        ("2024-03/2024-03-leicestershire-street.csv", "leicestershire", "2024-03"),
        ("2024-03/2024-03-west-midlands-street.csv", "west-midlands", "2024-03"),
    ]
    # every row of every file, anti-social behaviour without a Crime ID, rows without an LSOA
    rows = con.execute("SELECT count(*) FROM raw.police_street").fetchone()[0]
    assert rows == sum(f[3] for f in files) == result.rows
    with (raw / "police" / "2024-01-leicestershire-street.csv").open() as handle:
        assert rows > len(list(csv.reader(handle))) - 1 > 0
    # anti-social behaviour, written without a Crime ID, is loaded like any row
    asb = con.execute(
        "SELECT count(*) FROM raw.police_street WHERE crime_type = 'Anti-social behaviour'"
    ).fetchone()[0]
    with (raw / "police" / "2024-01-leicestershire-street.csv").open(newline="") as handle:
        written = [r for r in csv.DictReader(handle) if r["Crime type"] == "Anti-social behaviour"]
    assert asb > len(written) > 0 and not any(r["Crime ID"] for r in written)
    # the columns no metric reads are checked, not kept
    kept = [r[0] for r in con.execute("DESCRIBE raw.police_street").fetchall()]
    assert "crime_id" not in kept and "lsoa_code" in kept and "force" in kept
    assert (
        con.execute("SELECT count(*) FROM raw.police_street WHERE lsoa_code IS NULL").fetchone()[0]
        == 5
    )
    assert (
        con.execute("SELECT count(*) FROM raw.police_street WHERE month <> file_month").fetchone()[
            0
        ]
        == 0
    )


def test_the_other_files_of_the_download_are_said_once(raw):
    _, result = load(raw)
    said = contract.unread_entries(raw)
    assert said == list(result.not_read)
    assert len(said) == 1 and "10 outcomes and stop-and-search files" in said[0]
    # police/ itself is read: never "a folder the contract does not name"
    assert not any("contract does not name" in entry for entry in said)


def test_the_loaded_rows_pass_their_suite(raw):
    con, _ = load(raw)
    frame = con.execute("SELECT * FROM raw.police_street").df()
    outcome = suites.validate(frame, f"raw_{contract.POLICE_STREET.name}")
    assert outcome.success, outcome.failures
    frame.loc[0, "month"] = "2023-12"
    broken = suites.validate(frame, f"raw_{contract.POLICE_STREET.name}")
    assert not broken.success
    assert any(f.expectation == "expect_column_pair_values_to_be_equal" for f in broken.failures)


def test_columns_are_read_by_name(raw):
    path = raw / "police" / "2024-01-leicestershire-street.csv"
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    order = list(reversed(range(len(rows[0]))))
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows([[row[i] for i in order] + ["extra"] for row in rows])
    con, _ = load(raw)
    month, force, crime_types = con.execute(
        "SELECT any_value(month), any_value(force), count(DISTINCT crime_type) "
        "FROM raw.police_street WHERE source_file = '2024-01-leicestershire-street.csv'"
    ).fetchone()
    assert (month, force) == ("2024-01", "leicestershire") and crime_types > 5


def refused(raw: Path) -> RawFileError:
    with pytest.raises(RawFileError) as caught:
        load(raw)
    return caught.value


def test_a_month_that_is_not_the_file_names_is_refused_with_the_file_and_line(raw):
    path = raw / "police" / "2024-02" / "2024-02-leicestershire-street.csv"
    lines = path.read_text().splitlines()
    lines[7] = lines[7].replace(",2024-02,", ",2024-03,", 1)
    path.write_text("\n".join(lines) + "\n")
    error = refused(raw)
    assert error.filename == "police/2024-02/2024-02-leicestershire-street.csv"
    assert error.row == 7 and "line 8" in str(error)
    assert "'2024-03'" in str(error) and "2024-02" in str(error)


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("2024-01-leicestershire.csv", "police.uk file name"),
        ("leicestershire-2024-01-street.csv", "police.uk file name"),
        ("2024-13-leicestershire-street.csv", "police.uk file name"),
        ("2024-01-Leicestershire-street.csv", "police.uk file name"),
        ("2024-01-leicestershire-street (1).csv", "police.uk file name"),
        ("notes.txt", "police.uk file name"),
    ],
)
def test_a_file_name_that_does_not_parse_is_refused(raw, name, rule):
    (raw / "police" / name).write_text("x\n")
    error = refused(raw)
    assert error.filename == f"police/{name}" and error.rule == rule
    assert "YYYY-MM-<force>-street.csv" in error.detail


def test_a_file_in_another_months_folder_or_twice_is_refused(raw):
    source = raw / "police" / "2024-01-leicestershire-street.csv"
    (raw / "police" / "2024-02" / source.name).write_bytes(source.read_bytes())
    error = refused(raw)
    assert error.filename == "police/2024-02/2024-01-leicestershire-street.csv"
    assert "folder of 2024-02" in error.detail
    (raw / "police" / "2024-02" / source.name).unlink()
    (raw / "police" / "2024-01").mkdir()
    (raw / "police" / "2024-01" / source.name).write_bytes(source.read_bytes())
    error = refused(raw)
    assert "here twice" in error.detail and source.name in error.detail


def test_a_missing_column_and_a_malformed_file_are_refused_with_the_file(raw):
    path = raw / "police" / "2024-03" / "2024-03-west-midlands-street.csv"
    text = path.read_text()
    path.write_text(text.replace("LSOA code", "LSOA", 1))
    error = refused(raw)
    assert error.filename == "police/2024-03/2024-03-west-midlands-street.csv"
    assert "LSOA code" in error.detail and error.rule == "required columns"
    # cut short in a quoted value (which DuckDB's reader of several files drops silently), or
    # in the middle of a row
    path.write_text(text + 'x,2024-03,"unterminated\n')
    error = refused(raw)
    assert error.filename == "police/2024-03/2024-03-west-midlands-street.csv"
    assert error.rule == "well-formed CSV" and "cut short" in error.detail
    path.write_text(text + "x,2024-03,West Midlands Police\n")
    error = refused(raw)
    assert error.filename == "police/2024-03/2024-03-west-midlands-street.csv"
    assert error.rule == "well-formed CSV" and "line" in error.detail


def test_a_coordinate_that_is_not_a_number_is_refused_with_its_line(raw):
    path = raw / "police" / "2024-01-west-midlands-street.csv"
    lines = path.read_text().splitlines()
    cells = next(csv.reader([lines[3]]))
    cells[4] = "west"
    lines[3] = ",".join(f'"{c}"' for c in cells)
    path.write_text("\n".join(lines) + "\n")
    error = refused(raw)
    assert error.filename == "police/2024-01-west-midlands-street.csv" and error.row == 3
    assert "Longitude" in error.rule and "'west'" in error.detail


def test_a_workbook_an_empty_file_and_a_future_month_are_refused(raw):
    path = raw / "police" / "2024-01-west-midlands-street.csv"
    path.write_bytes(b"PK\x03\x04rest")
    assert "unzip" in refused(raw).detail
    path.write_bytes(b"")
    assert refused(raw).rule == "not empty"
    path.unlink()
    police.write_police(raw, police.PoliceFolder((WMIDS,), ("2025-11",)))  # after TODAY's month
    assert refused(raw).rule == "future_date"


def test_a_police_folder_without_street_files_is_refused(tmp_path):
    """Something was downloaded, but not street-level crime: refused, not taken as no crime."""
    (tmp_path / "police").mkdir()
    (tmp_path / "police" / "2024-01-leicestershire-outcomes.csv").write_text("x\n")
    error = refused(tmp_path)
    assert error.filename == "police" and "street" in error.detail


def test_without_police_the_tables_are_empty_and_the_lookup_optional(tmp_path):
    con, result = load(tmp_path)
    assert not result.present
    assert con.execute("SELECT count(*) FROM raw.police_street").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM raw.police_files").fetchone()[0] == 0
    lookup = load_raw_file(con, contract.LSOA_LOOKUP, tmp_path, TODAY)
    assert not lookup.present
    assert report.crime_lines(tmp_path / "no.duckdb", tmp_path) == [
        "Crime not produced (drug_offences, drug_offences_rate, neighbourhood_crime, "
        "neighbourhood_crime_rate): no police/ folder in the raw folder, or an empty one "
        "(optional: police.uk street-level crime, see the README's Inputs)."
    ]
    # an empty police/ (a folder made ready for a download not yet there) is as good as none
    (tmp_path / "police").mkdir()
    (tmp_path / "police" / ".DS_Store").write_text("")
    _, result = load(tmp_path)
    assert not result.present
    assert not load_raw_file(con, contract.LSOA_LOOKUP, tmp_path, TODAY).present
    assert contract.unread_entries(tmp_path) == [
        "police (a folder, empty: no police.uk street files, so crime is not produced)"
    ]


def test_the_lookup_is_required_with_police(raw):
    (raw / "lsoa_lookup.csv").unlink()
    con = duckdb.connect()
    with pytest.raises(RawFileError) as caught:
        load_raw_file(con, contract.LSOA_LOOKUP, raw, TODAY)
    assert caught.value.filename == "lsoa_lookup.csv"
    assert "required when police/ is present" in str(caught.value)


def test_the_lookups_rules(raw):
    con = duckdb.connect()
    path = raw / "lsoa_lookup.csv"
    good = path.read_text()
    assert load_raw_file(con, contract.LSOA_LOOKUP, raw, TODAY).rows == 4
    # a district's code (not an upper-tier authority of the areas seed) is warned of
    path.write_text(good + "E01000099,E07000129\n")
    result = load_raw_file(con, contract.LSOA_LOOKUP, raw, TODAY)
    assert result.quality.warnings == {"known_area:area_code": 1}
    # one LSOA in two areas, a Welsh LSOA, a header without rows: refused
    for text, rule in (
        (good + "E01000001,E06000018\n", "conflicting_key"),
        (good + "W01000001,W06000015\n", "pattern:lsoa_code"),
        ("lsoa_code,area_code\n", "not empty"),
    ):
        path.write_text(text)
        with pytest.raises(RawFileError) as caught:
            load_raw_file(con, contract.LSOA_LOOKUP, raw, TODAY)
        assert caught.value.rule.startswith(rule), caught.value


def test_the_run_record_and_the_sensor_know_police_by_its_street_files(raw):
    first = run_record.input_fingerprints(raw)
    assert set(first) >= {"police/", "lsoa_lookup.csv"} and first["police/"]["files"] == 5
    # an outcomes file changes nothing; a street file's content does
    (raw / "police" / "2024-01-leicestershire-outcomes.csv").write_text("changed\n")
    assert run_record.input_fingerprints(raw)["police/"]["sha256"] == first["police/"]["sha256"]
    street = raw / "police" / "2024-01-leicestershire-street.csv"
    street.write_text(street.read_text() + street.read_text().splitlines()[1] + "\n")
    assert run_record.input_fingerprints(raw)["police/"]["sha256"] != first["police/"]["sha256"]
    # a fingerprint whose names, sizes and times still hold is kept without reading the files
    again = run_record.police_fingerprint(raw)
    assert run_record.police_fingerprint(raw, again) is again


def test_the_shipped_samples_police_folder_and_lookup_load():
    """The sample's police/ and lookup (written by the sample generator, their shapes checked in
    tests/unit/test_synthetic.py) are what this ingest reads: every street file, the download's
    outcomes files said once, every crime type one the project knows, every LSOA of a row in
    the lookup, no lookup row set aside."""
    from tests.conftest import SAMPLE_RAW_DIR

    con = duckdb.connect()
    result = load_police_folder(con, SAMPLE_RAW_DIR, today=TODAY)
    folder = contract.police_folder(SAMPLE_RAW_DIR)
    assert result.present and result.files == len(folder.street_files) > 0
    assert folder.other_download_files > 0 and len(result.not_read) == 1
    lookup = load_raw_file(con, contract.LSOA_LOOKUP, SAMPLE_RAW_DIR, TODAY)
    assert lookup.present and not sum(lookup.quality.quarantined.values())
    known = {row["crime_type"] for row in contract.seed_rows("crime_types")}
    types = con.execute("SELECT DISTINCT crime_type FROM raw.police_street").fetchall()
    assert {t for (t,) in types} == known
    unplaced = con.execute(
        "SELECT count(*) FROM raw.police_street WHERE lsoa_code IS NOT NULL "
        "AND lsoa_code NOT IN (SELECT lsoa_code FROM raw.lsoa_lookup)"
    ).fetchone()[0]
    assert unplaced == 0
