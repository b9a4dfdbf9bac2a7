"""The same numbers at any scale: an area's figures do not depend on which other areas are in
the raw folder. The sample's six areas (and LLR) are refreshed alone (the shared refresh) and
again with eight more authorities' data merged into the same files; every published number of
those areas must be identical."""

import csv
import shutil

import pandas as pd

from pipelines import sample
from tests.conftest import SAMPLE_RAW_DIR, run_refresh_in

KEY = ["metric_id", "area_code", "breakdown", "period_end_date"]
NUMBERS = [
    "numerator",
    "denominator",
    "value",
    "lower_95",
    "upper_95",
    "lower_998",
    "upper_998",
    "is_suppressed",
    "is_provisional",
    "comparison_to_england",
]


def append_rows(source, target):
    with source.open(newline="") as handle:
        rows = list(csv.reader(handle))
    with target.open(newline="") as handle:
        header = next(csv.reader(handle))
    assert rows[0] == header
    with target.open("a", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows[1:])


def test_adding_areas_changes_no_other_areas_numbers(refreshed, tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLE_RAW_DIR, raw)
    extra = tmp_path / "extra"
    sample.generate_national(extra, areas=8, scale=0.05, seed=7)
    for path in extra.glob("*.csv"):
        append_rows(path, raw / path.name)

    outcome = run_refresh_in(raw, tmp_path / "warehouse.duckdb", tmp_path / "marts")
    assert outcome.success, outcome.explanation()

    alone = pd.read_parquet(refreshed.settings.marts_dir / "fct_outcomes.parquet")
    together = pd.read_parquet(outcome.settings.marts_dir / "fct_outcomes.parquet")
    assert together.area_code.nunique() == alone.area_code.nunique() + 8
    together = together[together.area_code.isin(set(alone.area_code))]
    left = alone.sort_values(KEY).reset_index(drop=True)[KEY + NUMBERS]
    right = together.sort_values(KEY).reset_index(drop=True)[KEY + NUMBERS]
    pd.testing.assert_frame_equal(left, right, check_exact=False, rtol=1e-12)
