"""The same numbers at any scale: an area's figures do not depend on which other areas are in
the raw folder. The sample's areas (and LLR) are refreshed alone (the shared refresh) and again
with eight more authorities' data merged into the same files, and one of those eight is
refreshed from its own rows alone too: every number published for those areas must be the
same either way."""

import csv
import shutil

import pandas as pd
import pytest

from pipelines import synthetic
from pipelines.synthetic import police
from tests.conftest import SAMPLE_RAW_DIR, run_refresh_in
from tests.helpers import intruder

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


def rows_of_area(source, target, area_code, journey_ids=frozenset(), lsoas=frozenset()):
    """The rows of one area: by area_code; the TOP forms (no area_code) by their journeys; a
    police file by its LSOAs."""
    with source.open(newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        if "area_code" in header:
            column, wanted = header.index("area_code"), {area_code}
        elif "LSOA code" in header:
            column, wanted = header.index("LSOA code"), lsoas
        else:
            column, wanted = header.index("journey_id"), journey_ids
        rows = [row for row in reader if row[column] in wanted]
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([header, *rows])


def police_files(folder):
    """The street files of a raw folder's police.uk download, by their path in it."""
    return {p.relative_to(folder): p for p in sorted((folder / "police").rglob("*-street.csv"))}


def same_numbers(first: pd.DataFrame, second: pd.DataFrame) -> None:
    left = first.sort_values(KEY).reset_index(drop=True)[KEY + NUMBERS]
    right = second.sort_values(KEY).reset_index(drop=True)[KEY + NUMBERS]
    pd.testing.assert_frame_equal(left, right, check_exact=False, rtol=1e-12)


@pytest.fixture(scope="module")
def together(tmp_path_factory):
    """The sample with eight more authorities merged in, refreshed; and those eight's files."""
    root = tmp_path_factory.mktemp("together")
    raw = root / "raw"
    shutil.copytree(SAMPLE_RAW_DIR, raw)
    extra = root / "extra"
    synthetic.generate_national(extra, areas=8, scale=0.05, seed=7)
    for path in extra.glob("*.csv"):
        append_rows(path, raw / path.name)
    for relative, path in police_files(extra).items():  # their forces' files beside the sample's
        if (raw / relative).exists():
            append_rows(path, raw / relative)
        else:
            (raw / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, raw / relative)
    outcome = run_refresh_in(raw, root / "warehouse.duckdb", root / "marts")
    assert outcome.success, outcome.explanation()
    marts = outcome.settings.marts_dir
    return extra, pd.read_parquet(marts / "fct_outcomes.parquet"), marts


def test_adding_areas_changes_no_other_areas_numbers(refreshed, together):
    alone = pd.read_parquet(refreshed.settings.marts_dir / "fct_outcomes.parquet")
    merged = together[1]
    assert merged.area_code.nunique() == alone.area_code.nunique() + 8
    same_numbers(alone, merged[merged.area_code.isin(set(alone.area_code))])


def test_the_intruder_learns_nothing_from_a_generated_folder(together):
    # the tests' own intruder (written apart from the disclosure code) on a folder of eight
    # generated authorities beside the sample's
    findings = intruder.attack_all(intruder.load(together[2]))
    assert findings == [], findings[:5]


def test_an_added_area_alone_has_the_same_numbers(together, tmp_path):
    extra, merged, _ = together
    # The first area whose people have journeys there only (someone who moved is placed by
    # their latest journey, which the area's rows alone may not hold) and whose own journeys
    # reach the folder's as-of date (so that the metrics read from them have the same as-of
    # date, and the same provisional flags, either way).
    journeys = pd.read_csv(extra / "treatment_journeys.csv", dtype=str)
    moved = journeys.groupby("client_id").area_code.transform("nunique") > 1
    dates = journeys.melt(
        id_vars="area_code",
        value_vars=["referral_date", "triage_date", "treatment_start_date", "discharge_date"],
    )
    reaching = set(dates.loc[dates["value"] == dates["value"].max(), "area_code"])
    area_code = sorted(reaching - set(journeys.loc[moved, "area_code"]))[0]
    raw = tmp_path / "raw"
    raw.mkdir()
    journey_ids = set(journeys.loc[journeys.area_code == area_code, "journey_id"])
    for path in extra.glob("*.csv"):
        rows_of_area(path, raw / path.name, area_code, journey_ids)
    # the street files of the area's force, cut to the area's LSOAs (every month kept)
    lookup = pd.read_csv(extra / "lsoa_lookup.csv", dtype=str)
    lsoas = set(lookup.loc[lookup.area_code == area_code, "lsoa_code"])
    force = police.FORCE_OF_AREA[area_code]
    for relative, path in police_files(extra).items():
        if path.name.endswith(f"-{force}-street.csv"):
            rows_of_area(path, raw / relative, area_code, lsoas=lsoas)
    # the England comparison comes from the same Fingertips file either way
    shutil.copy(SAMPLE_RAW_DIR / "fingertips_benchmarks.csv", raw)
    outcome = run_refresh_in(raw, tmp_path / "warehouse.duckdb", tmp_path / "marts")
    assert outcome.success, outcome.explanation()

    alone = pd.read_parquet(outcome.settings.marts_dir / "fct_outcomes.parquet")
    assert set(alone.area_code) == {area_code}
    assert alone.numerator.sum() > 0
    # The months a metric is published for follow the coverage of the files (their first and
    # last dates), which an area's own rows alone can narrow: compare the months both have.
    both = alone.merge(merged[KEY], on=KEY)
    assert len(both) >= 0.9 * len(alone)
    numbers = [n for n in NUMBERS if n != "is_provisional"]
    same = both.merge(merged, on=KEY, suffixes=("", "_merged"))
    for column in numbers:
        pd.testing.assert_series_equal(
            same[column], same[f"{column}_merged"], check_names=False, rtol=1e-12
        )
    # provisional depends on the as-of date of the files as well: equal where that is equal
    as_of_equal = same.data_as_of_date == same.data_as_of_date_merged
    assert as_of_equal.mean() > 0.5
    assert (same.is_provisional == same.is_provisional_merged)[as_of_equal].all()
