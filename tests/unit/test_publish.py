"""The atomic publication and the marts it publishes, on small hand-made warehouses
(disclosure control itself: test_disclosure.py)."""

import json
import os
from pathlib import Path

import duckdb
import pytest

from pipelines.config import DEFAULT_HOME_AREA
from pipelines.disclosure.shareable import PublishedMart, published_marts
from pipelines.publish import files as publish


def make_warehouse(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE TABLE marts.dim_thing AS SELECT 1 AS id")
    con.close()


def test_failed_publication_leaves_previous_files_untouched(tmp_path, monkeypatch):
    warehouse, marts_dir = tmp_path / "w.duckdb", tmp_path / "marts"
    make_warehouse(warehouse)
    marts = [PublishedMart("dim_thing", "marts.dim_thing", "reference", ())]
    publish.publish(warehouse, marts_dir, marts, home_area=DEFAULT_HOME_AREA)
    before = {p.name: p.read_bytes() for p in marts_dir.iterdir()}

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        publish.publish(warehouse, marts_dir, marts, home_area=DEFAULT_HOME_AREA)
    after = {p.name: p.read_bytes() for p in marts_dir.iterdir()}
    assert after == before  # and no temporary folder left behind


def test_marts_without_disclosure_meta_are_refused(tmp_path):
    manifest = tmp_path / "manifest.json"
    manifest.write_text(
        '{"nodes": {"model.x.fct_new": {"resource_type": "model", "fqn": ["x", "marts", "fct_new"],'
        ' "name": "fct_new", "alias": "fct_new", "schema": "marts",'
        ' "config": {"meta": {"publish": true}}}}}'
    )
    with pytest.raises(ValueError, match="fct_new"):
        published_marts(manifest)


def test_a_marts_folder_from_before_is_kept_and_replaced_by_the_link(tmp_path):
    """The first publication into a real marts folder (an earlier version's) moves it beside
    the others, then publishes by the link; clean() keeps the last three and the current."""
    from pipelines.publish import folders

    marts = tmp_path / "marts"
    marts.mkdir()
    (marts / "fct_outcomes.parquet").write_text("old")
    (marts / ".publishing-0123").mkdir()  # what an earlier version left when stopped
    for n in range(5):
        stage = folders.new_stage(marts, f"run{n}")
        (stage / "fct_outcomes.parquet").write_text(f"new {n}")
        folders.switch(marts, stage)
        folders.clean(marts)
        assert marts.is_symlink() and (marts / "fct_outcomes.parquet").read_text() == f"new {n}"
    kept = sorted(p.name for p in folders.publications_dir(marts).iterdir())
    assert len(kept) == folders.KEEP and kept[-1].endswith("run4")
    assert not any(p.name.endswith("earlier") for p in folders.publications_dir(marts).iterdir())
    assert folders.current(marts).name == kept[-1]


def dbt_target(folder: Path, index: str) -> Path:
    """What `dbt docs generate` leaves in a target folder, in small."""
    folder.mkdir()
    (folder / "index.html").write_text(index)
    nodes = {
        f"model.cdap_outcomes.{name}": {"name": name, "resource_type": "model"}
        for name in ("fct_outcomes", "dim_metric", "dim_comparator", "dim_area")
    }
    manifest = {
        "metadata": {"project_name": "cdap_outcomes"},
        "nodes": nodes,
        "parent_map": {},
        "child_map": {},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    (folder / "catalog.json").write_text(json.dumps({"metadata": {}, "nodes": {}}))
    return folder


def test_the_docs_page_holds_the_tables_made_in_python(tmp_path):
    from pipelines.publish import docs, neighbours

    index = '<script>n={manifest:"MANIFEST.JSON INLINE DATA",catalog:"CATALOG.JSON INLINE DATA"}'
    page = docs.static_page(dbt_target(tmp_path / "target", index), {"metric_id": "varchar"})
    manifest = json.JSONDecoder().raw_decode(page, page.index("manifest:") + 9)[0]
    node = manifest["nodes"]["model.cdap_outcomes.fct_neighbour_comparison"]
    assert list(node["columns"]) == list(neighbours.COLUMNS)
    assert node["columns"]["metric_id"]["data_type"] == "varchar"
    assert sorted(node["depends_on"]["nodes"]) == [
        "model.cdap_outcomes.dim_comparator",
        "model.cdap_outcomes.dim_metric",
        "model.cdap_outcomes.fct_outcomes",
    ]
    assert "INLINE DATA" not in page


def test_a_docs_page_dbt_writes_another_way_is_refused_in_words(tmp_path):
    from pipelines.publish import docs

    target = dbt_target(tmp_path / "target", "<html>no placeholders</html>")
    with pytest.raises(ValueError, match="placeholders"):
        docs.static_page(target, {})
