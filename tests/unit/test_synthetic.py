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
    assert frame["referral_date"].max() >= "2025-06-30"
    assert frame["area_code"].nunique() >= 4
    size = sum(p.stat().st_size for p in SAMPLE_RAW_DIR.iterdir())
    assert size < 20 * 1024 * 1024


def carried_in_looks_like_an_extract(frame: pd.DataFrame) -> pd.DataFrame:
    """What an extract of 1 January 2019 onwards that carries in its open caseload looks like:
    its first discharge is on 1 January 2019 and none is earlier (so the warehouse takes it to
    start there), and every journey referred before it is still open that day. Returns the
    journeys carried in (started before 2019)."""
    discharged = frame["discharge_date"].dropna()
    assert discharged.min() == "2019-01-01"
    earlier = frame[frame["referral_date"] < "2019-01-01"]
    assert (earlier["discharge_date"].isna() | (earlier["discharge_date"] >= "2019-01-01")).all()
    return frame[frame["treatment_start_date"].fillna("9999") < "2019-01-01"]


def test_shipped_sample_carries_in_the_caseload_open_in_january_2019():
    frame = pd.read_csv(SAMPLE_RAW_DIR / "treatment_journeys.csv", dtype=str)
    frame["age_at_referral"] = frame["age_at_referral"].astype(int)
    carried = carried_in_looks_like_an_extract(frame)
    # spread over the years before (a third or more started before 2018), mostly the long
    # opiate journeys
    years = carried["treatment_start_date"].str[:4]
    assert years.min() <= "2012" and (years < "2018").mean() > 1 / 3
    groups = carried[["substance_1", "substance_2", "substance_3"]].apply(
        lambda row: synthetic.substance_group(list(row)), axis=1
    )
    assert (groups == "opiate").mean() > 0.6
    # in every area, in proportion to its size (the people first referred in the extract)
    for area in synthetic.SAMPLE_AREAS:
        share = (carried["area_code"] == area.code).sum() / area.people
        assert 0.1 < share < 0.25, (area.name, share)
    # so the first windows count the caseload already in treatment: no climb from a few hundred
    leicester = {
        year: len(synthetic.adults_in_treatment(frame, date(year, 12, 31), "E06000016"))
        for year in (2019, 2020, 2021)
    }
    assert leicester[2019] > 0.85 * leicester[2021] and leicester[2020] > 0.85 * leicester[2021]


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
    frame = pd.read_csv(first / "treatment_journeys.csv", dtype=str)
    assert set(frame.area_code) <= {a.code for a in synthetic.national_areas(3)}
    # a carried-in caseload at every scale, and the file starts on 1 January 2019 all the same
    assert len(carried_in_looks_like_an_extract(frame)) > 0


def test_national_areas_cover_all_152_authorities_at_england_volumes():
    areas = synthetic.national_areas()
    assert len(areas) == 152 and len({a.code for a in areas}) == 152
    people = sum(a.people for a in areas)
    # about 300,000 adults in treatment a year needs about 2.6 people first referred in the
    # extract per place (the caseload carried in from before 2019 comes on top)
    assert 650_000 < people < 950_000
