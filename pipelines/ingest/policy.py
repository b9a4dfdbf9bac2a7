"""What happens when raw data breaks a rule: the policy, in one place, and its enforcement.

Every rule of the raw contract (as data in pipelines/contract) has one of three
actions:
- block: the refresh stops, nothing is published, the message names file, rule, how many rows
  broke it and a few example rows (source row numbers and pseudonymised keys only);
- quarantine: the offending rows move to `quarantine.rows` with their reason, are left out of
  every metric, and the refresh goes on (counted in the data-quality report);
- warn: reported, the refresh goes on unchanged.

The principle: a partnership can live with a few bad records in its own record-level extracts
(a journey with an unknown referral source), so those are quarantined; reference data
(population, prevalence, ONS, Fingertips) feeds every rate, so a bad row there blocks; and
anything suggesting the file as a whole is wrong (a missing column, future dates, duplicated
keys with different content, more than QUARANTINE_LIMIT of a file quarantined, which is what
swapped or shifted columns look like) blocks.
"""

from dataclasses import dataclass
from datetime import date

import duckdb

from pipelines import contract
from pipelines.contract import RawFile
from pipelines.warehouse import (
    QUARANTINE_SCHEMA,
    QUARANTINE_TABLE,
    RAW_SCHEMA,
    quote_identifier,
    raw_table,
    sql_literal,
)

QUARANTINE_LIMIT = 0.05  # above this share of a file's rows, quarantine turns into a block
EXAMPLES = 3


@dataclass(frozen=True)
class Rule:
    kind: str
    description: str
    record_level: str  # action for record-level files
    reference: str  # action for reference files
    checked_by: str


POLICY: tuple[Rule, ...] = (
    Rule("required_file", "a required file is missing", "block", "block", "ingest"),
    Rule("required_columns", "a required column is missing", "block", "block", "ingest"),
    Rule(
        "no_direct_identifiers",
        "a column named like a direct identifier",
        "block",
        "block",
        "ingest",
    ),
    Rule("well_formed_csv", "a ragged, truncated or badly quoted CSV", "block", "block", "ingest"),
    Rule("not_empty", "a required file with a header and no rows", "block", "block", "ingest"),
    Rule("type", "a cell that is not of its column's type", "block", "block", "ingest"),
    Rule("future_date", "a date after the day of the refresh", "block", "block", "ingest"),
    Rule(
        "conflicting_key", "the same key twice with different content", "block", "block", "ingest"
    ),
    Rule("not_null_key", "a key or person id is empty", "block", "block", "ingest"),
    Rule("not_null", "a required value is empty", "quarantine", "block", "ingest"),
    Rule("code", "a code outside the contract's list", "quarantine", "block", "ingest"),
    Rule(
        "pattern",
        "a value not of the contract's pattern (area codes)",
        "quarantine",
        "block",
        "ingest",
    ),
    Rule("range", "a number outside the contract's range", "quarantine", "block", "ingest"),
    Rule(
        "row",
        "a rule across columns (dates in order, reason iff discharged)",
        "quarantine",
        "block",
        "ingest",
    ),
    Rule(
        "related",
        "a rule across rows or files (a form of an unknown journey or dated outside it, a "
        "journey's second start form)",
        "quarantine",
        "block",
        "ingest",
    ),
    Rule(
        "known_area",
        "an area code that is no English upper-tier authority",
        "quarantine",
        "warn",
        "ingest",
    ),
    Rule("duplicate_row", "an exact copy of an earlier row", "quarantine", "quarantine", "ingest"),
    Rule(
        "quarantine_share",
        f"more than {QUARANTINE_LIMIT:.0%} of a file quarantined",
        "block",
        "block",
        "ingest",
    ),
    Rule(
        "gx_suite",
        "a Great Expectations suite of a loaded table or mart fails",
        "block",
        "block",
        "asset check",
    ),
    Rule("dbt_test", "a dbt test of severity error fails", "block", "block", "asset check"),
    Rule(
        "population_coverage",
        "population lacks an area, year, sex or band in use",
        "warn",
        "warn",
        "asset check",
    ),
    Rule(
        "ons_reconciliation",
        "ONS's published rate lies outside the warehouse's interval",
        "warn",
        "warn",
        "dbt test (warn)",
    ),
)
POLICY_BY_KIND = {rule.kind: rule for rule in POLICY}


def action(kind: str, raw_file: RawFile) -> str:
    rule = POLICY_BY_KIND[kind]
    return rule.record_level if raw_file.record_level else rule.reference


@dataclass(frozen=True)
class Check:
    kind: str
    rule_id: str  # kind:detail, as reported
    column: str | None
    violation: str  # SQL, true where the row breaks the rule


def row_checks(raw_file: RawFile) -> list[Check]:
    """The contract's row-level rules as SQL conditions."""
    keys = set(contract.key_columns(raw_file)) | ({"client_id"} if raw_file.record_level else set())
    checks = []
    for column in raw_file.columns:
        name = quote_identifier(column.name)
        if column.not_null:
            kind = "not_null_key" if column.name in keys else "not_null"
            checks.append(Check(kind, f"{kind}:{column.name}", column.name, f"{name} is null"))
        if column.codes:
            codes = ", ".join(sql_literal(c) for c in column.codes)
            checks.append(
                Check("code", f"code:{column.name}", column.name, f"{name} not in ({codes})")
            )
        if column.pattern:
            checks.append(
                Check(
                    "pattern",
                    f"pattern:{column.name}",
                    column.name,
                    f"not regexp_full_match({name}, {sql_literal(column.pattern)})",
                )
            )
        if column.min_value is not None or column.max_value is not None:
            bounds = []
            if column.min_value is not None:
                bounds.append(f"{name} < {column.min_value}")
            if column.max_value is not None:
                bounds.append(f"{name} > {column.max_value}")
            checks.append(Check("range", f"range:{column.name}", column.name, " or ".join(bounds)))
    checks_areas = raw_file.record_level or raw_file.known_areas
    if checks_areas and any(c.name == "area_code" for c in raw_file.columns):
        known = ", ".join(sql_literal(c) for c in sorted(contract.KNOWN_AREA_CODES))
        checks.append(
            Check(
                "known_area",
                "known_area:area_code",
                "area_code",
                f"regexp_full_match(area_code, {sql_literal(contract.AREA_CODE_PATTERN)}) "
                f"and area_code not in ({known})",
            )
        )
    for rule in raw_file.row_rules:
        checks.append(
            Check("row", f"row:{rule.rule_id}", ",".join(rule.columns), f"not ({rule.condition})")
        )
    tables = {f.name: raw_table(f.name) for f in contract.RAW_FILES}
    for rule in raw_file.related_rules:
        rows = rule.violations.format(this=raw_table(raw_file.name), **tables)
        checks.append(
            Check(
                "related",
                f"related:{rule.rule_id}",
                ",".join(rule.columns),
                f"source_row_number IN ({rows})",
            )
        )
    return checks


@dataclass
class QualityResult:
    quarantined: dict[str, int]  # rule_id -> rows
    warnings: dict[str, int]
    rows_kept: int


class RawFileError(Exception):
    """A raw file breaks the contract in a way that stops the refresh."""

    def __init__(self, filename: str, rule: str, detail: str, row: int | None = None):
        self.filename, self.rule, self.detail, self.row = filename, rule, detail, row
        where = f"{filename}, row {row} (line {row + 1})" if row is not None else filename
        super().__init__(f"{where}: {detail} [rule: {rule}]")


class QualityError(RawFileError):
    """A blocking row rule failed: names file, rule, how many rows and a few examples."""

    def __init__(
        self, filename: str, rule_id: str, count: int, examples: list[str], detail: str = ""
    ):
        self.count, self.examples = count, examples
        shown = "; ".join(examples)
        text = f"{count} row(s) break it" + (f" ({detail})" if detail else "")
        super().__init__(filename, rule_id, text + (f". Examples: {shown}" if shown else ""))


def _example(row: tuple, key: str | None) -> str:
    source_row, value, record_key = row
    parts = [f"row {source_row}"]
    if record_key is not None and key:
        parts.append(f"{key} {record_key}")
    if value is not None:
        parts.append(f"value {value!r}")
    return ", ".join(parts)


def forget_quarantined(con: duckdb.DuckDBPyConnection, raw_file: RawFile) -> None:
    """An optional file absent this time: the rows an earlier refresh set aside from it are no
    longer in the warehouse's account (nor in the report's)."""
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
        [QUARANTINE_SCHEMA, QUARANTINE_TABLE.split(".")[-1]],
    ).fetchone()[0]
    if exists:
        con.execute(f"DELETE FROM {QUARANTINE_TABLE} WHERE file_name = ?", [raw_file.filename])


def enforce(con: duckdb.DuckDBPyConnection, raw_file: RawFile, today: date) -> QualityResult:
    """Apply the policy to a file's raw table (already typed): block, or move rows to
    quarantine."""
    table = raw_table(raw_file.name)
    filename = raw_file.filename
    loaded = {
        name
        for (name,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = ?", [RAW_SCHEMA]
        ).fetchall()
    }
    for needed in raw_file.needs:
        if needed not in loaded:  # the ingest assets load them in order; a caller must too
            raise RawFileError(
                filename,
                "load order",
                f"its rules read {contract.RAW_FILES_BY_NAME[needed].filename}, which must be "
                "loaded first",
            )
    total = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    keys = contract.key_columns(raw_file)
    key_expr = (
        f"cast({quote_identifier(keys[0])} as varchar)" if len(keys) == 1 else "null::varchar"
    )

    def block(rule_id: str, where: str, detail: str = "") -> None:
        rows = con.execute(
            f"SELECT source_row_number, NULL, {key_expr} FROM {table} WHERE {where} "
            f"ORDER BY source_row_number"
        ).fetchall()
        if rows:
            examples = [_example(r, keys[0] if len(keys) == 1 else None) for r in rows[:EXAMPLES]]
            raise QualityError(filename, rule_id, len(rows), examples, detail)

    # future dates: nothing may lie after the day of the refresh
    for column in (c for c in raw_file.columns if c.type == "date"):
        block(
            f"future_date:{column.name}",
            f"{quote_identifier(column.name)} > DATE '{today.isoformat()}'",
            f"{column.name} after {today.isoformat()}",
        )

    con.execute(f"CREATE SCHEMA IF NOT EXISTS {QUARANTINE_SCHEMA}")
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {QUARANTINE_TABLE} (file_name VARCHAR, "
        "source_row_number BIGINT, rule_id VARCHAR, rule_description VARCHAR, "
        "column_name VARCHAR, value VARCHAR, record_key VARCHAR)"
    )
    con.execute(f"DELETE FROM {QUARANTINE_TABLE} WHERE file_name = ?", [filename])

    to_quarantine: list[tuple[Check, str]] = []
    warnings: dict[str, int] = {}
    for check in row_checks(raw_file):
        where = f"coalesce(({check.violation}), false)"
        decided = action(check.kind, raw_file)
        if decided == "block":
            block(check.rule_id, where, POLICY_BY_KIND[check.kind].description)
        elif decided == "warn":
            count = con.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0]
            if count:
                warnings[check.rule_id] = count
        else:
            to_quarantine.append((check, where))

    # exact duplicates: keep the first copy
    data_columns = ", ".join(quote_identifier(c.name) for c in raw_file.columns)
    duplicate = Check("duplicate_row", "duplicate_row", None, "")
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _duplicates AS SELECT source_row_number FROM {table} "
        f"QUALIFY row_number() OVER (PARTITION BY {data_columns} ORDER BY source_row_number) > 1"
    )
    duplicates = "source_row_number IN (SELECT source_row_number FROM _duplicates)"
    for check, where in [*to_quarantine, (duplicate, duplicates)]:
        single_column = check.column and "," not in check.column
        value = f"cast({quote_identifier(check.column)} as varchar)" if single_column else "NULL"
        con.execute(
            f"INSERT INTO {QUARANTINE_TABLE} "
            f"SELECT ?, source_row_number, ?, ?, ?, {value}, {key_expr} FROM {table} WHERE {where}",
            [filename, check.rule_id, POLICY_BY_KIND[check.kind].description, check.column],
        )
    quarantined = dict(
        con.execute(
            f"SELECT rule_id, count(*) FROM {QUARANTINE_TABLE} WHERE file_name = ? "
            "GROUP BY 1 ORDER BY 1",
            [filename],
        ).fetchall()
    )
    # rows set aside by a rule across files (a form of a journey the journeys file set aside or
    # lacks, an exit form dated a day after discharge) say nothing of this file's columns being
    # swapped: the contract sets them aside whatever their share, so they are not counted here
    rows_out, own_rows_out = con.execute(
        f"SELECT count(DISTINCT source_row_number), count(DISTINCT source_row_number) "
        f"FILTER (WHERE rule_id NOT LIKE 'related:%') FROM {QUARANTINE_TABLE} "
        "WHERE file_name = ?",
        [filename],
    ).fetchone()
    if total and own_rows_out / total > QUARANTINE_LIMIT:
        own = {r: n for r, n in quarantined.items() if not r.startswith("related:")}
        worst = max(own, key=own.get)
        examples = [
            _example(r, keys[0] if len(keys) == 1 else None)
            for r in con.execute(
                f"SELECT source_row_number, value, record_key FROM {QUARANTINE_TABLE} "
                "WHERE file_name = ? AND rule_id = ? ORDER BY source_row_number LIMIT ?",
                [filename, worst, EXAMPLES],
            ).fetchall()
        ]
        raise QualityError(
            filename,
            "quarantine_share",
            own_rows_out,
            examples,
            f"{own_rows_out} of {total} rows would be quarantined, mostly for {worst}; "
            "is a column swapped or shifted?",
        )
    con.execute(
        f"DELETE FROM {table} WHERE source_row_number IN "
        f"(SELECT source_row_number FROM {QUARANTINE_TABLE} WHERE file_name = ?)",
        [filename],
    )
    con.execute("DROP TABLE _duplicates")
    # the same key twice with different content (exact copies were quarantined above)
    if keys:
        key_list = ", ".join(quote_identifier(k) for k in keys)
        block(
            f"conflicting_key:{'+'.join(keys)}",
            f"source_row_number IN (SELECT source_row_number FROM {table} "
            f"QUALIFY count(*) OVER (PARTITION BY {key_list}) > 1)",
            "the same key appears twice with different content",
        )
    return QualityResult(quarantined, warnings, total - rows_out)
