"""Every asset check says what it checks, and a dbt test that warns or fails names its rows in
plain words (aggregates and lookups only: a record-level model gives its count alone)."""

import json

import dagster as dg
import duckdb
import pytest

from pipelines.config import Settings
from pipelines.definitions import build_definitions
from pipelines.transform import dbt_tests, project


@pytest.fixture(scope="module")
def definitions(tmp_path_factory):
    root = tmp_path_factory.mktemp("described")
    settings = Settings.build(root / "raw", root / "w.duckdb", root / "marts", environ={})
    project.prepare(settings)  # the manifest the dbt assets are built from
    return build_definitions(settings)


def check_specs(defs: dg.Definitions) -> dict[str, dg.AssetCheckSpec]:
    specs = [spec for assets in defs.assets for spec in assets.check_specs]
    specs += [spec for checks in defs.asset_checks for spec in checks.check_specs]
    return {f"{spec.asset_key.to_user_string()}:{spec.name}": spec for spec in specs}


def test_every_asset_check_says_what_it_checks(definitions):
    specs = check_specs(definitions)
    manifest = json.loads(project.dbt_project().manifest_path.read_text())
    dbt_tests_count = sum(n["resource_type"] == "test" for n in manifest["nodes"].values())
    assert dbt_tests_count >= 90 and len(specs) > dbt_tests_count  # the dbt tests and the suites
    undescribed = [key for key, spec in specs.items() if not (spec.description or "").strip()]
    assert undescribed == []
    assert specs["reference/metric_catalogue:unique_metric_catalogue_metric_id"].description == (
        "Every value of metric_id in metric_catalogue is different."
    )
    assert specs["reference/areas:not_null_areas_area_code"].description == (
        "area_code is never empty in areas."
    )
    relationship = next(
        spec
        for key, spec in specs.items()
        if key.startswith("marts/fct_outcomes:relationships") and "dim_metric" in key
    )
    assert relationship.description == (
        "Every metric_id in fct_outcomes is a metric_id of dim_metric (or is empty)."
    )
    assert specs["marts/dim_area:dim_area_grain"].description == (
        "No two rows of dim_area have the same area_code, and area_code is never empty."
    )
    assert "only takes the values ons_within_interval, ons_outside_interval or not_comparable" in (
        specs[
            "marts/fct_ons_reconciliation:accepted_values_fct_ons_reconciliation_reconciliation"
            "_status__ons_within_interval__ons_outside_interval__not_comparable"
        ].description
    )
    # the YAML description, and a warning says it is one
    ons = specs["marts/fct_ons_reconciliation:ons_rate_within_warehouse_interval"].description
    assert ons.startswith("ONS's published rate lies inside the warehouse's 95% interval")
    assert ons.endswith("A warning: a failure is reported, it does not stop the refresh.")
    # a singular test: the comment at the head of its file
    singular = specs[
        "reference/exact_poisson_limits:assert_interval_methods_match_reference_vectors"
    ].description
    assert singular.startswith("The interval macros against test vectors with known answers")
    assert "--" not in singular
    # the Great Expectations suites keep theirs
    assert "Great Expectations suite raw_treatment_journeys" in (
        specs["raw/treatment_journeys:gx_raw_suite"].description
    )


def test_tests_of_other_packages_are_described_from_their_name_and_arguments():
    manifest = {"nodes": {"model.p.m": {"name": "fct_x", "resource_type": "model"}}}
    test = {
        "name": "dbt_utils_at_least_one_fct_x_value",
        "attached_node": "model.p.m",
        "depends_on": {"nodes": ["model.p.m"]},
        "test_metadata": {
            "name": "expect_column_values_to_be_between",
            "namespace": "dbt_expectations",
            "kwargs": {"column_name": "value", "min_value": 0, "model": "{{ ref('fct_x') }}"},
        },
        "config": {"severity": "ERROR"},
    }
    assert dbt_tests.describe_test(manifest, test) == (
        "fct_x: expect column values to be between (column_name value, min_value 0)."
    )


# -- failing rows, on a small hand-made warehouse --------------------------------------------------
def small_manifest(template: str | None = None) -> dict:
    def test(name, node, kind, kwargs, meta=None):
        return {
            "unique_id": f"test.p.{name}",
            "name": name,
            "resource_type": "test",
            "attached_node": node,
            "depends_on": {"nodes": [node]},
            "test_metadata": {"name": kind, "kwargs": kwargs},
            "config": {"severity": "warn", "meta": meta or {}},
        }

    nodes = {
        "model.p.fct_rec": {
            "unique_id": "model.p.fct_rec",
            "name": "fct_rec",
            "resource_type": "model",
            "fqn": ["p", "marts", "fct_rec"],
        },
        "model.p.stg_people": {
            "unique_id": "model.p.stg_people",
            "name": "stg_people",
            "resource_type": "model",
            "fqn": ["p", "staging", "stg_people"],
        },
    }
    for item in (
        test("rec_grain", "model.p.fct_rec", "grain", {"key_columns": ["area_code", "period"]}),
        test(
            "ons_inside",
            "model.p.fct_rec",
            "expression_is_true",
            {"expression": "status <> 'outside'"},
            {dbt_tests.FAILING_ROW_META: template} if template else None,
        ),
        test("ages", "model.p.stg_people", "expression_is_true", {"expression": "age < 120"}),
    ):
        nodes[item["unique_id"]] = item
    return {"nodes": nodes}


@pytest.fixture
def small_warehouse(tmp_path):
    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute(
        "create table marts.dim_area as select * from (values "
        "('E06000018', 'Nottingham'), ('E06000016', 'Leicester')) t(area_code, area_name)"
    )
    con.execute(
        "create table marts.fct_rec as select * from (values "
        "('E06000018', '2022-2024', 9.2, 4.3454, 7.4811, 'outside'), "
        "('E06000016', '2022-2024', 10.0, 8.0, 12.0, 'inside'), "
        "('E99999999', '2021-2023', 0.25, 0.5, 0.75, 'outside')) "
        "t(area_code, period, ons_rate, lower_95, upper_95, status)"
    )
    con.execute("create table stg_people as select 'P123' as client_id, 130 as age")
    con.close()
    return path


QUERY = "select * from marts.fct_rec where not (status <> 'outside')"


def test_a_failing_row_reads_as_its_key_with_area_names_then_the_tests_own_words(
    small_warehouse,
):
    manifest = small_manifest("ONS {ons_rate} outside {lower_95} to {upper_95}")
    rows, why_not = dbt_tests.failing_rows(small_warehouse, manifest, "test.p.ons_inside", QUERY)
    assert why_not is None
    assert rows == [
        "Nottingham (E06000018), 2022-2024: ONS 9.2 outside 4.3 to 7.5",
        "E99999999, 2021-2023: ONS 0.25 outside 0.5 to 0.75",  # no name known: the code
    ]


def test_without_words_of_its_own_a_row_shows_the_columns_the_test_names(small_warehouse):
    rows, _ = dbt_tests.failing_rows(small_warehouse, small_manifest(), "test.p.ons_inside", QUERY)
    assert rows[0] == "Nottingham (E06000018), 2022-2024: status outside"


def test_a_record_level_model_gives_its_count_and_no_row(small_warehouse):
    manifest = small_manifest()
    query = "select * from stg_people where not (age < 120)"
    rows, why_not = dbt_tests.failing_rows(small_warehouse, manifest, "test.p.ages", query)
    assert rows == [] and "record-level" in why_not
    result = dg.AssetCheckResult(
        passed=False,
        asset_key=dg.AssetKey(["staging", "stg_people"]),
        check_name="ages",
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"unique_id": "test.p.ages", "dagster_dbt/failed_row_count": 1},
    )
    described = dbt_tests.with_failing_rows(
        result, small_warehouse, manifest, {"test.p.ages": query}
    )
    assert described.description.startswith("1 row fails (stg_people holds record-level rows")
    assert "P123" not in json.dumps(
        {k: str(v) for k, v in described.metadata.items() if k != "failing_rows_query"}
    )
    assert described.metadata[dbt_tests.FAILING_ROWS_KEY].value == []


def test_a_failed_check_result_carries_its_rows_and_query(small_warehouse):
    result = dg.AssetCheckResult(
        passed=False,
        asset_key=dg.AssetKey(["marts", "fct_rec"]),
        check_name="ons_inside",
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"unique_id": "test.p.ons_inside", "dagster_dbt/failed_row_count": 2},
    )
    manifest = small_manifest("ONS {ons_rate} outside {lower_95} to {upper_95}")
    described = dbt_tests.with_failing_rows(
        result, small_warehouse, manifest, {"test.p.ons_inside": QUERY}
    )
    assert described.description == (
        "2 rows fail: Nottingham (E06000018), 2022-2024: ONS 9.2 outside 4.3 to 7.5; "
        "E99999999, 2021-2023: ONS 0.25 outside 0.5 to 0.75"
    )
    assert described.metadata[dbt_tests.FAILING_ROWS_KEY].value[0].startswith("Nottingham")
    assert QUERY in described.metadata[dbt_tests.FAILING_ROWS_QUERY_KEY].value
    assert (described.passed, described.severity) == (False, dg.AssetCheckSeverity.WARN)


def test_more_rows_than_shown_say_so(small_warehouse):
    query = "select 'E06000016' as area_code, '2020' as period, range as n from range(12)"
    result = dg.AssetCheckResult(
        passed=False,
        asset_key=dg.AssetKey(["marts", "fct_rec"]),
        check_name="ons_inside",
        metadata={"unique_id": "test.p.ons_inside", "dagster_dbt/failed_row_count": 12},
    )
    described = dbt_tests.with_failing_rows(
        result, small_warehouse, small_manifest(), {"test.p.ons_inside": query}
    )
    assert described.description.startswith("12 rows fail, the first 5: Leicester (E06000016)")
    assert len(described.metadata[dbt_tests.FAILING_ROWS_KEY].value) == dbt_tests.SHOWN_ROWS


def test_the_run_record_of_a_stopped_refresh_leaves_a_failed_tests_rows_out(small_warehouse):
    """The console says which rows made a blocking dbt test fail; the run record beside the
    publication (shareable) gives their count alone: the rows are worked out on numbers the
    publication may hide."""
    from pipelines.run import failed_check_line

    result = dg.AssetCheckResult(
        passed=False,
        asset_key=dg.AssetKey(["marts", "fct_rec"]),
        check_name="ons_inside",
        metadata={"unique_id": "test.p.ons_inside", "dagster_dbt/failed_row_count": 2},
    )
    described = dbt_tests.with_failing_rows(
        result, small_warehouse, small_manifest(), {"test.p.ons_inside": QUERY}
    )
    evaluation = dg.AssetCheckEvaluation(
        asset_key=described.asset_key,
        check_name=described.check_name,
        passed=False,
        metadata=described.metadata,
        severity=described.severity,
        description=described.description,
    )
    assert failed_check_line(evaluation) == (
        "check ons_inside on marts/fct_rec failed: 2 rows fail: Nottingham (E06000018), "
        "2022-2024: status outside; E99999999, 2021-2023: status outside"
    )
    assert failed_check_line(evaluation, shareable=True) == (
        "check ons_inside on marts/fct_rec failed (2 rows)"
    )
