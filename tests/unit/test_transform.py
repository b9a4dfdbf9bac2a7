"""The dbt resource's shortcuts and the per-warehouse dbt target folders."""

import json
import subprocess
import sys

import duckdb

from pipelines import settings, transform
from pipelines.refresh import RefreshOutcome
from pipelines.transform import (
    dbt_resource,
    prepare_warehouse_target,
    project_fingerprint,
    warehouse_target_path,
)


def test_dbt_version_from_the_package_is_the_one_dbt_reports():
    resource = dbt_resource()
    reported = subprocess.run(
        [resource.dbt_executable, "--version"], capture_output=True, text=True, check=True
    ).stdout
    assert f"installed: {resource._cli_version}" in reported


# the dbt assets' specs and checks, as JSON, with dbt-core imported first (as dagster-dbt would
# use it) or not (as pipelines/transform.py imports dagster-dbt)
_SPECS = """
import json, re, sys
if sys.argv[1] == "with-dbt-core":
    import dbt.version
from pipelines.transform import cdap_dbt_models
import dagster_dbt.compat
def described(value):  # objects without their addresses
    return re.sub(r" at 0x[0-9a-f]+", "", str(value))
specs = sorted(
    (s.key.to_user_string(), s.group_name, sorted(d.asset_key.to_user_string() for d in s.deps),
     sorted((k, described(v)) for k, v in s.metadata.items()), s.description, s.tags,
     str(s.code_version), sorted(s.kinds))
    for s in cdap_dbt_models.specs
)
checks = sorted(
    (c.key.to_user_string(), c.blocking, str(c.additional_deps), c.description, str(c.metadata))
    for c in cdap_dbt_models.check_specs
)
print(json.dumps([dagster_dbt.compat.DBT_PYTHON_VERSION is None, specs, checks]))
"""


def test_dagster_dbt_makes_the_same_assets_and_checks_without_dbt_core():
    def specs(mode: str) -> list:
        return json.loads(
            subprocess.run(
                [sys.executable, "-c", _SPECS, mode], capture_output=True, text=True, check=True
            ).stdout
        )

    hidden, with_dbt_core = specs("hidden"), specs("with-dbt-core")
    assert hidden[0] and not with_dbt_core[0]  # dagster-dbt saw dbt-core in one only
    assert len(hidden[1]) > 40 and len(hidden[2]) > 80
    assert hidden[1:] == with_dbt_core[1:]


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


def test_project_fingerprint_is_stable():
    assert project_fingerprint() == project_fingerprint()
    assert len(project_fingerprint()) == 64


def _outcome(tmp_path, has_published_marts):
    paths = settings.Settings(
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
    assert transform.loaded_seeds(warehouse) is None  # no warehouse yet
    duckdb.connect(str(warehouse)).close()
    assert transform.loaded_seeds(warehouse) is None  # a warehouse that never recorded them
    fingerprint = transform.seeds_fingerprint()
    transform.record_seeds(warehouse, fingerprint)
    assert transform.loaded_seeds(warehouse) == fingerprint
    transform.record_seeds(warehouse, None)  # a build that has not finished loading them
    assert transform.loaded_seeds(warehouse) is None
    assert len(fingerprint) == 64 and fingerprint == transform.seeds_fingerprint()
