"""Loading police.uk's street-level crime (the folder police/) into the warehouse's raw schema.

The download unpacks into one file per force and month, YYYY-MM-<force>-street.csv, directly in
police/ or in YYYY-MM/ folders (`contract.police_folder` finds them and refuses anything else).
A national folder is tens of millions of rows in a few thousand files, so the files are read by
DuckDB's own CSV reader, all of a header's files in one `read_csv` over their list, every cell
as text, then typed in SQL; nothing is read row by row in Python. Each row keeps the force and
month of its file's name and the file it came from (`raw.police_street`), and one row per file
says which force-months the folder holds (`raw.police_files`): a force's month without a file
is what keeps an area's window from being produced (the crime models).

Refused, with the file and, where it is a row, the line: a file name that does not parse, a
file in another month's folder, one force-month twice, a file that is not CSV text or is
malformed, a missing column of the 12, a Month that is not the month of the file's name, a
coordinate that is not a number, a month after today. Rows without an LSOA code, with one the
lookup lacks, and crime types the project does not know are kept and reported (the crime
models), never refused.
"""

import csv
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from pipelines import contract
from pipelines.contract import POLICE_STREET, PoliceFolderError, StreetFile
from pipelines.ingest.load import _NOT_CSV_SIGNATURES, SAVE_AS_CSV
from pipelines.ingest.policy import RawFileError
from pipelines.warehouse import RAW_SCHEMA, quote_identifier, raw_table, sql_literal

STREET_TABLE = raw_table(POLICE_STREET.name)
# the columns kept in the warehouse (every one of the 12 must be in the file)
KEPT = tuple(c for c in POLICE_STREET.columns if c.kept)
FILES_TABLE = raw_table(contract.POLICE_FILES_TABLE)


@dataclass(frozen=True)
class PoliceIngestResult:
    present: bool
    rows: int = 0
    files: int = 0
    forces: tuple[str, ...] = ()
    first_month: str | None = None
    last_month: str | None = None
    not_read: tuple[str, ...] = ()  # what police/ holds that is not read, in one line each


def _shown(street_file: StreetFile) -> str:
    return f"{contract.POLICE_DIR}/{street_file.relative}"


def _create_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
    columns = ", ".join(
        f"{quote_identifier(c.name)} {contract.DUCKDB_TYPES[c.type]}"
        for c in (*KEPT, *POLICE_STREET.added_columns)
    )
    con.execute(f"CREATE OR REPLACE TABLE {STREET_TABLE} ({columns})")
    con.execute(
        f"CREATE OR REPLACE TABLE {FILES_TABLE} (source_file VARCHAR, force VARCHAR, "
        "file_month VARCHAR, row_count BIGINT)"
    )


def _header(street_file: StreetFile) -> tuple[str, ...]:
    """The file's header, after refusing what is not CSV text (cheaply: its first bytes)."""
    shown = _shown(street_file)
    with street_file.path.open("rb") as handle:
        start = handle.read(8)
    if not start:
        raise RawFileError(
            shown, "not empty", "the file is empty (0 bytes): download the month again"
        )
    for signature, what in _NOT_CSV_SIGNATURES.items():
        if start.startswith(signature):
            hint = "unzip the download" if signature == b"PK\x03\x04" else SAVE_AS_CSV
            raise RawFileError(
                shown, "a CSV file", f"is {what} under a .csv name, not CSV text: {hint}"
            )
    try:
        with street_file.path.open(newline="", encoding="utf-8-sig") as handle:
            return tuple(next(csv.reader(handle), []))
    except UnicodeDecodeError as error:
        raise RawFileError(
            shown, "UTF-8 text", f"the header is not UTF-8 text ({error.reason})"
        ) from error


_TAIL_BYTES = 1 << 16


def _refuse_an_open_quote_at_the_end(street_file: StreetFile) -> None:
    """A file whose last line opens a quote it never closes (a download cut short): DuckDB's
    reader drops that row without a word when it reads several files at once (it refuses it
    in a file read alone), so the end of every file is looked at here (its last bytes only)."""
    path = street_file.path
    size = path.stat().st_size
    with path.open("rb") as handle:
        handle.seek(max(0, size - _TAIL_BYTES))
        tail = handle.read()
    last = tail.rstrip(b"\r\n").rsplit(b"\n", 1)[-1]
    if last.count(b'"') % 2:
        raise RawFileError(
            _shown(street_file),
            "well-formed CSV",
            "its last line opens a quoted value that never closes: the file was cut short "
            "(a download or unzip that stopped); download the month again",
        )


def _positions(street_file: StreetFile, header: tuple[str, ...]) -> dict[str, int]:
    """Each of the 12 columns' position, found by name; refuse a missing one."""
    normalised = [contract.normalise_header(h) for h in header]
    forbidden = sorted(set(normalised) & contract.FORBIDDEN_IDENTIFIER_COLUMNS)
    if forbidden:
        raise RawFileError(
            _shown(street_file),
            "no direct identifiers",
            f"column(s) {', '.join(forbidden)} look like direct identifiers; police.uk's "
            "street files have none: use the file as downloaded",
        )
    positions = {}
    for column in POLICE_STREET.columns:
        matches = [
            i for i, h in enumerate(normalised) if h == contract.normalise_header(column.header)
        ]
        if len(matches) > 1:
            raise RawFileError(
                _shown(street_file),
                "unique column names",
                f"column {column.header!r} appears twice",
            )
        if matches:
            positions[column.name] = matches[0]
    missing = [c.header for c in POLICE_STREET.columns if c.name not in positions]
    if missing:
        raise RawFileError(
            _shown(street_file),
            "required columns",
            f"required column(s) missing: {', '.join(missing)} (columns found: "
            f"{', '.join(header) or 'none'}); police.uk's street files have these 12: "
            f"{', '.join(c.header for c in POLICE_STREET.columns)}",
        )
    return positions


def _cell(position: int) -> str:
    """A cell as text, trimmed, empty = NULL."""
    return f"nullif(trim(c{position}), '')"


def _reader(paths: list[Path], width: int) -> str:
    files = "[" + ", ".join(sql_literal(str(p)) for p in paths) + "]"
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
    return (
        f"read_csv({files}, header = true, columns = {columns}, delim = ',', quote = '\"', "
        "escape = '\"', auto_detect = false, encoding = 'utf-8', filename = true)"
    )


_DUCKDB_LINE = re.compile(r"CSV Error on Line: (\d+)")
_DUCKDB_FILE = re.compile(r"^\s*file = (.+)$", re.M)


def _malformed(error: duckdb.Error, by_path: dict[str, StreetFile]) -> RawFileError:
    """DuckDB's account of a malformed file, with the file named as the user knows it."""
    text = str(error)
    found = _DUCKDB_FILE.search(text)
    street_file = by_path.get(found.group(1).strip()) if found else None
    where = _shown(street_file) if street_file else f"{contract.POLICE_DIR}/"
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    reason = next(
        (
            line
            for line in lines[1:]
            if not line.startswith(("Original Line", "Possible", "*", "file =", "CSV Error"))
        ),
        lines[0] if lines else "malformed CSV",
    )
    line = _DUCKDB_LINE.search(text)
    at = f"line {line.group(1)}: " if line else ""
    return RawFileError(where, "well-formed CSV", f"{at}{reason}")


def _locate(
    con: duckdb.DuckDBPyConnection,
    files: list[StreetFile],
    width: int,
    condition: str,
    value: str,
) -> tuple[StreetFile, int, object] | None:
    """(file, data row, value) of the first row where `condition` (over the cells c0, c1, ...)
    holds. Only once a rule has failed: the files are read again one after another, each alone
    and in order, for the row."""
    for street_file in files:
        found = con.execute(
            f"SELECT row, {value} FROM (SELECT row_number() OVER () AS row, * FROM "
            f"{_reader([street_file.path], width)}) WHERE {condition} ORDER BY row LIMIT 1"
        ).fetchone()
        if found is not None:
            return street_file, found[0], found[1]
    return None


def load_police_folder(
    con: duckdb.DuckDBPyConnection, raw_dir: Path, today: date | None = None
) -> PoliceIngestResult:
    """Load police/ into raw.police_street and raw.police_files (both empty when there is no
    police/); raise RawFileError naming the file, the line and the rule."""
    _create_tables(con)
    try:
        folder = contract.police_folder(Path(raw_dir))
    except PoliceFolderError as error:
        raise RawFileError(error.filename, error.rule, error.detail) from error
    if folder is None:
        return PoliceIngestResult(present=False)

    today = today or date.today()
    latest = f"{today.year:04d}-{today.month:02d}"
    for street_file in folder.street_files:
        if street_file.month > latest:
            raise RawFileError(
                _shown(street_file),
                "future_date",
                f"the file is of {street_file.month}, after this month ({latest})",
            )

    # the files of one header together (a download's files all share police.uk's header)
    groups: dict[tuple[str, ...], list[StreetFile]] = defaultdict(list)
    for street_file in folder.street_files:
        groups[_header(street_file)].append(street_file)
        _refuse_an_open_quote_at_the_end(street_file)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _police_file_names (path VARCHAR, source_file VARCHAR, "
        "force VARCHAR, file_month VARCHAR)"
    )
    con.executemany(
        "INSERT INTO _police_file_names VALUES (?, ?, ?, ?)",
        [(str(f.path), f.relative, f.force, f.month) for f in folder.street_files],
    )
    by_path = {str(f.path): f for f in folder.street_files}
    names = [c.name for c in KEPT]
    decimals = {c.name for c in KEPT if c.type == "decimal"}
    for header, files in groups.items():
        positions = _positions(files[0], header)
        selects = [
            f"CAST({_cell(positions[name])} AS DOUBLE)"
            if name in decimals
            else _cell(positions[name])
            for name in names
        ]
        try:
            con.execute(
                f"""
                INSERT INTO {STREET_TABLE}
                SELECT {", ".join(selects)}, names.force, names.file_month, names.source_file
                FROM {_reader([f.path for f in files], len(header))} AS cells
                INNER JOIN _police_file_names AS names ON cells.filename = names.path
                """
            )
        except duckdb.ConversionException as error:  # a coordinate that is not a number
            raise _refuse_a_coordinate(con, files, len(header), positions, error) from error
        except duckdb.Error as error:  # ragged, badly quoted, not UTF-8: DuckDB names the line
            raise _malformed(error, by_path) from error
        _refuse_a_wrong_month(con, files, len(header), positions)

    con.execute(
        f"""
        INSERT INTO {FILES_TABLE}
        SELECT names.source_file, names.force, names.file_month, count(street.source_file)
        FROM _police_file_names AS names
        LEFT JOIN {STREET_TABLE} AS street ON names.source_file = street.source_file
        GROUP BY ALL ORDER BY names.file_month, names.force
        """
    )
    con.execute("DROP TABLE _police_file_names")
    rows = con.execute(f"SELECT count(*) FROM {STREET_TABLE}").fetchone()[0]
    months = [f.month for f in folder.street_files]
    return PoliceIngestResult(
        present=True,
        rows=rows,
        files=len(folder.street_files),
        forces=tuple(sorted({f.force for f in folder.street_files})),
        first_month=min(months),
        last_month=max(months),
        not_read=tuple(folder.not_read()),
    )


def _refuse_a_coordinate(
    con: duckdb.DuckDBPyConnection,
    files: list[StreetFile],
    width: int,
    positions: dict[str, int],
    error: duckdb.Error,
) -> RawFileError:
    """The file and line of a coordinate that is not a number (the load's cast failed)."""
    for column in (c for c in POLICE_STREET.columns if c.type == "decimal"):
        cell = _cell(positions[column.name])
        found = _locate(
            con, files, width, f"{cell} IS NOT NULL AND TRY_CAST({cell} AS DOUBLE) IS NULL", cell
        )
        if found is not None:
            street_file, row, value = found
            return RawFileError(
                _shown(street_file),
                f"{column.header} is a number",
                f"column {column.header!r} holds {value!r}, which is not a number: use the "
                "file as downloaded",
                row=row,
            )
    return RawFileError(f"{contract.POLICE_DIR}/", "a number", str(error).splitlines()[0])


def _refuse_a_wrong_month(
    con: duckdb.DuckDBPyConnection,
    files: list[StreetFile],
    width: int,
    positions: dict[str, int],
) -> None:
    """Every row's Month is the month of its file's name (checked over the loaded rows at once;
    the first file that breaks it is read again for its line)."""
    sources = ", ".join(sql_literal(f.relative) for f in files)
    wrong = con.execute(
        f"SELECT DISTINCT source_file FROM {STREET_TABLE} WHERE source_file IN ({sources}) "
        "AND month IS DISTINCT FROM file_month"
    ).fetchall()
    if not wrong:
        return
    wrong_files = {name for (name,) in wrong}
    cell = _cell(positions["month"])
    for street_file in (f for f in files if f.relative in wrong_files):
        found = _locate(
            con,
            [street_file],
            width,
            f"{cell} IS DISTINCT FROM {sql_literal(street_file.month)}",
            cell,
        )
        if found is not None:
            _, row, value = found
            raise RawFileError(
                _shown(street_file),
                "Month is the month in the file's name",
                f"Month is {value!r}, not {street_file.month}, the month the file's name says "
                "(a street file holds one month, YYYY-MM): the file was renamed or edited; "
                "download it again",
                row=row,
            )
