"""Writes prison_releases.csv: one row per release from prison to an area.

An area has one release a year for every `people_per_release` of its people with a journey (at
least 6 a year). About a third of the releases are of people who already have an adult journey
there. A growing share of released people engage: they get a journey referred from prison that
starts 0 to 21 days after release, so continuity of care rises year on year. Those journeys go
into the treatment journeys. Leicester's continuity of care is then calibrated to the figures in
its drug and alcohol strategy, and checked by `continuity_of_care`, a reading of the rule
written independently of the warehouse's dbt model.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from pipelines.synthetic.areas import SampleArea
from pipelines.synthetic.common import (
    EXTRACT_START,
    Generator,
    make_id,
    random_day,
    window_start,
)
from pipelines.synthetic.treatment_journeys import add_journey, substance_profile

# Leicester's continuity of care in its strategy, percent to one decimal, by financial year
# (the 12 months to 31 March): the shipped sample must reproduce these exactly.
CONTINUITY_TARGETS = {date(2022, 3, 31): 21.0, date(2025, 3, 31): 55.2}
# National folders: about 45,000 releases a year at scale 1 (one a year for every 17 people
# first referred in the extract).
PEOPLE_PER_RELEASE = 17


def _release_id(gen: Generator) -> str:
    return f"R{gen.id_prefix}{gen.release_seq:07d}"


def add_releases(gen: Generator, area: SampleArea, adults: list[dict] | None = None) -> None:
    """The area's releases from 2019 to the as-of date, and the journeys of those who
    engage. `adults`: the area's adult journeys, whose people may be the ones released
    (by default, read from the journeys drawn so far)."""
    rng = gen.rng
    if adults is None:
        adults = [
            j for j in gen.journeys if j["area_code"] == area.code and j["age_at_referral"] >= 18
        ]
    per_year = max(6, area.people // gen.people_per_release)
    years = (gen.as_of - EXTRACT_START).days / 365.25
    for _ in range(int(per_year * years)):
        gen.release_seq += 1
        release = random_day(EXTRACT_START, gen.as_of, rng)
        if rng.random() < 0.35 and adults:
            person = rng.choice(adults)
            client_id, age = person["client_id"], max(18, person["age_at_referral"])
        else:
            client_id = make_id("C", gen.seed, "prison", gen.release_seq)
            age = 18 + int(rng.gammavariate(3.0, 6.0))
        engages = rng.random() < (0.2 + 0.06 * (release.year - 2019))
        if engages:
            add_journey(
                gen,
                client_id,
                area.code,
                age,
                "male",
                substance_profile(gen),
                release - timedelta(days=rng.randint(0, 20)),
                referral_source="prison",
                start_delay=0,
            )
            # start on or within 21 days after the release
            gen.journeys[-1]["treatment_start_date"] = min(
                gen.as_of, release + timedelta(days=rng.randint(0, 21))
            )
            gen.journeys[-1]["referral_date"] = min(
                gen.journeys[-1]["referral_date"], gen.journeys[-1]["treatment_start_date"]
            )
            _repair_dates(gen.journeys[-1], gen.as_of)
        gen.releases.append(
            {
                "release_id": _release_id(gen),
                "client_id": client_id,
                "area_code": area.code,
                "release_date": release,
                "age_at_release": age,
            }
        )


def pin_coverage(gen: Generator) -> None:
    """Make the file start on 1 January 2019 and end on the as-of date (a release on each
    day), so the first full windows and the last complete month are the ones the sample is
    calibrated for."""
    for day in (EXTRACT_START, gen.as_of):
        gen.release_seq += 1
        gen.releases.append(
            {
                "release_id": _release_id(gen),
                "client_id": make_id("C", gen.seed, "coverage-release", day),
                "area_code": gen.coverage_area,
                "release_date": day,
                "age_at_release": 30,
            }
        )


def calibrate_continuity_of_care(gen: Generator, area: SampleArea) -> None:
    """Make the area's continuity of care hit each target exactly: an engaged release
    is disengaged by giving it a client with no journeys; a release is engaged by adding
    a journey that starts 0 to 21 days after it."""
    rng = gen.rng
    for month_end, target in CONTINUITY_TARGETS.items():
        journeys = pd.DataFrame(gen.journeys)
        engaged, in_window = continuity_of_care(
            pd.DataFrame(gen.releases), journeys, month_end, area.code
        )
        wanted = next(
            k
            for k in sorted(
                range(len(in_window) + 1), key=lambda k: abs(k - target / 100 * len(in_window))
            )
            if round(100 * k / len(in_window), 1) == target
        )
        by_id = {r["release_id"]: r for r in gen.releases}
        for release_id in sorted(engaged)[: max(0, len(engaged) - wanted)]:
            gen.release_seq += 1
            by_id[release_id]["client_id"] = make_id("C", gen.seed, "disengaged", gen.release_seq)
        idle = sorted(set(in_window) - set(engaged))
        for release_id in rng.sample(idle, max(0, wanted - len(engaged))):
            release = by_id[release_id]
            start = release["release_date"] + timedelta(days=rng.randint(0, 21))
            row = add_journey(
                gen,
                release["client_id"],
                area.code,
                release["age_at_release"],
                "male",
                substance_profile(gen),
                release["release_date"] - timedelta(days=rng.randint(0, 20)),
                referral_source="prison",
                start_delay=0,
                never_starts=False,
            )
            row["treatment_start_date"] = min(start, gen.as_of)
            row["referral_date"] = min(row["referral_date"], row["treatment_start_date"])
            _repair_dates(row, gen.as_of)
    for month_end, target in CONTINUITY_TARGETS.items():
        engaged, in_window = continuity_of_care(
            pd.DataFrame(gen.releases), pd.DataFrame(gen.journeys), month_end, area.code
        )
        got = round(100 * len(engaged) / len(in_window), 1)
        assert got == target, f"continuity calibration failed for {month_end}: {got}"


def continuity_of_care(
    releases: pd.DataFrame, journeys: pd.DataFrame, month_end: date, area_code: str
) -> tuple[set[str], list[str]]:
    """(engaged release ids, all release ids) for continuity of care in the area over the
    12 months to month_end: a release is engaged when a journey of the same client starts
    0 to 21 days after it. An independent reading of the rule, used to calibrate the
    sample; the warehouse computes it in dbt."""
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


def _repair_dates(row: dict, as_of: date) -> None:
    """Put an edited journey's dates back in order (triage by start, discharge after start)
    and reopen it if its discharge falls after the as-of date."""
    start, discharge = row["treatment_start_date"], row["discharge_date"]
    if row["triage_date"] and start and row["triage_date"] > start:
        row["triage_date"] = start
    if discharge and start and discharge < start:
        row["discharge_date"] = start + timedelta(days=30)
    if row["discharge_date"] and row["discharge_date"] > as_of:
        row["discharge_date"], row["discharge_reason"] = None, None
