"""The dbt project's per-warehouse target folders, fingerprints and seeds record."""

import shutil

import duckdb

from pipelines import config
from pipelines.run import RefreshOutcome
from pipelines.transform import project
from pipelines.transform.project import prepare_warehouse_target, warehouse_target_path


def test_one_target_folder_per_warehouse_and_gone_with_it(tmp_path):
    kept, removed = tmp_path / "kept.duckdb", tmp_path / "removed.duckdb"
    kept.touch()
    removed.touch()
    assert warehouse_target_path(kept) == warehouse_target_path(tmp_path / "." / "kept.duckdb")
    assert warehouse_target_path(kept) != warehouse_target_path(removed)
    removed_folder = prepare_warehouse_target(removed)
    assert removed_folder.is_dir()
    removed.unlink()
    kept_folder = prepare_warehouse_target(kept)
    assert kept_folder.is_dir() and not removed_folder.exists()
    kept.unlink()
    prepare_warehouse_target(tmp_path / "other.duckdb")  # removes kept_folder as well
    assert not kept_folder.exists()


def test_the_project_fingerprint_follows_every_source_file(tmp_path, monkeypatch):
    """The docs page is reused while the fingerprint stands: any edit to a model, macro, seed,
    test or the project's configuration must change it; files dbt writes must not."""
    copy = tmp_path / "dbt_project"
    for name in ("models/marts", "macros", "seeds"):
        shutil.copytree(config.DBT_PROJECT_DIR / name, copy / name)
    shutil.copy(config.DBT_PROJECT_DIR / "dbt_project.yml", copy / "dbt_project.yml")
    monkeypatch.setattr(project, "DBT_PROJECT_DIR", copy)
    before = project.project_fingerprint()
    (copy / "target").mkdir()
    (copy / "target" / "manifest.json").write_text("{}")
    assert project.project_fingerprint() == before  # dbt's own output does not count
    model = copy / "models" / "marts" / "dim_area.sql"
    model.write_text(model.read_text() + "\n-- a comment\n")
    after_model = project.project_fingerprint()
    assert after_model != before
    seed = copy / "seeds" / "areas.csv"
    seed.write_text(seed.read_text() + "\n")
    assert project.project_fingerprint() not in (before, after_model)


def _outcome(tmp_path, has_published_marts):
    paths = config.Settings(
        raw_dir=tmp_path / "raw", warehouse=tmp_path / "w.duckdb", marts_dir=tmp_path / "marts"
    )
    return RefreshOutcome(
        False,
        paths,
        "run",
        ["step published__dbt_docs: dbt failed"],
        report_path=tmp_path / "marts" / "data_quality_report.md",
        has_published_marts=has_published_marts,
    )


def test_a_failure_after_the_publication_does_not_say_nothing_was_published(tmp_path):
    text = _outcome(tmp_path, has_published_marts=True).explanation()
    assert "were published" in text and "published__dbt_docs" in text
    assert "Nothing was published" not in text


def test_a_failure_before_the_publication_says_nothing_was_published(tmp_path):
    text = _outcome(tmp_path, has_published_marts=False).explanation()
    assert "Nothing was published" in text and "published__dbt_docs" in text


def test_the_warehouse_records_the_seeds_it_holds(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    assert project.loaded_seeds(warehouse) is None  # no warehouse yet
    duckdb.connect(str(warehouse)).close()
    assert project.loaded_seeds(warehouse) is None  # a warehouse that never recorded them
    fingerprint = project.seeds_fingerprint()
    project.record_seeds(warehouse, fingerprint)
    assert project.loaded_seeds(warehouse) == fingerprint
    project.record_seeds(warehouse, None)  # a build that has not finished loading them
    assert project.loaded_seeds(warehouse) is None
    assert len(fingerprint) == 64 and fingerprint == project.seeds_fingerprint()


def test_a_full_disk_is_said_in_plain_words(tmp_path):
    from pipelines.run import plain_words

    said = plain_words('IO Error: Could not write file "w.duckdb.wal": No space left on device')
    assert said.startswith("the disk is full") and "Free some space" in said
    paths = config.Settings(
        raw_dir=tmp_path / "raw", warehouse=tmp_path / "w.duckdb", marts_dir=tmp_path / "marts"
    )
    outcome = RefreshOutcome(False, paths, "run", [f"step cdap_dbt_models: {said}"])
    assert "Fix the input" not in outcome.explanation()
    assert "Nothing was published" in outcome.explanation()
    assert plain_words("a cell is not a date") == "a cell is not a date"
