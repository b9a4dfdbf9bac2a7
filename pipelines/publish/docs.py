"""The documentation page published with the marts (dbt_docs.html): dbt's docs of the project,
plus the tables the publication makes in Python, which dbt does not know of.

dbt's static page is its index.html with the manifest and the catalog written into it (what
`dbt docs generate --static` does). Here the manifest gets a node for each Python-made table
first (fct_neighbour_comparison: its description, its columns with their descriptions and
types, its SQL, and its lineage from the published tables it is made of), then the page is
written the same way.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipelines import config
from pipelines.disclosure.shareable import OUTCOMES_MART
from pipelines.publish import neighbours

# what dbt's index.html holds in place of the two documents (dbt's `generate --static`)
MANIFEST_PLACEHOLDER = '"MANIFEST.JSON INLINE DATA"'
CATALOG_PLACEHOLDER = '"CATALOG.JSON INLINE DATA"'
# where the Python-made tables are: the BI DuckDB file of the publication
PUBLISHED_DATABASE = Path(config.PUBLISHED_DUCKDB_NAME).stem
PUBLISHED_SCHEMA = "main"


def python_made_sources() -> list[Path]:
    """The files the Python-made tables' documentation comes from, this module included (a
    new page when they change)."""
    return [Path(__file__), Path(neighbours.__file__), neighbours.COMPARISON_SQL]


def _neighbour_comparison_node(
    manifest: Mapping[str, Any], column_types: Mapping[str, str]
) -> dict[str, Any]:
    project = manifest["metadata"].get("project_name") or "cdap_outcomes"
    made_from = [
        node_id
        for node_id, node in manifest["nodes"].items()
        if node.get("resource_type") == "model"
        and node["name"] in (OUTCOMES_MART, neighbours.METRICS_MART, neighbours.COMPARATORS_MART)
    ]
    relation = f'"{PUBLISHED_DATABASE}"."{PUBLISHED_SCHEMA}"."{neighbours.TABLE}"'
    sql = neighbours.comparison_sql()
    source = neighbours.COMPARISON_SQL.relative_to(config.PROJECT_ROOT).as_posix()
    return {
        "database": PUBLISHED_DATABASE,
        "schema": PUBLISHED_SCHEMA,
        "name": neighbours.TABLE,
        "resource_type": "model",
        "package_name": project,
        "path": f"publication/{neighbours.TABLE}.sql",
        "original_file_path": source,
        "unique_id": neighbour_comparison_id(manifest),
        "fqn": [project, "publication", neighbours.TABLE],
        "alias": neighbours.TABLE,
        "checksum": {"name": "none", "checksum": ""},
        "config": {
            "enabled": True,
            "materialized": "table",
            "schema": PUBLISHED_SCHEMA,
            "tags": [],
            "meta": {"made_by": "pipelines/publish/neighbours.py, after disclosure control"},
            "docs": {"show": True, "node_color": None},
        },
        "tags": [],
        "description": neighbours.DESCRIPTION
        + " Made by the publication in Python (pipelines/publish/neighbours.py) from the "
        "published fct_outcomes, dim_metric and dim_comparator, after disclosure control; it "
        f"is in the published {config.PUBLISHED_DUCKDB_NAME} and as "
        f"{neighbours.TABLE}.parquet, not in the warehouse.",
        "columns": {
            name: {
                "name": name,
                "description": text,
                "meta": {},
                "data_type": column_types.get(name),
                "constraints": [],
                "quote": None,
                "config": {"meta": {}, "tags": []},
                "tags": [],
                "granularity": None,
                "doc_blocks": [],
            }
            for name, text in neighbours.COLUMNS.items()
        },
        "meta": {},
        "group": None,
        "docs": {"show": True, "node_color": None},
        "patch_path": None,
        "build_path": None,
        "unrendered_config": {},
        "relation_name": relation,
        "raw_code": sql,
        "compiled_code": sql,
        "compiled": True,
        "doc_blocks": [],
        "language": "sql",
        "refs": [
            {"name": made_from_id.split(".")[-1], "package": None, "version": None}
            for made_from_id in made_from
        ],
        "sources": [],
        "metrics": [],
        "functions": [],
        "depends_on": {"macros": [], "nodes": made_from},
        "contract": {"enforced": False, "alias_types": True, "checksum": None},
        "access": "protected",
        "constraints": [],
        "version": None,
        "latest_version": None,
        "deprecation_date": None,
        "primary_key": ["metric_id", "area_code", "period_end_date"],
        "time_spine": None,
        "extra_ctes_injected": True,
        "extra_ctes": [],
    }


def neighbour_comparison_id(manifest: Mapping[str, Any]) -> str:
    project = manifest["metadata"].get("project_name") or "cdap_outcomes"
    return f"model.{project}.{neighbours.TABLE}"


def with_python_made_tables(
    manifest: dict[str, Any], column_types: Mapping[str, str]
) -> dict[str, Any]:
    """The manifest with a node for each table the publication makes in Python, in the
    lineage after the tables it is made of."""
    node = _neighbour_comparison_node(manifest, column_types)
    unique_id = node["unique_id"]
    manifest["nodes"][unique_id] = node
    manifest.setdefault("parent_map", {})[unique_id] = list(node["depends_on"]["nodes"])
    manifest.setdefault("child_map", {})[unique_id] = []
    for parent in node["depends_on"]["nodes"]:
        manifest["child_map"].setdefault(parent, []).append(unique_id)
    return manifest


def with_python_made_types(
    catalog: dict[str, Any], manifest: Mapping[str, Any], column_types: Mapping[str, str]
) -> dict[str, Any]:
    """The catalog (where the page reads column types) with the Python-made tables' types, as
    they are in the published file."""
    if column_types:
        catalog.setdefault("nodes", {})[neighbour_comparison_id(manifest)] = {
            "unique_id": neighbour_comparison_id(manifest),
            "metadata": {
                "type": "BASE TABLE",
                "schema": PUBLISHED_SCHEMA,
                "name": neighbours.TABLE,
                "database": PUBLISHED_DATABASE,
                "comment": neighbours.DESCRIPTION,
                "owner": None,
            },
            "columns": {
                name: {"type": kind, "index": index, "name": name, "comment": None}
                for index, (name, kind) in enumerate(column_types.items(), start=1)
            },
            "stats": {},
        }
    return catalog


def static_page(target: Path, column_types: Mapping[str, str]) -> str:
    """The one-file docs page from what `dbt docs generate` wrote in `target` (index.html,
    manifest.json, catalog.json), with the Python-made tables."""
    index = (target / "index.html").read_text(encoding="utf-8")
    if MANIFEST_PLACEHOLDER not in index or CATALOG_PLACEHOLDER not in index:
        raise ValueError(
            f"{target / 'index.html'} does not hold dbt's placeholders for the manifest and "
            "the catalog: this version of dbt writes its docs page another way"
        )
    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    catalog = json.loads((target / "catalog.json").read_text(encoding="utf-8"))
    manifest = with_python_made_tables(manifest, column_types)
    catalog = with_python_made_types(catalog, manifest, column_types)
    # the catalog first: the manifest (descriptions, SQL) could hold any text, and is not
    # searched once it is in
    page = index.replace(CATALOG_PLACEHOLDER, json.dumps(catalog), 1)
    return page.replace(MANIFEST_PLACEHOLDER, json.dumps(manifest), 1)
