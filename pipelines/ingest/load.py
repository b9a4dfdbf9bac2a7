"""Loading one raw file of the contract into the warehouse's raw schema.

Files are read with DuckDB's own CSV reader, every cell as text first, then cast column by
column to the contract's type, so that a bad cell is reported with its file, row and column
instead of DuckDB's generic conversion error.
"""

import csv
import re
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from pipelines import contract
from pipelines.contract import Column, RawFile
from pipelines.ingest.policy import QualityResult, RawFileError, enforce, forget_quarantined
from pipelines.warehouse import RAW_SCHEMA, quote_identifier, raw_table, sql_literal

SOURCE_ROW_COLUMN = "source_row_number"  # 1-based data row of the file (line = row + 1)

_TYPE_RULES = {
    "integer": ("a whole number", r"^[+-]?[0-9]+$"),
    "decimal": ("a number", r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"),
    "date": ("an ISO date (YYYY-MM-DD)", r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"),
    "boolean": ("true or false", r"^(true|false)$"),
}
# What to do about a cell of the wrong shape, in the words of the tool that wrote it.
_TYPE_REMEDIES = {
    "integer": "write whole numbers without thousands separators, spaces or decimals "
    "(1234, not 1,234)",
    "decimal": "write numbers with a point for decimals (1234.5)",
    "date": "write dates as YYYY-MM-DD, e.g. 2024-01-05 (in Excel, format the column as "
    "yyyy-mm-dd before saving); the day and month order of 05/01/2024 is never guessed",
    "boolean": "write true or false",
}
# The first bytes of files that are not text: what they are, and what to do.
_NOT_CSV_SIGNATURES = {
    b"PK\x03\x04": "a zip archive or an Excel workbook (.xlsx)",
    b"\xd0\xcf\x11\xe0": "an Excel 97-2003 workbook (.xls)",
    b"%PDF": "a PDF document",
}
SAVE_AS_CSV = "open it in Excel and save it as 'CSV UTF-8 (Comma delimited) (*.csv)'"


def check_file_shape(raw_file: RawFile, path: Path) -> str:
    """Refuse, in plain words, what is not a CSV file as the contract defines it (a folder, a
    broken link, an empty file, a workbook or archive under a .csv name, text that is not
    UTF-8); return the file's sha256. A UTF-8 byte-order mark and CRLF line ends are fine."""
    name = raw_file.filename
    if path.is_symlink() and not path.exists():
        raise RawFileError(
            name,
            "a readable file",
            f"is a link to {path.readlink()}, which does not exist: put the file itself (or a "
            "working link) in the raw folder",
        )
    if path.is_dir():
        raise RawFileError(
            name, "a readable file", "is a folder, not a file: put the CSV file itself here"
        )
    data = path.read_bytes()
    if not data:
        raise RawFileError(
            name, "not empty", "the file is empty (0 bytes): export it again, with its header row"
        )
    for signature, what in _NOT_CSV_SIGNATURES.items():
        if data.startswith(signature):
            raise RawFileError(
                name,
                "a CSV file",
                f"is {what} saved under a .csv name, not CSV text: {SAVE_AS_CSV}",
            )
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        line_start = data.rfind(b"\n", 0, error.start) + 1
        raise RawFileError(
            name,
            "UTF-8 text",
            f"line {line}, byte {error.start - line_start + 1} of the line, holds the byte "
            f"0x{data[error.start]:02X}, which is not UTF-8: the file was probably saved as "
            f"'CSV (Comma delimited)' (Windows-1252). {SAVE_AS_CSV[0].upper()}{SAVE_AS_CSV[1:]}",
        ) from error
    _refuse_control_characters(name, data)
    return contract.content_sha256(data)


# Bytes no spreadsheet or case-management export writes in a cell: NUL and the other control
# characters, but the tab and the line ends. A NUL inside an identifier would make another
# person of the row; a reader of the file cannot see any of them.
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


_CONTROL_NAMES = {0x00: "NUL", 0x1A: "end-of-file mark", 0x0B: "vertical tab", 0x0C: "form feed"}


def _refuse_control_characters(name: str, data: bytes) -> None:
    found = _CONTROL.search(data)
    if found is None:
        return
    position, byte = found.start(), data[found.start()]
    line_number = data.count(b"\n", 0, position) + 1
    line_start = data.rfind(b"\n", 0, position) + 1
    before = data[line_start:position].decode("utf-8")
    header_line = data[: data.find(b"\n")].decode("utf-8-sig").rstrip("\r")
    header = next(csv.reader([header_line]))
    # the field that holds it: the commas before it on its line (quoted commas aside)
    column = len(next(csv.reader([before]), [""])) - 1
    where = f"column {header[column]!r}" if 0 <= column < len(header) else "a cell"
    what = _CONTROL_NAMES.get(byte, "a control character")
    raise RawFileError(
        name,
        "text without control characters",
        f"line {line_number}, {where}, holds the byte 0x{byte:02X} ({what}), which no reader "
        "can see and which would change the value it is in: remove it (in Excel, =CLEAN() "
        "on the column) and export the file again",
    )


def has_mixed_line_endings(data: bytes) -> bool:
    """CRLF and LF in one file, as appending to a Windows export in another editor leaves it
    (DuckDB's reader refuses such a file)."""
    crlf = data.count(b"\r\n")
    return 0 < crlf < data.count(b"\n")


@dataclass(frozen=True)
class IngestResult:
    raw_file: RawFile
    present: bool
    rows: int
    as_of: date | None
    sha256: str | None
    path: Path
    quality: QualityResult | None = None


def read_header(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        try:
            return next(csv.reader(handle))
        except StopIteration:
            return []


def check_header(raw_file: RawFile, header: list[str]) -> dict[str, int]:
    """Map each contract column to its position in the file; refuse identifier columns."""
    normalised = [contract.normalise_header(h) for h in header]
    forbidden = sorted(set(normalised) & contract.FORBIDDEN_IDENTIFIER_COLUMNS)
    if forbidden:
        raise RawFileError(
            raw_file.filename,
            "no direct identifiers",
            f"column(s) {', '.join(forbidden)} look like direct identifiers; the file is refused "
            "and nothing of it was loaded. Remove the column(s) and pseudonymise before delivery.",
        )
    positions: dict[str, int] = {}
    for column in raw_file.columns:
        wanted = contract.normalise_header(column.header)
        matches = [i for i, h in enumerate(normalised) if h == wanted]
        if len(matches) > 1:
            raise RawFileError(
                raw_file.filename, "unique column names", f"column {column.header!r} appears twice"
            )
        if matches:
            positions[column.name] = matches[0]
    missing = [c.header for c in raw_file.columns if c.required and c.name not in positions]
    if missing:
        raise RawFileError(
            raw_file.filename,
            "required columns",
            f"required column(s) missing: {', '.join(missing)} "
            f"(columns found: {', '.join(header) or 'none'})",
        )
    return positions


def _cleaned(column: Column, position: int) -> str:
    """The cell as text, with empty cells and the column's null markers as NULL. Spaces
    around a value are trimmed, but not around a code (a code list or an area code): the
    contract's codes are exact, so " opiate" is not opiate and is set aside by the code rule
    (or the pattern rule), with its spaces shown, rather than read as another value."""
    trimmed = f"trim(c{position})"
    value = f"c{position}" if column.codes or column.pattern else trimmed
    markers = ", ".join(sql_literal(m) for m in ("", *column.null_markers))
    return f"CASE WHEN {trimmed} IN ({markers}) THEN NULL ELSE {value} END"


def _typed(column: Column, cleaned: str) -> str:
    duck_type = contract.DUCKDB_TYPES[column.type]
    if column.type == "text":
        return cleaned
    if column.type == "decimal":
        cleaned = f"replace({cleaned}, ',', '')"  # Fingertips writes 1,234.5 in some exports
    return f"TRY_CAST({cleaned} AS {duck_type})"


def load_raw_file(
    con: duckdb.DuckDBPyConnection, raw_file: RawFile, raw_dir: Path, today: date | None = None
) -> IngestResult:
    """Load one raw file into raw.<name>, typed, with the quality policy applied (rows
    quarantined or the file blocked); raise RawFileError naming file, row or rule."""
    path = Path(raw_dir) / raw_file.filename
    table = raw_table(raw_file.name)
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
    typed_columns = ", ".join(
        f"{quote_identifier(c.name)} {contract.DUCKDB_TYPES[c.type]}" for c in raw_file.columns
    )
    required = is_required(raw_file, Path(raw_dir))
    if not path.exists() and not path.is_symlink():  # a broken link is refused below
        if raw_file.required:
            raise RawFileError(
                raw_file.filename, "required file", f"required file not found in {raw_dir}"
            )
        if required:
            raise RawFileError(
                raw_file.filename,
                "required file",
                f"required when {raw_file.required_with}/ is present, and not found in "
                f"{raw_dir}: {raw_file.description} Add it (see the README, 'Inputs'), or "
                f"remove {raw_file.required_with}/ to leave out the metrics that need both",
            )
        # An absent optional file is an empty table: the models that need it produce nothing.
        con.execute(
            f"CREATE OR REPLACE TABLE {table} ({typed_columns}, {SOURCE_ROW_COLUMN} BIGINT)"
        )
        forget_quarantined(con, raw_file)
        return IngestResult(raw_file, False, 0, None, None, path)

    digest = check_file_shape(raw_file, path)
    with tempfile.TemporaryDirectory(prefix="cdap-ingest-") as scratch:
        readable = _with_one_line_ending(path, Path(scratch))
        return _load_checked_file(con, raw_file, readable, path, digest, today, required)


def is_required(raw_file: RawFile, raw_dir: Path) -> bool:
    """Whether the file must be in this raw folder: always, or because what it goes with is."""
    if raw_file.required:
        return True
    companion = raw_file.required_with
    return companion is not None and contract.is_present(Path(raw_dir), companion)


def _with_one_line_ending(path: Path, scratch: Path) -> Path:
    """The file itself, or where its line ends are mixed a copy with every CRLF made LF (the
    same rows and values: a line end inside a quoted cell becomes LF too)."""
    data = path.read_bytes()
    if not has_mixed_line_endings(data):
        return path
    copy = scratch / path.name
    copy.write_bytes(data.replace(b"\r\n", b"\n"))
    return copy


def _load_checked_file(
    con: duckdb.DuckDBPyConnection,
    raw_file: RawFile,
    path: Path,
    original: Path,
    digest: str,
    today: date | None,
    required: bool,
) -> IngestResult:
    """Load a file that passed check_file_shape: `path` is what is read, `original` what the
    user named; `required`: whether this raw folder must have it (a header without rows is
    then an error)."""
    table = raw_table(raw_file.name)
    header = read_header(path)
    positions = check_header(raw_file, header)
    # null padding and quoted line breaks together need DuckDB's serial reader.
    padding = "null_padding = true, parallel = false," if raw_file.ragged_rows_allowed else ""
    varchar_columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(header))) + "}"
    try:
        con.execute(
            f"""
        CREATE OR REPLACE TEMP TABLE _raw_text AS
        SELECT row_number() OVER () AS {SOURCE_ROW_COLUMN}, *
        FROM read_csv({sql_literal(str(path))}, header = true, columns = {varchar_columns},
                      delim = ',', quote = '"', escape = '"', auto_detect = false,
                      {padding} encoding = 'utf-8')
        """
        )
    except duckdb.Error as error:  # ragged, truncated or badly quoted: DuckDB names the line
        first_line = str(error).strip().splitlines()[0]
        raise RawFileError(raw_file.filename, "well-formed CSV", first_line) from error
    rows = con.execute("SELECT count(*) FROM _raw_text").fetchone()[0]
    if rows == 0 and required:
        raise RawFileError(raw_file.filename, "not empty", "the file has a header but no data rows")

    selects = []
    for column in raw_file.columns:
        if column.name not in positions:
            selects.append(
                f"CAST(NULL AS {contract.DUCKDB_TYPES[column.type]}) "
                f"AS {quote_identifier(column.name)}"
            )
            continue
        cleaned = _cleaned(column, positions[column.name])
        if column.type in _TYPE_RULES:
            description, pattern = _TYPE_RULES[column.type]
            bad = con.execute(
                f"""
                SELECT {SOURCE_ROW_COLUMN}, {cleaned} FROM _raw_text
                WHERE {cleaned} IS NOT NULL
                  AND (NOT regexp_full_match({cleaned}, {sql_literal(pattern)})
                       OR {_typed(column, cleaned)} IS NULL)
                ORDER BY {SOURCE_ROW_COLUMN}
                """
            ).fetchall()
            if bad:
                row, value = bad[0]
                raise RawFileError(
                    raw_file.filename,
                    f"{column.header} is {description}",
                    f"column {column.header!r} holds {value!r}, which is not {description}"
                    + (f" ({len(bad)} rows like this)" if len(bad) > 1 else "")
                    + f": {_TYPE_REMEDIES[column.type]}",
                    row=row,
                )
        selects.append(f"{_typed(column, cleaned)} AS {quote_identifier(column.name)}")
    con.execute(
        f"CREATE OR REPLACE TABLE {table} AS SELECT {', '.join(selects)}, {SOURCE_ROW_COLUMN} "
        f"FROM _raw_text ORDER BY {SOURCE_ROW_COLUMN}"
    )
    con.execute("DROP TABLE _raw_text")
    quality = enforce(con, raw_file, today or date.today())

    as_of = None
    date_columns = [c.name for c in raw_file.columns if c.type == "date"]
    if raw_file.record_level and date_columns:
        as_of = con.execute(
            f"SELECT greatest({', '.join(f'max({quote_identifier(c)})' for c in date_columns)}) "
            f"FROM {table}"
        ).fetchone()[0]
    return IngestResult(raw_file, True, quality.rows_kept, as_of, digest, original, quality)
