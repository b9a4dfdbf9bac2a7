"""Seeded synthetic raw folder that follows the contract (raw-data.md).

Same seed -> same files. Leicester (E06000016) is calibrated so that the adults in treatment
of metrics.md come out at exactly 2,087 for the 12 months to 31 Dec 2021 and 2,500 for the
12 months to 31 Dec 2024. Everything here is invented: no real person is in it.
"""

from __future__ import annotations

import csv
import hashlib
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from pipelines import contract

AS_OF = date(2025, 9, 30)
FIRST_REFERRAL = date(2019, 1, 1)

# Targets the shipped sample must reproduce (metrics.md, "What the shipped sample must reproduce").
ADULTS_IN_TREATMENT_TARGETS = {date(2021, 12, 31): 2087, date(2024, 12, 31): 2500}
# Continuity of care, percent to one decimal, by financial year (W at 31 March).
CONTINUITY_TARGETS = {date(2022, 3, 31): 21.0, date(2025, 3, 31): 55.2}
# 3-year directly standardised death rate per 100,000, one decimal, at 31 Dec of the last year.
DSR_TARGETS = {date(2024, 12, 31): 14.7}
# Unmet need, FY 2024/25: share of the estimate not in treatment.
UNMET_NEED_TARGETS = {"alcohol_dependent": 0.80, "opiate_crack": 0.50}
UNMET_NEED_YEAR = 2024


@dataclass(frozen=True)
class SampleArea:
    code: str
    name: str
    population: int  # all ages, mid-2021
    people: int  # people with at least one journey, 2019 to the as-of date


SAMPLE_AREAS = (
    SampleArea(contract.LEICESTER_CODE, "Leicester", 368_600, 7_700),
    SampleArea("E10000018", "Leicestershire", 712_300, 7_000),
    SampleArea("E06000017", "Rutland", 41_000, 260),
    SampleArea("E06000018", "Nottingham", 323_700, 4_900),
    SampleArea("E06000015", "Derby", 261_400, 3_600),
    SampleArea("E08000026", "Coventry", 345_300, 4_300),
)

SUBSTANCE_PROFILES = (
    # (weight, substances); the journey's group follows from these by the NDTMS hierarchy.
    (0.30, ("heroin",)),
    (0.08, ("heroin", "crack")),
    (0.04, ("methadone", "crack", "alcohol")),
    (0.02, ("buprenorphine", "benzodiazepine")),
    (0.02, ("other_opiate",)),
    (0.10, ("cannabis",)),
    (0.06, ("cocaine",)),
    (0.03, ("crack",)),
    (0.02, ("amphetamine", "cannabis")),
    (0.01, ("ketamine",)),
    (0.01, ("new_psychoactive",)),
    (0.01, ("benzodiazepine",)),
    (0.01, ("other_drug",)),
    (0.05, ("cocaine", "alcohol")),
    (0.03, ("alcohol", "cannabis")),
    (0.21, ("alcohol",)),
)

DISCHARGE_WEIGHTS = {
    "completed_drug_free": 0.22,
    "completed_alcohol_free": 0.08,
    "completed_occasional_user": 0.07,
    "transferred_not_in_custody": 0.07,
    "transferred_in_custody": 0.03,
    "dropped_out": 0.25,
    "withdrawn_by_provider": 0.04,
    "declined_by_client": 0.08,
    "onward_referral_refused": 0.02,
    "retained_in_custody": 0.03,
    "died": 0.02,
    "moved_away": 0.05,
    "other": 0.04,
}
REFERRAL_SOURCE_WEIGHTS = {
    "self": 0.38,
    "gp": 0.12,
    "hospital": 0.07,
    "prison": 0.08,
    "probation": 0.12,
    "police": 0.05,
    "social_care": 0.08,
    "other": 0.10,
}


def _id(prefix: str, *parts: object) -> str:
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:12].upper()
    return f"{prefix}{digest}"


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _day(start: date, end: date, rng: random.Random, growth: float = 0.0) -> date:
    """A day in [start, end], tilted towards the end by `growth` per year."""
    span = (end - start).days
    if growth <= 0:
        return start + timedelta(days=rng.randint(0, span))
    while True:  # rejection sampling: density proportional to (1 + growth) ** years
        offset = rng.randint(0, span)
        if rng.random() < (1 + growth) ** ((offset - span) / 365.25):
            return start + timedelta(days=offset)


@dataclass
class Generator:
    seed: int = 20250930
    as_of: date = AS_OF
    areas: tuple[SampleArea, ...] = ()
    id_prefix: str = ""  # national folders from other seeds can then be merged with this one
    people_per_release: int = 15  # releases a year = people // this
    journeys: list[dict] = field(default_factory=list)
    releases: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self._journey_seq = 0
        self._release_seq = 0
        self.areas = self.areas or SAMPLE_AREAS

    # -- treatment journeys -------------------------------------------------------------
    def _next_journey_id(self) -> str:
        self._journey_seq += 1
        return f"J{self.id_prefix}{self._journey_seq:08d}"

    def add_journey(
        self,
        client_id: str,
        area_code: str,
        age: int,
        sex: str,
        substances: tuple[str, ...],
        referral: date,
        *,
        referral_source: str | None = None,
        start_delay: int | None = None,
        duration: int | None = None,
        discharge_reason: str | None = None,
        never_starts: bool | None = None,
    ) -> dict | None:
        rng = self.rng
        if referral > self.as_of:
            return None
        triage = referral + timedelta(days=rng.randint(0, 14)) if rng.random() < 0.85 else None
        if never_starts is None:
            never_starts = rng.random() < 0.08
        start = None
        if not never_starts:
            delay = start_delay if start_delay is not None else int(rng.expovariate(1 / 12))
            start = referral + timedelta(days=delay)
            if triage and triage > start:
                triage = start
        discharge = None
        if start is not None:
            days = duration if duration is not None else int(rng.lognormvariate(5.3, 0.8))
            discharge = start + timedelta(days=days)
        elif rng.random() < 0.7:  # a referral that never started is usually closed
            discharge = referral + timedelta(days=rng.randint(20, 120))
        reason = None
        if discharge is not None:
            reason = discharge_reason or _weighted(rng, DISCHARGE_WEIGHTS)
            if start is None and reason.startswith("completed"):
                reason = "declined_by_client"
        dates = [d for d in (triage, start, discharge) if d is not None]
        if any(d > self.as_of for d in dates):
            # Nothing may lie after the as-of date: a journey still under way is open.
            if triage and triage > self.as_of:
                triage = None
            if start and start > self.as_of:
                start = None
            discharge, reason = None, None
        padded = (*substances, None, None)
        row = {
            "journey_id": self._next_journey_id(),
            "client_id": client_id,
            "area_code": area_code,
            "age_at_referral": age,
            "sex": sex,
            "substance_1": padded[0],
            "substance_2": padded[1],
            "substance_3": padded[2],
            "referral_source": referral_source or _weighted(rng, REFERRAL_SOURCE_WEIGHTS),
            "referral_date": referral,
            "triage_date": triage,
            "treatment_start_date": start,
            "discharge_date": discharge,
            "discharge_reason": reason,
        }
        self.journeys.append(row)
        return row

    def _profile(self) -> tuple[str, ...]:
        weights = [w for w, _ in SUBSTANCE_PROFILES]
        return self.rng.choices([s for _, s in SUBSTANCE_PROFILES], weights=weights)[0]

    def add_person(self, area: SampleArea, index: int) -> None:
        rng = self.rng
        client_id = _id("C", self.seed, area.code, index)
        sex = rng.choices(("male", "female", "other", "not_stated"), (0.66, 0.32, 0.01, 0.01))[0]
        young = rng.random() < 0.07
        age = rng.randint(12, 17) if young else min(90, 18 + int(rng.gammavariate(3.0, 6.5)))
        referral = _day(FIRST_REFERRAL, self.as_of, rng, growth=0.04)
        substances = self._profile()
        # a few people move between areas (their latest journey decides where they count)
        journeys = 1 + min(4, int(rng.expovariate(1.6)))
        for n in range(journeys):
            row = self.add_journey(client_id, area.code, age, sex, substances, referral)
            if row is None:
                break
            end = row["discharge_date"] or row["treatment_start_date"] or row["referral_date"]
            if row["discharge_date"] is None and rng.random() < 0.8:
                break  # still open: usually no further journey
            overlap = rng.random() < 0.08
            gap = -rng.randint(5, 40) if overlap else int(rng.expovariate(1 / 240))
            next_referral = end + timedelta(days=gap)
            referral = max(next_referral, row["referral_date"] + timedelta(days=1))
            age += max(0, (referral - row["referral_date"]).days // 365)
            if rng.random() < 0.25:
                substances = self._profile()
            if n == 0 and rng.random() < 0.02:
                area = rng.choice(self.areas)

    # -- prison releases ----------------------------------------------------------------
    def add_releases(self, area: SampleArea, adults: list[dict] | None = None) -> None:
        rng = self.rng
        if adults is None:
            adults = [
                j
                for j in self.journeys
                if j["area_code"] == area.code and j["age_at_referral"] >= 18
            ]
        per_year = max(6, area.people // self.people_per_release)
        years = (self.as_of - FIRST_REFERRAL).days / 365.25
        for _ in range(int(per_year * years)):
            self._release_seq += 1
            release = _day(FIRST_REFERRAL, self.as_of, rng)
            if rng.random() < 0.35 and adults:
                person = rng.choice(adults)
                client_id, age = person["client_id"], max(18, person["age_at_referral"])
            else:
                client_id = _id("C", self.seed, "prison", self._release_seq)
                age = 18 + int(rng.gammavariate(3.0, 6.0))
            engages = rng.random() < (0.2 + 0.06 * (release.year - 2019))
            if engages:
                self.add_journey(
                    client_id,
                    area.code,
                    age,
                    "male",
                    self._profile(),
                    release - timedelta(days=rng.randint(0, 20)),
                    referral_source="prison",
                    start_delay=0,
                )
                # start on or within 21 days after the release
                self.journeys[-1]["treatment_start_date"] = min(
                    self.as_of, release + timedelta(days=rng.randint(0, 21))
                )
                self.journeys[-1]["referral_date"] = min(
                    self.journeys[-1]["referral_date"], self.journeys[-1]["treatment_start_date"]
                )
                _repair_dates(self.journeys[-1], self.as_of)
            self.releases.append(
                {
                    "release_id": f"R{self.id_prefix}{self._release_seq:07d}",
                    "client_id": client_id,
                    "area_code": area.code,
                    "release_date": release,
                    "age_at_release": age,
                }
            )

    # -- calibration --------------------------------------------------------------------
    def calibrate_continuity_of_care(self, area: SampleArea) -> None:
        """Make the area's continuity of care hit each target exactly: an engaged release
        is disengaged by giving it a client with no journeys; a release is engaged by adding
        a journey that starts 0 to 21 days after it."""
        rng = self.rng
        for month_end, target in CONTINUITY_TARGETS.items():
            journeys = pd.DataFrame(self.journeys)
            engaged, in_window = continuity_of_care(
                pd.DataFrame(self.releases), journeys, month_end, area.code
            )
            wanted = next(
                k
                for k in sorted(
                    range(len(in_window) + 1), key=lambda k: abs(k - target / 100 * len(in_window))
                )
                if round(100 * k / len(in_window), 1) == target
            )
            by_id = {r["release_id"]: r for r in self.releases}
            for release_id in sorted(engaged)[: max(0, len(engaged) - wanted)]:
                self._release_seq += 1
                by_id[release_id]["client_id"] = _id(
                    "C", self.seed, "disengaged", self._release_seq
                )
            idle = sorted(set(in_window) - set(engaged))
            for release_id in rng.sample(idle, max(0, wanted - len(engaged))):
                release = by_id[release_id]
                start = release["release_date"] + timedelta(days=rng.randint(0, 21))
                row = self.add_journey(
                    release["client_id"],
                    area.code,
                    release["age_at_release"],
                    "male",
                    self._profile(),
                    release["release_date"] - timedelta(days=rng.randint(0, 20)),
                    referral_source="prison",
                    start_delay=0,
                    never_starts=False,
                )
                row["treatment_start_date"] = min(start, self.as_of)
                row["referral_date"] = min(row["referral_date"], row["treatment_start_date"])
                _repair_dates(row, self.as_of)
        for month_end, target in CONTINUITY_TARGETS.items():
            engaged, in_window = continuity_of_care(
                pd.DataFrame(self.releases), pd.DataFrame(self.journeys), month_end, area.code
            )
            got = round(100 * len(engaged) / len(in_window), 1)
            assert got == target, f"continuity calibration failed for {month_end}: {got}"

    def calibrate_adults_in_treatment(self, area: SampleArea) -> None:
        """Bring the bulk to the exact targets: drop people over a target (never someone
        released from prison, so continuity stays as calibrated), then add people with one
        journey inside one target window only (counted there and nowhere else)."""
        rng = self.rng
        frame = pd.DataFrame(self.journeys)
        released = {r["client_id"] for r in self.releases}
        for month_end, target in ADULTS_IN_TREATMENT_TARGETS.items():
            counted = adults_in_treatment(frame, month_end, area.code)
            while len(counted) > target:
                droppable = sorted(counted - released)
                drop = set(rng.sample(droppable, len(counted) - target))
                self.journeys = [j for j in self.journeys if j["client_id"] not in drop]
                frame = pd.DataFrame(self.journeys)
                counted = adults_in_treatment(frame, month_end, area.code)
        for month_end, target in ADULTS_IN_TREATMENT_TARGETS.items():
            counted = adults_in_treatment(pd.DataFrame(self.journeys), month_end, area.code)
            year_start = date(month_end.year, 1, 1)
            for k in range(target - len(counted)):
                start = year_start + timedelta(days=rng.randint(0, 300))
                self.add_journey(
                    _id("C", self.seed, "calibration", month_end, k),
                    area.code,
                    18 + int(rng.gammavariate(3.0, 6.5)),
                    rng.choice(("male", "female")),
                    self._profile(),
                    start - timedelta(days=rng.randint(0, 20)),
                    start_delay=None,
                    duration=rng.randint(20, (date(month_end.year, 12, 31) - start).days),
                    never_starts=False,
                )
                row = self.journeys[-1]
                row["treatment_start_date"] = start
                if row["triage_date"] and row["triage_date"] > start:
                    row["triage_date"] = start
                if row["discharge_date"] is None:  # keep it inside the target year
                    row["discharge_date"] = date(month_end.year, 12, 31)
                    row["discharge_reason"] = _weighted(rng, DISCHARGE_WEIGHTS)
        frame = pd.DataFrame(self.journeys)
        for month_end, target in ADULTS_IN_TREATMENT_TARGETS.items():
            got = len(adults_in_treatment(frame, month_end, area.code))
            assert got == target, f"calibration failed for {month_end}: {got} != {target}"

    def pin_coverage(self) -> None:
        """Make each record-level file start on 1 January 2019 and end on the as-of date, so
        the first full windows and the last complete month are the ones the sample is
        calibrated for: a referral on each day, and a release on each day."""
        area = self.areas[min(1, len(self.areas) - 1)].code  # not Leicester: it is calibrated
        for day in (FIRST_REFERRAL, self.as_of):
            self.add_journey(
                _id("C", self.seed, "coverage", day),
                area,
                35,
                "female",
                ("cannabis",),
                day,
                never_starts=True,
            )
            self.journeys[-1].update(triage_date=None, discharge_date=None, discharge_reason=None)
            self._release_seq += 1
            self.releases.append(
                {
                    "release_id": f"R{self.id_prefix}{self._release_seq:07d}",
                    "client_id": _id("C", self.seed, "coverage-release", day),
                    "area_code": area,
                    "release_date": day,
                    "age_at_release": 30,
                }
            )


def _repair_dates(row: dict, as_of: date) -> None:
    start, discharge = row["treatment_start_date"], row["discharge_date"]
    if row["triage_date"] and start and row["triage_date"] > start:
        row["triage_date"] = start
    if discharge and start and discharge < start:
        row["discharge_date"] = start + timedelta(days=30)
    if row["discharge_date"] and row["discharge_date"] > as_of:
        row["discharge_date"], row["discharge_reason"] = None, None


def window_start(month_end: date) -> date:
    """First day of the 12-month window ending with month_end's month (from month starts,
    so that 29 February never shifts the window)."""
    month_index = month_end.year * 12 + month_end.month - 1 - 11
    return date(month_index // 12, month_index % 12 + 1, 1)


def adults_in_treatment(
    journeys: pd.DataFrame, month_end: date, area_code: str, latest_rows: bool = False
):
    """The client_ids counted by metrics.md's adults_in_treatment (an independent reading
    of the rule, used to calibrate the sample; the warehouse computes it in dbt)."""
    start = pd.to_datetime(journeys["treatment_start_date"])
    discharge = pd.to_datetime(journeys["discharge_date"])
    in_window = (start <= pd.Timestamp(month_end)) & (
        discharge.isna() | (discharge >= pd.Timestamp(window_start(month_end)))
    )
    latest = (
        journeys[in_window.fillna(False)]
        .assign(_start=start)
        .sort_values(["client_id", "_start", "journey_id"], ascending=[True, False, False])
        .drop_duplicates("client_id")
    )
    counted = latest[(latest["area_code"] == area_code) & (latest["age_at_referral"] >= 18)]
    return counted if latest_rows else set(counted["client_id"])


def continuity_of_care(
    releases: pd.DataFrame, journeys: pd.DataFrame, month_end: date, area_code: str
) -> tuple[set[str], list[str]]:
    """(engaged release ids, all release ids) of metrics.md's continuity of care for the
    area and window: a journey of the same client starts 0 to 21 days after release."""
    released = pd.to_datetime(releases["release_date"])
    in_window = releases[
        (releases["area_code"] == area_code)
        & (released >= pd.Timestamp(window_start(month_end)))
        & (released <= pd.Timestamp(month_end))
    ]
    starts = journeys.dropna(subset=["treatment_start_date"])[["client_id", "treatment_start_date"]]
    joined = in_window.merge(starts, on="client_id")
    gap = (
        pd.to_datetime(joined["treatment_start_date"]) - pd.to_datetime(joined["release_date"])
    ).dt.days
    engaged = set(joined.loc[(gap >= 0) & (gap <= 21), "release_id"])
    return engaged, list(in_window["release_id"])


def substance_group(substances: list[str | None]) -> str:
    """The NDTMS hierarchy of raw-data.md (the warehouse computes it in dbt)."""
    classes = {contract.SUBSTANCE_CLASSES[s] for s in substances if isinstance(s, str)}
    if "opiate" in classes:
        return "opiate"
    if "non_opiate" in classes:
        return "non_opiate_and_alcohol" if "alcohol" in classes else "non_opiate_only"
    return "alcohol_only"


def adults_in_treatment_by_group(
    journeys: pd.DataFrame, month_end: date, area_code: str
) -> dict[str, int]:
    counted = adults_in_treatment(journeys, month_end, area_code, latest_rows=True)
    groups = counted[["substance_1", "substance_2", "substance_3"]].apply(
        lambda row: substance_group(list(row)), axis=1
    )
    return groups.value_counts().to_dict()


# -- the other files ----------------------------------------------------------------------
# Share of the population in each ESP2013 band (roughly England's shape), by sex.
_BAND_SHARES = (
    0.058,
    0.061,
    0.060,
    0.056,
    0.062,
    0.068,
    0.069,
    0.068,
    0.064,
    0.063,
    0.068,
    0.068,
    0.061,
    0.053,
    0.050,
    0.038,
    0.026,
    0.014,
    0.006,
)


def population_rows(areas: tuple[SampleArea, ...], years: range) -> list[dict]:
    total = sum(_BAND_SHARES)
    rows = []
    for area in areas:
        for year in years:
            size = area.population * (1.006 ** (year - 2021))
            for band, share in zip(contract.ESP2013_BANDS, _BAND_SHARES, strict=True):
                for sex, split in (("female", 0.505), ("male", 0.495)):
                    value = round(size * share / total * split)
                    rows.append(
                        {
                            "area_code": area.code,
                            "year": year,
                            "sex": sex,
                            "age_band": band,
                            "population": value,
                        }
                    )
    return rows


def _death(
    gen: Generator, seq: int, area: str, registered_year: int, age: int | None = None
) -> dict:
    rng = gen.rng
    registration = date(registered_year, 1, 1) + timedelta(days=rng.randint(0, 364))
    death = registration - timedelta(days=int(rng.expovariate(1 / 150)))
    return {
        "death_id": f"D{seq:06d}",
        "area_code": area,
        "date_of_death": death,
        "registration_date": registration,
        "age": age if age is not None else min(90, 20 + int(rng.gammavariate(4.0, 5.0))),
        "sex": rng.choices(("male", "female"), (0.7, 0.3))[0],
        "was_in_treatment": "true" if rng.random() < 0.4 else "false",
    }


def standardised_rate(deaths: list[dict], population: list[dict], area: str, last_year: int):
    """metrics.md 11 for one area (reference reading, pipelines.stats.dobson)."""
    from pipelines import stats

    years = range(last_year - 2, last_year + 1)
    bands = list(contract.ESP2013_BANDS)
    counts = [0] * len(bands)
    for row in deaths:
        if row["area_code"] == area and row["registration_date"].year in years:
            counts[min(row["age"] // 5, 18)] += 1
    people = [0.0] * len(bands)
    for row in population:
        if row["area_code"] == area and row["year"] in years:
            people[bands.index(row["age_band"])] += row["population"]
    return stats.dobson(counts, people, list(_ESP2013_WEIGHTS))


_ESP2013_WEIGHTS = (
    5000,
    5500,
    5500,
    5500,
    6000,
    6000,
    6500,
    7000,
    7000,
    7000,
    7000,
    6500,
    6000,
    5500,
    5000,
    4000,
    2500,
    1500,
    1000,
)
# Deaths per 100,000 a year on each area's register (invented; Leicester is calibrated).
_DEATH_RATES = {contract.LEICESTER_CODE: 13.5}


def deaths_rows(
    gen: Generator,
    areas: tuple[SampleArea, ...],
    population: list[dict],
    calibrate: bool = True,
    scale: float = 1.0,
) -> list[dict]:
    rng = gen.rng
    rows: list[dict] = []
    for area in areas:
        invented = rng.uniform(4.5, 8.0)
        rate = _DEATH_RATES.get(area.code, invented) if calibrate else invented
        per_year = area.population / 100_000 * rate * scale
        for year in range(2019, gen.as_of.year + 1):
            for _ in range(max(0, int(rng.gauss(per_year, per_year**0.5) + 0.5))):
                rows.append(_death(gen, len(rows) + 1, area.code, year))
    # nothing after the as-of date; the register covers 1 Jan 2019 to the as-of date
    rows = [
        r
        for r in rows
        if r["registration_date"] <= gen.as_of and r["date_of_death"] >= FIRST_REFERRAL
    ]
    first, last = _death(gen, 0, areas[1].code, 2019), _death(gen, 0, areas[1].code, 2025)
    first.update(
        date_of_death=FIRST_REFERRAL, registration_date=FIRST_REFERRAL + timedelta(days=40)
    )
    last.update(date_of_death=gen.as_of - timedelta(days=60), registration_date=gen.as_of)
    rows += [first, last]
    # calibrate Leicester's 3-year rate, a death aged 40-44 at a time (~0.09 per 100,000)
    for period_end, target in DSR_TARGETS.items() if calibrate else ():
        last_year = period_end.year
        while True:
            rate = standardised_rate(rows, population, contract.LEICESTER_CODE, last_year)[0]
            if round(rate, 1) == target:
                break
            if rate < target:
                rows.append(_death(gen, 0, contract.LEICESTER_CODE, last_year - 1, age=42))
            else:
                victim = next(
                    r
                    for r in rows
                    if r["area_code"] == contract.LEICESTER_CODE
                    and r["age"] // 5 == 8
                    and r["registration_date"].year in range(last_year - 2, last_year + 1)
                )
                rows.remove(victim)
    rows.sort(key=lambda r: (r["registration_date"], r["area_code"], r["age"]))
    for n, row in enumerate(rows, start=1):
        row["death_id"] = f"D{gen.id_prefix}{n:06d}"
    return rows


def prevalence_rows(
    gen: Generator, areas: tuple[SampleArea, ...], years: range, calibrate: bool = True
) -> list[dict]:
    """Estimates scale with population; Leicester's FY 2024/25 estimates are set so that
    unmet need comes out at the targets of metrics.md."""
    leicester = {}
    if calibrate:
        leicester = adults_in_treatment_by_group(
            pd.DataFrame(gen.journeys), date(UNMET_NEED_YEAR + 1, 3, 31), contract.LEICESTER_CODE
        )
    in_treatment = {
        "opiate_crack": leicester.get("opiate", 0),
        "alcohol_dependent": leicester.get("alcohol_only", 0)
        + leicester.get("non_opiate_and_alcohol", 0),
    }
    rows = []
    for area in areas:
        for year in years:
            for group, per_1000 in (("opiate_crack", 8.5), ("alcohol_dependent", 13.0)):
                estimate = round(area.population * 0.79 * per_1000 / 1000)
                if calibrate and area.code == contract.LEICESTER_CODE and year == UNMET_NEED_YEAR:
                    estimate = round(in_treatment[group] / (1 - UNMET_NEED_TARGETS[group]))
                rows.append(
                    {
                        "area_code": area.code,
                        "year": year,
                        "need_group": group,
                        "estimate": estimate,
                        "lower_ci": round(estimate * 0.86),
                        "upper_ci": round(estimate * 1.17),
                    }
                )
    return rows


FINGERTIPS_COLUMNS = [
    "Indicator ID",
    "Indicator Name",
    "Parent Code",
    "Parent Name",
    "Area Code",
    "Area Name",
    "Area Type",
    "Sex",
    "Age",
    "Category Type",
    "Category",
    "Time period",
    "Value",
    "Lower CI 95.0 limit",
    "Upper CI 95.0 limit",
    "Lower CI 99.8 limit",
    "Upper CI 99.8 limit",
    "Count",
    "Denominator",
    "Value note",
    "Recent Trend",
    "Compared to England value or percentiles",
    "Column not used",
    "Time period Sortable",
    "New data",
    "Compared to goal",
    "Time period range",
]
# England values for the sample. Published figures where metrics.md gives them (continuity of
# care 37.4% in 2021/22 and 43% in 2022/23; drug misuse deaths 5.0 per 100,000 in 2018-20);
# the rest are invented, plausible values.
ENGLAND_BENCHMARKS = {
    (
        92544,
        "Adults with substance misuse treatment need who successfully engage in community-based "
        "structured treatment following release from prison",
        "18+ yrs",
    ): {
        "2019/20": 34.2,
        "2020/21": 35.8,
        "2021/22": 37.4,
        "2022/23": 43.0,
        "2023/24": 47.3,
        "2024/25": 50.6,
    },
    (90244, "Successful completion of drug treatment: opiate users", "18+ yrs"): {
        "2020": 4.9,
        "2021": 5.0,
        "2022": 5.1,
        "2023": 5.0,
        "2024": 5.2,
    },
    (90245, "Successful completion of drug treatment: non-opiate users", "18+ yrs"): {
        "2020": 33.0,
        "2021": 32.4,
        "2022": 31.8,
        "2023": 31.0,
        "2024": 30.6,
    },
    (92447, "Successful completion of alcohol treatment", "18+ yrs"): {
        "2020": 36.5,
        "2021": 36.6,
        "2022": 35.9,
        "2023": 35.2,
        "2024": 34.8,
    },
    (92432, "Deaths from drug misuse", "All ages"): {
        "2018 - 20": 5.0,
        "2019 - 21": 5.1,
        "2020 - 22": 5.2,
        "2021 - 23": 5.4,
        "2022 - 24": 5.6,
    },
}


def fingertips_rows() -> list[dict]:
    rows = []
    for (indicator, name, age), values in ENGLAND_BENCHMARKS.items():
        for period, value in values.items():
            sortable = period[:4] + "0000"
            rows.append(
                {
                    "Indicator ID": indicator,
                    "Indicator Name": name,
                    "Area Code": contract.ENGLAND_CODE,
                    "Area Name": "England",
                    "Area Type": "England",
                    "Sex": "Persons",
                    "Age": age,
                    "Time period": period,
                    "Value": value,
                    "Compared to England value or percentiles": "Not compared",
                    "Column not used": "Not compared",
                    "Time period Sortable": sortable,
                    "Time period range": "3y" if " - " in period else "1y",
                }
            )
    return rows


def ons_rows(
    gen: Generator, deaths: list[dict], population: list[dict], areas: tuple[SampleArea, ...]
) -> list[dict]:
    """ONS-style published 3-year rates: near the register's own (ONS codes deaths a little
    differently), suppressed (':') below 10 deaths, and one area deliberately off."""
    rows = []
    for area in areas:
        for last_year in range(2021, 2025):
            rate, lower, upper = standardised_rate(deaths, population, area.code, last_year)
            count = sum(
                1
                for r in deaths
                if r["area_code"] == area.code
                and r["registration_date"].year in range(last_year - 2, last_year + 1)
            )
            row = {
                "area_code": area.code,
                "area_name": area.name,
                "period": f"{last_year - 2}-{last_year}",
            }
            if count < 10:
                row.update(deaths=":", rate_per_100k=":", lower_ci=":", upper_ci=":")
            else:
                factor = (
                    1.6
                    if area.code == "E06000018" and last_year == 2024
                    else gen.rng.uniform(0.97, 1.03)
                )
                row.update(
                    deaths=count,
                    rate_per_100k=round(rate * factor, 1),
                    lower_ci=round(lower * factor, 1),
                    upper_ci=round(upper * factor, 1),
                )
            rows.append(row)
    return rows


def _write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if row.get(k) is None else row[k]) for k in columns})


SAMPLE_README = """# The shipped sample (synthetic)

Written by `cdap sample` (pipelines/sample.py) with seed {seed}: the same seed gives the same
files. No real person is in it. It follows the raw contract (`pipelines/contract.py`).

- Areas: {areas}.
  Population sizes are rounded real mid-2021 totals spread over a typical age structure; every
  other number is invented.
- Coverage: 1 January 2019 to {as_of} (the as-of date of every record-level file).
- Treatment journeys: several per person, overlapping and open journeys, every discharge reason,
  every substance group, young people and adults.
- Calibrated for Leicester (E06000016) so that a refresh reproduces the figures of the Leicester
  drug and alcohol strategy listed in metrics.md: adults in treatment 2,087 (12 months to
  31 Dec 2021) and 2,500 (to 31 Dec 2024); continuity of care 21.0% (FY 2021/22) and 55.2%
  (FY 2024/25); 3-year drug misuse death rate 14.7 per 100,000 (2022-2024); unmet need about 80%
  (alcohol) and 50% (opiates and crack) in FY 2024/25.
- `fingertips_benchmarks.csv` holds England rows in the real Fingertips download format. Published
  England figures are used where metrics.md gives them (continuity of care 37.4% in 2021/22 and
  43% in 2022/23; deaths from drug misuse 5.0 per 100,000 in 2018-20); every other England value
  in it is invented.
- `ons_drug_deaths.csv` is invented: near the register's own rates, suppressed (`:`) below 10
  deaths, and Nottingham 2022-2024 deliberately off so the reconciliation has something to flag.
"""


def generate(out_dir: Path, seed: int = 20250930) -> dict[str, int]:
    """Write the sample raw folder; returns the number of rows per file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    gen = Generator(seed=seed)
    leicester = SAMPLE_AREAS[0]
    for area in SAMPLE_AREAS:
        for index in range(area.people):
            gen.add_person(area, index)
    for area in SAMPLE_AREAS:
        gen.add_releases(area)
    gen.pin_coverage()
    gen.calibrate_continuity_of_care(leicester)
    gen.calibrate_adults_in_treatment(leicester)
    gen.journeys.sort(key=lambda j: j["journey_id"])
    gen.releases.sort(key=lambda r: r["release_id"])

    population = population_rows(SAMPLE_AREAS, range(2018, gen.as_of.year + 1))
    deaths = deaths_rows(gen, SAMPLE_AREAS, population)
    files = {
        contract.TREATMENT_JOURNEYS: gen.journeys,
        contract.PRISON_RELEASES: gen.releases,
        contract.DRUG_DEATHS_REGISTER: deaths,
        contract.POPULATION: population,
        contract.PREVALENCE_ESTIMATES: prevalence_rows(
            gen, SAMPLE_AREAS, range(2019, gen.as_of.year + 1)
        ),
        contract.ONS_DRUG_DEATHS: ons_rows(gen, deaths, population, SAMPLE_AREAS),
    }
    counts = {}
    for raw_file, rows in files.items():
        _write_csv(out_dir / raw_file.filename, [c.header for c in raw_file.columns], rows)
        counts[raw_file.filename] = len(rows)
    benchmarks = fingertips_rows()
    _write_csv(out_dir / contract.FINGERTIPS_BENCHMARKS.filename, FINGERTIPS_COLUMNS, benchmarks)
    counts[contract.FINGERTIPS_BENCHMARKS.filename] = len(benchmarks)
    areas = ", ".join(f"{a.name} ({a.code})" for a in SAMPLE_AREAS)
    readme = SAMPLE_README.format(seed=seed, areas=areas, as_of=gen.as_of.isoformat())
    (out_dir / "README.md").write_text(readme, encoding="utf-8")
    return counts


# -- national scale (benchmarks) ------------------------------------------------------------------
# People with a journey over the sample's six and three-quarter years, per resident: about
# 300,000 adults in treatment a year in England at scale 1 (OHID: 310,863 in 2023/24).
PEOPLE_PER_RESIDENT = 0.0163
PEOPLE_PER_RELEASE = 20  # about 45,000 releases a year at scale 1


def national_areas(count: int | None = None, scale: float = 1.0, seed: int = 20250930):
    """The first `count` upper-tier authorities of the areas seed (all 152 by default), with
    invented populations around England's average (56.5 million in all) and people in
    treatment in proportion."""
    rng = random.Random(seed + 1)
    codes = [r for r in contract._seed("areas") if r["area_code"] != contract.ENGLAND_CODE]
    chosen = codes[: count or len(codes)]
    areas = []
    for row in chosen:
        population = int(min(1_500_000, max(30_000, rng.lognormvariate(12.7, 0.5))))
        people = max(5, round(population * PEOPLE_PER_RESIDENT * scale))
        areas.append(SampleArea(row["area_code"], row["area_name"], population, people))
    return tuple(areas)


def generate_national(
    out_dir: Path,
    areas: int | None = None,
    scale: float = 1.0,
    seed: int = 20250930,
    as_of: date = AS_OF,
) -> dict[str, int]:
    """A raw folder for many areas at England-wide volumes times `scale` (no calibration, no
    optional files: with all 152 authorities, England's values come from the data itself)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    chosen = national_areas(areas, scale, seed)
    gen = Generator(
        seed=seed,
        as_of=as_of,
        areas=chosen,
        id_prefix=f"S{seed}",
        people_per_release=PEOPLE_PER_RELEASE,
    )
    for area in chosen:
        for index in range(area.people):
            gen.add_person(area, index)
    adults_by_area: dict[str, list[dict]] = {}
    for journey in gen.journeys:
        if journey["age_at_referral"] >= 18:
            adults_by_area.setdefault(journey["area_code"], []).append(journey)
    for area in chosen:
        gen.add_releases(area, adults_by_area.get(area.code, []))
    gen.pin_coverage()
    population = population_rows(chosen, range(2018, as_of.year + 1))
    files = {
        contract.TREATMENT_JOURNEYS: gen.journeys,
        contract.PRISON_RELEASES: gen.releases,
        contract.DRUG_DEATHS_REGISTER: deaths_rows(
            gen, chosen, population, calibrate=False, scale=scale
        ),
        contract.POPULATION: population,
        contract.PREVALENCE_ESTIMATES: prevalence_rows(
            gen, chosen, range(2019, as_of.year + 1), calibrate=False
        ),
    }
    counts = {}
    for raw_file, rows in files.items():
        _write_csv(out_dir / raw_file.filename, [c.header for c in raw_file.columns], rows)
        counts[raw_file.filename] = len(rows)
    return counts
