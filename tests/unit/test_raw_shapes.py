"""Raw files in the shapes spreadsheets and case-management systems write: every shape the
contract allows loads exactly as the plain file does; the rest is refused with the file, the
line and the fix. (Blocked refreshes leaving the publication untouched: e2e/test_bad_input.)"""

import csv
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipelines import contract
from pipelines.ingest.load import load_raw_file
from pipelines.ingest.policy import RawFileError
from tests.conftest import SAMPLE_RAW_DIR

SHIPPED = [f for f in contract.RAW_FILES if (SAMPLE_RAW_DIR / f.filename).exists()]
TODAY = date(2026, 1, 1)


def loaded(raw_file, folder: Path) -> pd.DataFrame:
    con = duckdb.connect()
    for name in raw_file.needs:  # the files its rules read (a form's journey), as shipped
        load_raw_file(con, contract.RAW_FILES_BY_NAME[name], SAMPLE_RAW_DIR, today=TODAY)
    load_raw_file(con, raw_file, folder, today=TODAY)
    return con.execute(f'SELECT * FROM raw."{raw_file.name}"').df()


@pytest.mark.parametrize("raw_file", SHIPPED, ids=[f.name for f in SHIPPED])
def test_excel_csv_utf8_with_bom_and_crlf_loads_the_same(raw_file, tmp_path):
    plain = (SAMPLE_RAW_DIR / raw_file.filename).read_bytes()
    (tmp_path / raw_file.filename).write_bytes(b"\xef\xbb\xbf" + plain.replace(b"\n", b"\r\n"))
    pd.testing.assert_frame_equal(loaded(raw_file, tmp_path), loaded(raw_file, SAMPLE_RAW_DIR))


@pytest.mark.parametrize("raw_file", SHIPPED, ids=[f.name for f in SHIPPED])
def test_columns_in_any_order_with_extra_columns_load_the_same(raw_file, tmp_path):
    with (SAMPLE_RAW_DIR / raw_file.filename).open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    shuffled = [["Provider notes", *reversed(row)] for row in rows]
    shuffled[0][0] = "Provider notes"
    for row in shuffled[1:]:
        row[0] = "free text, ignored"
    with (tmp_path / raw_file.filename).open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(shuffled)
    pd.testing.assert_frame_equal(loaded(raw_file, tmp_path), loaded(raw_file, SAMPLE_RAW_DIR))


JOURNEYS = contract.RAW_FILES[0]


def refused(tmp_path: Path, prepare) -> str:
    prepare(tmp_path / JOURNEYS.filename)
    with pytest.raises(RawFileError) as caught:
        loaded(JOURNEYS, tmp_path)
    message = str(caught.value)
    assert message.startswith(JOURNEYS.filename)
    return message


def sample_text() -> str:
    return (SAMPLE_RAW_DIR / JOURNEYS.filename).read_text(encoding="utf-8")


def test_not_utf8_names_the_line_and_byte_and_says_save_as_csv_utf8(tmp_path):
    lines = sample_text().splitlines(keepends=True)
    lines[40] = lines[40].replace("J", "\u00e9", 1)
    message = refused(tmp_path, lambda p: p.write_bytes("".join(lines).encode("cp1252")))
    assert "line 41, byte 1" in message and "0xE9" in message
    assert "CSV UTF-8" in message


def with_cell(row: int, column: str, value: str):
    """A writer of the sample's journeys with one cell replaced."""
    rows = list(csv.reader(sample_text().splitlines()))
    rows[row][rows[0].index(column)] = value

    def write(path):
        with path.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle, lineterminator="\n").writerows(rows)

    return write


def test_a_date_that_is_not_iso_says_the_format_and_never_guesses(tmp_path):
    message = refused(tmp_path, with_cell(5, "referral_date", "05/01/2024"))
    assert "row 5 (line 6)" in message and "'05/01/2024'" in message
    assert "YYYY-MM-DD" in message and "never guessed" in message


def test_thousands_separators_are_refused_with_the_fix(tmp_path):
    message = refused(tmp_path, with_cell(7, "age_at_referral", "1,234"))
    assert "row 7 (line 8)" in message and "without thousands separators" in message


@pytest.mark.parametrize(
    ("prepare", "expected"),
    [
        (lambda p: p.write_bytes(b""), "empty (0 bytes)"),
        (lambda p: p.write_bytes(b"PK\x03\x04rest of a workbook"), "Excel workbook (.xlsx)"),
        (lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0old workbook"), "(.xls)"),
        (lambda p: p.mkdir(), "is a folder"),
        (lambda p: p.symlink_to(p.parent / "elsewhere.csv"), "which does not exist"),
    ],
    ids=["zero-bytes", "xlsx", "xls", "folder", "broken-link"],
)
def test_what_is_not_a_csv_file_is_refused_in_plain_words(tmp_path, prepare, expected):
    assert expected in refused(tmp_path, prepare)


@pytest.mark.parametrize("raw_file", SHIPPED, ids=[f.name for f in SHIPPED])
def test_mixed_line_endings_load_the_same(raw_file, tmp_path):
    """A Windows export appended to in another editor: CRLF on the first half of the lines, LF
    on the rest. The same rows and values as the plain file."""
    lines = (SAMPLE_RAW_DIR / raw_file.filename).read_bytes().split(b"\n")
    half = len(lines) // 2
    mixed = b"\r\n".join(lines[:half]) + b"\r\n" + b"\n".join(lines[half:])
    (tmp_path / raw_file.filename).write_bytes(mixed)
    pd.testing.assert_frame_equal(loaded(raw_file, tmp_path), loaded(raw_file, SAMPLE_RAW_DIR))


@pytest.mark.parametrize(
    "byte, name", [(b"\x00", "NUL"), (b"\x1a", "end-of-file mark"), (b"\x07", "control")]
)
def test_a_control_character_in_a_cell_is_refused_with_line_and_column(tmp_path, byte, name):
    def prepare(path: Path) -> None:
        lines = sample_text().splitlines(keepends=True)
        header = next(csv.reader([lines[0]]))
        position = header.index("client_id")
        cells = next(csv.reader([lines[3]]))
        cells[position] = cells[position][:2] + byte.decode() + cells[position][2:]
        lines[3] = ",".join(cells) + "\n"
        path.write_text("".join(lines), encoding="utf-8")

    message = refused(tmp_path, prepare)
    assert "line 4" in message and "'client_id'" in message and name in message
    assert f"0x{byte[0]:02X}" in message


@pytest.mark.parametrize("column, value", [("sex", " female"), ("referral_source", "hospital ")])
def test_a_code_with_spaces_around_it_is_set_aside_not_read_as_the_code(tmp_path, column, value):
    """The contract's codes are exact: " female" is not female. The row is set aside by the
    code rule, its spaces shown, instead of counting as a woman."""
    with_cell(7, column, value)(tmp_path / JOURNEYS.filename)
    con = duckdb.connect()
    load_raw_file(con, JOURNEYS, tmp_path, today=TODAY)
    set_aside = con.execute(
        "SELECT source_row_number, rule_id, value FROM quarantine.rows"
    ).fetchall()
    assert set_aside == [(7, f"code:{column}", value)]
    kept = con.execute(f'SELECT count(*) FROM raw."{JOURNEYS.name}"').fetchone()[0]
    assert kept == len(sample_text().splitlines()) - 2  # the header and the row set aside
