"""The sample generator and its calibration oracle."""

import re
from datetime import date

import pandas as pd
import pytest

from pipelines import contract, synthetic
from pipelines.synthetic import police, treatment_outcomes
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
    # the whole folder, the police.uk download's month folders included, stays small
    size = sum(p.stat().st_size for p in SAMPLE_RAW_DIR.rglob("*") if p.is_file())
    assert size < 16 * 1024 * 1024


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
    # the TOP forms, the police.uk folder and the LSOA lookup at every scale
    assert counts["treatment_outcomes.csv"] > 0 and counts["lsoa_lookup.csv"] > 0
    assert counts["police/*/*-street.csv"] > 0
    forces = {police.FORCE_OF_AREA[a.code] for a in synthetic.national_areas(3)}
    assert {p.name[8:-11] for p in (first / "police").rglob("*-street.csv")} == forces
    assert_police_folder_is_placed(first)
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


# --- the recovery outcomes (TOP forms), the police.uk folder and the LSOA lookup ---

TOP_COLUMNS = [
    "top_id",
    "journey_id",
    "top_date",
    "stage",
    "days_alcohol",
    "days_opiates",
    "days_crack",
    "days_cocaine",
    "days_amphetamines",
    "days_cannabis",
    "days_other_drug",
    "injected",
    "acute_housing_problem",
    "housing_at_risk",
    "days_paid_work",
    "psychological_health",
    "physical_health",
    "quality_of_life",
]
DAYS = TOP_COLUMNS[4:11]
STREET_COLUMNS = [
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
]
POLICE_UK_CRIME_TYPES = {
    "Anti-social behaviour",
    "Bicycle theft",
    "Burglary",
    "Criminal damage and arson",
    "Drugs",
    "Other crime",
    "Other theft",
    "Possession of weapons",
    "Public order",
    "Robbery",
    "Shoplifting",
    "Theft from the person",
    "Vehicle crime",
    "Violence and sexual offences",
}
SAMPLE_FORCES = {"leicestershire", "nottinghamshire", "derbyshire", "west-midlands"}
STREET_FILE = re.compile(r"^(\d{4}-\d{2})/(\d{4}-\d{2})-([a-z-]+)-(street|outcomes)\.csv$")


@pytest.fixture(scope="module")
def tops():
    forms = pd.read_csv(SAMPLE_RAW_DIR / "treatment_outcomes.csv", dtype=str, keep_default_na=False)
    journeys = pd.read_csv(SAMPLE_RAW_DIR / "treatment_journeys.csv", dtype=str)
    return forms, journeys


def test_top_forms_have_the_contract_columns_and_codes(tops):
    forms, journeys = tops
    assert list(forms.columns) == TOP_COLUMNS
    assert forms["top_id"].is_unique and (forms["top_id"] != "").all()
    assert set(forms["journey_id"]) <= set(journeys["journey_id"])
    assert set(forms["stage"]) == {"start", "review", "exit"}
    assert (forms["top_date"].str.fullmatch(r"\d{4}-\d{2}-\d{2}")).all()
    for column in [*DAYS, "days_paid_work"]:
        values = pd.to_numeric(forms.loc[forms[column] != "", column])
        assert values.between(0, 28).all() and (values == values.round()).all(), column
    for column in TOP_COLUMNS[-3:]:
        assert pd.to_numeric(forms.loc[forms[column] != "", column]).between(0, 20).all()
    for column in ("injected", "acute_housing_problem", "housing_at_risk"):
        assert set(forms[column]) == {"true", "false", ""}, column


def test_top_forms_lie_within_their_journeys(tops):
    forms, journeys = tops
    joined = forms.merge(journeys, on="journey_id")
    assert len(joined) == len(forms)
    assert (joined["top_date"] >= joined["referral_date"]).all()
    discharged = joined["discharge_date"].notna()
    assert (joined.loc[discharged, "top_date"] <= joined.loc[discharged, "discharge_date"]).all()
    # nothing after the as-of date, and the forms reach it (one file, one as-of date)
    dates = journeys[["referral_date", "triage_date", "treatment_start_date", "discharge_date"]]
    assert forms["top_date"].max() == dates.max().max()
    # the forms of the extract's period, and the start TOPs of the journeys carried in
    assert set(forms.loc[forms["top_date"] < "2019-01-01", "stage"]) == {"start"}
    # adults' journeys that started only; a start TOP near the start, at most one a journey
    assert joined["treatment_start_date"].notna().all()
    assert (joined["age_at_referral"].astype(int) >= 18).all()
    starts = joined[joined["stage"] == "start"]
    assert starts["journey_id"].is_unique
    gap = pd.to_datetime(starts["top_date"]) - pd.to_datetime(starts["treatment_start_date"])
    assert gap.dt.days.between(-10, 21).all()
    exits = joined[joined["stage"] == "exit"]
    assert exits["discharge_date"].notna().all()
    # most journeys that started have a start TOP, some none
    adult_started = journeys[
        journeys["treatment_start_date"].notna() & (journeys["age_at_referral"].astype(int) >= 18)
    ]
    assert 0.8 < len(starts) / len(adult_started) < 0.95
    # reviews about every six months: the forms of a journey are months apart
    reviews = joined[joined["stage"] == "review"].sort_values(["journey_id", "top_date"])
    apart = pd.to_datetime(reviews["top_date"]).groupby(reviews["journey_id"]).diff().dt.days
    assert apart.dropna().min() > 100


def _mean_days(forms, stage, problem):
    frame = forms[forms["stage"] == stage]
    values = pd.to_numeric(frame[problem], errors="coerce")
    return values.mean()


def test_top_answers_follow_the_journeys_substances_and_improve(tops):
    forms, journeys = tops
    joined = forms.merge(journeys, on="journey_id")
    substances = joined[["substance_1", "substance_2", "substance_3"]]
    for code, column in (("heroin", "days_opiates"), ("alcohol", "days_alcohol")):
        has = (substances == code).any(axis=1)
        only = joined[has & substances["substance_2"].isna()]
        # a problem substance is used on many days at start, less at exit, most of all after a
        # successful completion; other substances are little used
        start = _mean_days(only, "start", column)
        assert start > 12, (code, start)
        assert _mean_days(only, "exit", column) < start / 2
        other = "days_cannabis" if code == "heroin" else "days_opiates"
        assert _mean_days(only, "start", other) < 2
    assert treatment_outcomes.days_column("methadone") == "days_opiates"
    assert treatment_outcomes.days_column("ketamine") == "days_other_drug"
    assert treatment_outcomes.days_column("amphetamine") == "days_amphetamines"
    for stage, low, high in (("start", 0.10, 0.15), ("review", 0.05, 0.09), ("exit", 0.04, 0.08)):
        answers = forms.loc[(forms["stage"] == stage) & (forms["acute_housing_problem"] != "")]
        share = (answers["acute_housing_problem"] == "true").mean()
        assert low <= share <= high, (stage, share)
    starts = forms[(forms["stage"] == "start") & (forms["days_paid_work"] != "")]
    assert (starts["days_paid_work"] == "0").mean() > 0.7
    exits = forms[(forms["stage"] == "exit") & (forms["days_paid_work"] != "")]
    assert (exits["days_paid_work"] != "0").mean() > (starts["days_paid_work"] != "0").mean()
    # gaps as real forms have them: a few per cent of answers empty, some whole sections
    empty = (forms[TOP_COLUMNS[4:]] == "").mean()
    assert empty.between(0.02, 0.12).all(), empty
    assert ((forms[DAYS] == "").all(axis=1)).any()


def police_street_files(raw):
    """The street and outcomes files below raw/police, by their path in it."""
    return {str(p.relative_to(raw / "police")): p for p in sorted((raw / "police").rglob("*.csv"))}


def assert_police_folder_is_placed(raw):
    """Every police row's LSOA is in the lookup or empty, and the lookup is the contract's."""
    lookup = pd.read_csv(raw / "lsoa_lookup.csv", dtype=str)
    assert list(lookup.columns) == ["lsoa_code", "area_code"]
    assert lookup["lsoa_code"].is_unique
    assert lookup["lsoa_code"].str.fullmatch(r"E01[0-9]{6}").all()
    assert lookup["area_code"].str.fullmatch(contract.AREA_CODE_PATTERN[1:-1]).all()
    used = set()
    for relative, path in police_street_files(raw).items():
        match = STREET_FILE.match(relative)
        assert match and match[1] == match[2], relative
        rows = pd.read_csv(path, dtype=str, keep_default_na=False)
        if match[4] == "street":
            assert list(rows.columns) == STREET_COLUMNS, relative
        assert (rows["Month"] == match[1]).all()
        used |= set(rows["LSOA code"])
    assert used - {""} <= set(lookup["lsoa_code"])
    # the lookup holds a few LSOAs that no row uses
    assert set(lookup["lsoa_code"]) - used
    return lookup


def test_police_folder_is_a_police_uk_download_of_the_samples_forces():
    files = police_street_files(SAMPLE_RAW_DIR)
    months = [f"{y}-{m:02d}" for y in range(2019, 2026) for m in range(1, 13)][:81]
    assert months[-1] == "2025-09"
    streets = {k for k in files if k.endswith("-street.csv")}
    assert streets == {f"{m}/{m}-{force}-street.csv" for m in months for force in SAMPLE_FORCES}
    # the download's outcomes files beside a few months' street files
    outcomes = {STREET_FILE.match(k)[1] for k in files if k.endswith("-outcomes.csv")}
    assert 1 <= len(outcomes) <= 6
    lookup = assert_police_folder_is_placed(SAMPLE_RAW_DIR)
    rows = pd.concat(
        [pd.read_csv(files[k], dtype=str, keep_default_na=False) for k in sorted(streets)]
    )
    assert set(rows["Crime type"]) == POLICE_UK_CRIME_TYPES
    asb = rows["Crime type"] == "Anti-social behaviour"
    assert (rows.loc[asb, "Crime ID"] == "").all()
    assert rows.loc[~asb, "Crime ID"].str.fullmatch(r"[0-9a-f]{64}").all()
    assert rows.loc[~asb, "Crime ID"].is_unique
    assert (rows["Reported by"] == rows["Falls within"]).all()
    assert rows["Location"].str.startswith("On or near ").mean() > 0.95
    assert (rows["Context"] == "").all()
    # a small share of rows without a location or an LSOA, as real files have
    unplaced = rows["LSOA code"] == ""
    assert 0.002 < unplaced.mean() < 0.05
    assert (rows.loc[unplaced, "Location"] == "No Location").all()
    placed = rows[~unplaced]
    assert placed["LSOA name"].str.fullmatch(r"[A-Za-z ,.'-]+ \d{3}[A-Z]").all()
    assert pd.to_numeric(placed["Latitude"]).between(50, 56).all()
    # every area of the sample has crimes of the types the metrics count, and its LSOAs
    areas = placed.merge(lookup, left_on="LSOA code", right_on="lsoa_code")
    assert set(lookup["area_code"]) == {a.code for a in synthetic.SAMPLE_AREAS}
    counted = areas[areas["Crime type"].isin(police.METRIC_TYPES)]
    assert set(counted["area_code"]) == set(lookup["area_code"])
    # the metric types at the sampled rate, the other types thinner (a realistic mix of each)
    assert (rows["Crime type"].isin(police.METRIC_TYPES)).mean() > 0.7
    assert (rows["Crime type"] == "Vehicle crime").sum() > (rows["Crime type"] == "Robbery").sum()


def test_every_authority_has_one_police_force():
    codes = [r["area_code"] for r in contract.seed_rows("areas")]
    areas = set(codes) - {contract.ENGLAND_CODE}
    assert set(police.FORCE_OF_AREA) == areas
    covered = [code for _, members in police.FORCES.values() for code in members]
    assert len(covered) == len(set(covered)) == len(areas)
    assert police.FORCE_OF_AREA["E06000016"] == "leicestershire"
    assert police.FORCE_OF_AREA["E08000026"] == "west-midlands"


def test_police_months_reach_the_last_complete_month():
    assert police.police_months(date(2025, 9, 30))[-1] == "2025-09"
    assert police.police_months(date(2025, 9, 29))[-1] == "2025-08"
    assert police.police_months(date(2025, 9, 30))[0] == "2019-01"
