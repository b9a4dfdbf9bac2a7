"""dbt's tests in plain words: what each one checks (the asset check's description in the UI)
and, when one warns or fails, which rows (the check's result, the console line of the refresh).

A test's words are its YAML `description` where it has one; a singular test's, the comment at
the head of its SQL file; otherwise they are made from the test's name and arguments (unique,
not_null, accepted_values, relationships, and the project's grain and expression_is_true).

Failing rows are read with the test's compiled query (dbt's run_results.json) once dbt has
finished with the warehouse. They are listed only for the marts and the seeds, which hold
aggregates and lookups; a test on a staging or intermediate model (record-level rows) gives
its count alone. A test may say how a failing row reads: `config: meta: failing_row:` is a
format string over the row's columns (numbers already rounded), e.g.
"ONS {ons_rate} outside {warehouse_lower_95} to {warehouse_upper_95}"; the row's key (the
model's grain, with area names) comes first.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

from pipelines.warehouse import AREAS, MARTS_SCHEMA

SHOWN_ROWS = 5
# the metadata a failing dbt check carries: its rows (restricted: the Dagster storage and the
# console only, never the shareable run record) and the query that finds them all
FAILING_ROWS_KEY = "failing_rows"
FAILING_ROWS_QUERY_KEY = "failing_rows_query"
FAILING_ROW_META = "failing_row"
# the layers whose rows are aggregates or lookups: their failing rows can be listed
LISTED_LAYERS = (MARTS_SCHEMA, "reference")
RESTRICTED_FOLDER = "restricted"  # marts/restricted/: the warehouse's own, never published

_REF = re.compile(r"""\{\{\s*ref\(\s*['"]([^'"]+)['"]\s*\)\s*\}\}|ref\(\s*['"]([^'"]+)['"]\s*\)""")


def _nodes(manifest: Mapping[str, Any]) -> Mapping[str, Any]:
    return manifest.get("nodes", {})


def tested_node(manifest: Mapping[str, Any], test: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The model or seed a test is attached to (a singular test: the first it reads)."""
    unique_id = test.get("attached_node") or next(iter(test["depends_on"]["nodes"]), None)
    return _nodes(manifest).get(unique_id) if unique_id else None


def _ref_name(text: str) -> str:
    """`ref('dim_metric')` (or its Jinja) -> dim_metric, in an argument or an expression."""
    return _REF.sub(lambda m: m.group(1) or m.group(2), text).strip()


def _listed(values: Sequence[Any]) -> str:
    words = [str(v) for v in values]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _and(values: Sequence[Any]) -> str:
    words = [str(v) for v in values]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _header_comment(raw_code: str) -> str:
    """The `--` comment lines at the head of a singular test's SQL, as one paragraph."""
    lines = []
    for line in raw_code.lstrip().splitlines():
        if not line.startswith("--"):
            break
        lines.append(line[2:].strip())
    return " ".join(line for line in lines if line)


def _generated(test: Mapping[str, Any], model: str) -> str | None:
    metadata = test.get("test_metadata") or {}
    kind = metadata.get("name")
    kwargs = metadata.get("kwargs") or {}
    column = kwargs.get("column_name")
    if kind == "unique":
        return f"Every value of {column} in {model} is different."
    if kind == "not_null":
        return f"{column} is never empty in {model}."
    if kind == "accepted_values":
        return (
            f"{column} in {model} only takes the values {_listed(kwargs.get('values', []))} "
            "(or is empty)."
        )
    if kind == "relationships":
        target = _ref_name(str(kwargs.get("to", "")))
        return f"Every {column} in {model} is a {kwargs.get('field')} of {target} (or is empty)."
    if kind == "grain":
        keys = kwargs.get("key_columns", [])
        text = f"No two rows of {model} have the same {_and(keys)}"
        required = kwargs.get("not_null_columns") or []
        if required:
            text += f", and {_and(required)} {'is' if len(required) == 1 else 'are'} never empty"
        return text + "."
    if kind == "expression_is_true":
        expression = " ".join(_ref_name(str(kwargs.get("expression", ""))).split())
        return f"Every row of {model} satisfies: {expression}."
    if kind:  # a test of a package (dbt_utils, dbt_expectations...): its name and arguments
        arguments = ", ".join(
            f"{name} {_ref_name(str(value))}"
            for name, value in kwargs.items()
            if name != "model" and value not in (None, [], {})
        )
        words = kind.replace("_", " ")
        return f"{model}: {words}" + (f" ({arguments})" if arguments else "") + "."
    return None


def describe_test(manifest: Mapping[str, Any], test: Mapping[str, Any]) -> str:
    """What a dbt test checks, in plain words; a warning says it does not stop the refresh."""
    node = tested_node(manifest, test)
    model = node["name"] if node else "the model"
    text = " ".join((test.get("description") or "").split())
    if not text and not test.get("test_metadata"):  # a singular test: its file's own words
        text = _header_comment(test.get("raw_code") or "")
    if not text:
        text = _generated(test, model) or f"dbt test {test['name']} on {model}."
    if (test.get("config") or {}).get("severity", "error").lower() == "warn":
        text += " A warning: a failure is reported, it does not stop the refresh."
    return text


def described_check_spec(
    spec: dg.AssetCheckSpec, manifest: Mapping[str, Any], unique_id: str
) -> dg.AssetCheckSpec:
    """The spec dagster-dbt made for a test, with the test's words as its description."""
    return dg.AssetCheckSpec(
        name=spec.name,
        asset=spec.asset_key,
        description=describe_test(manifest, _nodes(manifest)[unique_id]),
        additional_deps=spec.additional_deps,
        blocking=spec.blocking,
        metadata=spec.metadata,
        automation_condition=spec.automation_condition,
        partitions_def=spec.partitions_def,
    )


# -- the rows of a test that warned or failed ------------------------------------------------------
def _number(value: float) -> str:
    if value != value:  # NaN
        return "NaN"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.1f}"
    return f"{value:.3g}"


def _word(value: Any) -> str:
    """A value as a person reads it: rates to one decimal, dates as dates, empty for NULL."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float | Decimal):
        return _number(float(value))
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _grain_key(manifest: Mapping[str, Any], node_id: str) -> list[str]:
    """The key columns of a model's grain test (the project's `grain`, or `unique`)."""
    for test in _nodes(manifest).values():
        if test.get("resource_type") != "test" or test.get("attached_node") != node_id:
            continue
        metadata = test.get("test_metadata") or {}
        if metadata.get("name") == "grain":
            return list(metadata["kwargs"].get("key_columns", []))
    for test in _nodes(manifest).values():
        metadata = test.get("test_metadata") or {}
        if test.get("attached_node") == node_id and metadata.get("name") == "unique":
            return [metadata["kwargs"]["column_name"]]
    return []


def _area_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    try:
        return dict(con.execute(f"SELECT area_code, area_name FROM {AREAS}").fetchall())
    except duckdb.Error:
        return {}  # not built (the build stopped before it): codes alone


def _row_words(
    row: Mapping[str, Any],
    key: list[str],
    named: list[str],
    template: str | None,
    areas: Mapping[str, str],
) -> str:
    def word(column: str) -> str:
        value = row[column]
        if column.endswith("area_code") and value in areas:
            return f"{areas[value]} ({value})"
        return _word(value)

    key = [c for c in key if c in row]
    head = ", ".join(word(c) for c in key)
    if template:
        try:
            return (f"{head}: " if head else "") + template.format_map(
                {column: word(column) for column in row}
            )
        except (KeyError, IndexError, ValueError):
            pass  # a column the query does not return: the columns instead
    rest = [c for c in (named or row) if c in row and c not in key][:6]
    shown = ", ".join(f"{c} {word(c)}" for c in rest)
    return ": ".join(part for part in (head, shown) if part)


def failing_rows(
    warehouse: Path, manifest: Mapping[str, Any], test_id: str, compiled_sql: str | None
) -> tuple[list[str], str | None]:
    """Up to SHOWN_ROWS failing rows of a test, in words, and why none are listed (a
    record-level model, no query, or a query that does not run)."""
    test = _nodes(manifest).get(test_id)
    node = tested_node(manifest, test) if test else None
    if node is None or not compiled_sql:
        return [], "the test's query is not known"
    layer = "reference" if node["resource_type"] == "seed" else (node.get("fqn") or [""] * 2)[1]
    if layer not in LISTED_LAYERS:
        return [], f"{node['name']} holds record-level rows: not listed here"
    if RESTRICTED_FOLDER in (node.get("fqn") or []):  # never published: exact small counts
        return [], f"{node['name']} is restricted (exact counts): not listed here"
    metadata = test.get("test_metadata") or {}
    kwargs = metadata.get("kwargs") or {}
    mentioned = " ".join(str(kwargs.get(k, "")) for k in ("expression", "column_name"))
    template = ((test.get("config") or {}).get("meta") or {}).get(FAILING_ROW_META)
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as error:
        return [], f"the warehouse could not be read ({error})"
    try:
        relation = con.execute(
            f"SELECT * FROM ({compiled_sql.strip().rstrip(';')}) AS failing "
            f"ORDER BY ALL LIMIT {SHOWN_ROWS}"
        )
        columns = [d[0] for d in relation.description]
        rows = [dict(zip(columns, values, strict=True)) for values in relation.fetchall()]
        areas = _area_names(con)
    except duckdb.Error as error:
        return [], f"the test's query did not run ({str(error).splitlines()[0]})"
    finally:
        con.close()
    key = _grain_key(manifest, node["unique_id"]) or columns[:1]
    named = [c for c in columns if re.search(rf"\b{re.escape(c)}\b", mentioned)]
    return [_row_words(row, key, named, template, areas) for row in rows], None


def _rows_sentence(count: int | None, rows: list[str], why_not: str | None) -> str:
    how_many = (
        "rows fail" if count is None else f"{count:,} row{' fails' if count == 1 else 's fail'}"
    )
    if rows:
        first = "" if count is not None and count <= len(rows) else f", the first {len(rows)}"
        return f"{how_many}{first}: " + "; ".join(rows)
    return f"{how_many} ({why_not})" if why_not else how_many


def with_failing_rows(
    result: dg.AssetCheckResult,
    warehouse: Path,
    manifest: Mapping[str, Any],
    compiled: Mapping[str, str],
) -> dg.AssetCheckResult:
    """A failed check result of a dbt test, with its failing rows in its description and
    metadata (`compiled`: each test's compiled query, by unique id)."""
    metadata = dict(result.metadata)
    unique_id = metadata.get("unique_id")
    test_id = getattr(unique_id, "value", unique_id)
    count = metadata.get("dagster_dbt/failed_row_count")
    count = getattr(count, "value", count)
    query = compiled.get(test_id) if test_id else None
    rows, why_not = failing_rows(warehouse, manifest, test_id, query) if test_id else ([], None)
    metadata[FAILING_ROWS_KEY] = dg.MetadataValue.json(rows)
    if query:
        metadata[FAILING_ROWS_QUERY_KEY] = dg.MetadataValue.md(f"```sql\n{query.strip()}\n```")
    return dg.AssetCheckResult(
        passed=result.passed,
        asset_key=result.asset_key,
        check_name=result.check_name,
        metadata=metadata,
        severity=result.severity,
        description=_rows_sentence(int(count) if count is not None else None, rows, why_not),
    )


def compiled_queries(run_results: Mapping[str, Any]) -> dict[str, str]:
    """Each test's compiled query, by unique id, from dbt's run_results.json."""
    return {
        result["unique_id"]: result["compiled_code"]
        for result in run_results.get("results", [])
        if result.get("compiled_code") and result["unique_id"].startswith("test.")
    }
