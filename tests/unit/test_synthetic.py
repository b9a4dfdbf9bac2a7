"""The sample generator and its calibration oracle."""

from datetime import date

import pandas as pd
import pytest

from pipelines import synthetic
from tests.conftest import SAMPLE_RAW_DIR, file_hashes


@pytest.mark.parametrize(
    ("month_end", "expected"),
    [
        (date(2021, 12, 31), date(2021, 1, 1)),
        (date(2024, 2, 29), date(2023, 3, 1)),  # leap day: built from month starts
        (date(2025, 2, 28), date(2024, 3, 1)),
        (date(2025, 3, 31), date(2024, 4, 1)),  # FY 2024/25
    ],
)
def test_window_start(month_end, expected):
    assert synthetic.window_start(month_end) == expected


def journeys(*rows):
    columns = [
        "journey_id",
        "client_id",
        "area_code",
        "age_at_referral",
        "treatment_start_date",
        "discharge_date",
    ]
    return pd.DataFrame([dict(zip(columns, r, strict=True)) for r in rows])


def test_oracle_counts_latest_journey_once():
    frame = journeys(
        ("J1", "P1", "E06000016", 30, "2021-02-01", None),
        ("J2", "P1", "E06000017", 30, "2021-06-01", "2021-07-01"),  # latest: Rutland
        ("J3", "P2", "E06000016", 17, "2021-03-01", None),  # young person
        ("J4", "P3", "E06000016", 40, "2020-01-01", "2021-01-01"),  # discharged on day 1 of W
        ("J5", "P4", "E06000016", 40, "2020-01-01", "2020-12-31"),  # the day before W
    )
    assert synthetic.adults_in_treatment(frame, date(2021, 12, 31), "E06000016") == {"P3"}


def test_shipped_sample_is_the_generators_output(tmp_path):
    """data/raw is exactly what `cdap sample` writes: same seed, same files."""
    synthetic.generate(tmp_path)
    assert file_hashes(tmp_path) == file_hashes(SAMPLE_RAW_DIR)


def test_shipped_sample_is_calibrated_and_realistic():
    frame = pd.read_csv(SAMPLE_RAW_DIR / "treatment_journeys.csv", dtype=str)
    frame["age_at_referral"] = frame["age_at_referral"].astype(int)
    for month_end, target in synthetic.ADULTS_IN_TREATMENT_TARGETS.items():
        assert len(synthetic.adults_in_treatment(frame, month_end, "E06000016")) == target
    releases = pd.read_csv(SAMPLE_RAW_DIR / "prison_releases.csv", dtype=str)
    for month_end, target in synthetic.CONTINUITY_TARGETS.items():
        engaged, released = synthetic.continuity_of_care(releases, frame, month_end, "E06000016")
        assert round(100 * len(engaged) / len(released), 1) == target
    assert set(frame["discharge_reason"].dropna()) == set(synthetic.DISCHARGE_WEIGHTS)
    assert frame["discharge_date"].isna().any()  # open journeys
    assert (frame.groupby("client_id").size() > 1).any()  # several journeys per person
    assert (frame["age_at_referral"] < 18).any() and (frame["age_at_referral"] >= 18).any()
    assert (
        frame["referral_date"].min() <= "2019-01-31"
        and frame["referral_date"].max() >= "2025-06-30"
    )
    assert frame["area_code"].nunique() >= 4
    size = sum(p.stat().st_size for p in SAMPLE_RAW_DIR.iterdir())
    assert size < 20 * 1024 * 1024


def test_substance_group_oracle_follows_the_hierarchy():
    assert synthetic.substance_group(["alcohol", "cocaine", "heroin"]) == "opiate"
    assert synthetic.substance_group(["alcohol", "cannabis", None]) == "non_opiate_and_alcohol"
    assert synthetic.substance_group(["crack", None, None]) == "non_opiate_only"
    assert synthetic.substance_group(["alcohol", None, None]) == "alcohol_only"


def test_national_generator_same_seed_same_files(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    counts = synthetic.generate_national(first, areas=3, scale=0.01, seed=11)
    synthetic.generate_national(second, areas=3, scale=0.01, seed=11)
    assert file_hashes(first) == file_hashes(second)
    assert counts["treatment_journeys.csv"] > 0
    areas = set(pd.read_csv(first / "treatment_journeys.csv", dtype=str).area_code)
    assert areas <= {a.code for a in synthetic.national_areas(3)}


def test_national_areas_cover_all_152_authorities_at_england_volumes():
    areas = synthetic.national_areas()
    assert len(areas) == 152 and len({a.code for a in areas}) == 152
    people = sum(a.people for a in areas)
    # about 300,000 adults in treatment a year needs about 3.1 people with journeys per place
    assert 700_000 < people < 1_200_000
