"""Writes treatment_journeys.csv: one row per treatment journey (referral, triage, start,
discharge).

The rows look like an NDTMS extract. People have several journeys, some overlapping and some
still open, and a few move between areas. Every discharge reason and substance group appears,
young people as well as adults, and referrals grow a little each year. How long a journey lasts
depends on its substance group: opiate clients often stay for years, alcohol and non-opiate
journeys last months. The extract starts on 1 January 2019 and, as real case-management
extracts do, carries in the caseload already in treatment that day: journeys referred and
started in earlier years and still open, with their own earlier dates, as many in each area as
a steady service keeps open. Every discharge in the file is on or after 1 January 2019. No date
lies after the as-of date: a journey still under way is open. Leicester's adults in treatment
are then calibrated to the figures in its drug and alcohol strategy, and checked by
`adults_in_treatment`, a reading of the rule written independently of the warehouse's dbt
model.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import date, timedelta

import pandas as pd

from pipelines import contract
from pipelines.synthetic.areas import SampleArea
from pipelines.synthetic.common import (
    EXTRACT_START,
    REFERRAL_GROWTH,
    Generator,
    make_id,
    random_day,
    weighted_choice,
    window_start,
)

# Leicester's adults in treatment in its drug and alcohol strategy: the shipped sample must
# reproduce these exactly.
ADULTS_IN_TREATMENT_TARGETS = {date(2021, 12, 31): 2087, date(2024, 12, 31): 2500}

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

# Days from treatment start to discharge, by substance group: lognormal (mu, sigma) of the days.
# Opiate clients often stay for years (opioid substitution treatment: median about 16 months, a
# quarter over two and a half years, a tenth over four); alcohol and non-opiate journeys last
# months (median five to six).
JOURNEY_LENGTHS = {
    "opiate": (6.2, 0.9),
    "non_opiate_only": (5.0, 0.8),
    "non_opiate_and_alcohol": (5.1, 0.8),
    "alcohol_only": (5.2, 0.7),
}
# The oldest journey the carried-in caseload holds started on or after this day.
EARLIEST_CARRIED_IN_START = date(2010, 1, 1)

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


def _next_journey_id(gen: Generator) -> str:
    gen.journey_seq += 1
    return f"J{gen.id_prefix}{gen.journey_seq:08d}"


def add_journey(
    gen: Generator,
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
    """Append one journey referred on `referral` (None after the as-of date); the dates and
    reasons not given are drawn."""
    rng = gen.rng
    if referral > gen.as_of:
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
        days = duration if duration is not None else journey_length(gen, substances)
        discharge = start + timedelta(days=days)
    elif rng.random() < 0.7:  # a referral that never started is usually closed
        discharge = referral + timedelta(days=rng.randint(20, 120))
    reason = None
    if discharge is not None:
        reason = discharge_reason or weighted_choice(rng, DISCHARGE_WEIGHTS)
        if start is None and reason.startswith("completed"):
            reason = "declined_by_client"
    dates = [d for d in (triage, start, discharge) if d is not None]
    if any(d > gen.as_of for d in dates):
        # Nothing may lie after the as-of date: a journey still under way is open.
        if triage and triage > gen.as_of:
            triage = None
        if start and start > gen.as_of:
            start = None
        discharge, reason = None, None
    padded = (*substances, None, None)
    row = {
        "journey_id": _next_journey_id(gen),
        "client_id": client_id,
        "area_code": area_code,
        "age_at_referral": age,
        "sex": sex,
        "substance_1": padded[0],
        "substance_2": padded[1],
        "substance_3": padded[2],
        "referral_source": referral_source or weighted_choice(rng, REFERRAL_SOURCE_WEIGHTS),
        "referral_date": referral,
        "triage_date": triage,
        "treatment_start_date": start,
        "discharge_date": discharge,
        "discharge_reason": reason,
    }
    gen.journeys.append(row)
    return row


def substance_profile(gen: Generator) -> tuple[str, ...]:
    """The substances of a journey, drawn from SUBSTANCE_PROFILES."""
    weights = [w for w, _ in SUBSTANCE_PROFILES]
    return gen.rng.choices([s for _, s in SUBSTANCE_PROFILES], weights=weights)[0]


def journey_length(gen: Generator, substances: tuple[str, ...], length_biased=False) -> int:
    """Days from a journey's treatment start to its discharge, drawn from JOURNEY_LENGTHS by
    its substance group. `length_biased`: the length of a journey found open on a given day
    instead, where a journey is found in proportion to its length (for a lognormal, mu moves
    up by sigma squared)."""
    mu, sigma = JOURNEY_LENGTHS[substance_group(list(substances))]
    if length_biased:
        mu += sigma**2
    return int(gen.rng.lognormvariate(mu, sigma))


def mean_journey_length(substances: tuple[str, ...]) -> float:
    """The mean of journey_length's days for these substances."""
    mu, sigma = JOURNEY_LENGTHS[substance_group(list(substances))]
    return math.exp(mu + sigma**2 / 2)


def carried_in_journey(gen: Generator) -> tuple[tuple[str, ...], date, int, int]:
    """(substances, referral date, days to start, days to discharge) of a journey open on
    EXTRACT_START, drawn as a steady service's open caseload is made up: substances in
    proportion to how common and how long their journeys are (so mostly opiate clients), the
    length of a journey found open, and its start anywhere in that length before the day
    (back to EARLIEST_CARRIED_IN_START)."""
    rng = gen.rng
    weights = [w * mean_journey_length(s) for w, s in SUBSTANCE_PROFILES]
    substances = rng.choices([s for _, s in SUBSTANCE_PROFILES], weights=weights)[0]
    while True:
        length = max(1, journey_length(gen, substances, length_biased=True))
        start = EXTRACT_START - timedelta(days=rng.randint(1, length))
        if start >= EARLIEST_CARRIED_IN_START:
            break
    delay = int(rng.expovariate(1 / 12))
    return substances, start - timedelta(days=delay), delay, length


def add_person(gen: Generator, area: SampleArea, index: int, carried_in: bool = False) -> None:
    """The journeys of one invented person: a first referral, then up to four more. With
    `carried_in`, a person of the caseload already in treatment when the extract starts: their
    first journey is open on EXTRACT_START, referred and started before it."""
    rng = gen.rng
    client_id = make_id("C", gen.seed, area.code, *(("carried-in",) if carried_in else ()), index)
    sex = rng.choices(("male", "female", "other", "not_stated"), (0.66, 0.32, 0.01, 0.01))[0]
    young = rng.random() < 0.07
    age = rng.randint(12, 17) if young else min(90, 18 + int(rng.gammavariate(3.0, 6.5)))
    start_delay = duration = None
    if carried_in:
        substances, referral, start_delay, duration = carried_in_journey(gen)
    else:
        referral = random_day(EXTRACT_START, gen.as_of, rng, growth=REFERRAL_GROWTH)
        substances = substance_profile(gen)
    # a few people move between areas (their latest journey decides where they count)
    journeys = 1 + min(4, int(rng.expovariate(1.6)))
    for n in range(journeys):
        row = add_journey(
            gen,
            client_id,
            area.code,
            age,
            sex,
            substances,
            referral,
            start_delay=start_delay,
            duration=duration,
            never_starts=False if start_delay is not None else None,
        )
        start_delay = duration = None  # later journeys are drawn
        if row is None:
            break
        end = row["discharge_date"] or row["treatment_start_date"] or row["referral_date"]
        if row["discharge_date"] is None and rng.random() < 0.8:
            break  # still open: usually no further journey
        overlap = rng.random() < 0.08
        gap = -rng.randint(5, 40) if overlap else int(rng.expovariate(1 / 240))
        # later journeys lie in the extract (one that ended before it would not be in the file):
        # after a carried-in journey still open, counted from the extract's start
        next_referral = max(end, EXTRACT_START) + timedelta(days=gap)
        referral = max(next_referral, row["referral_date"] + timedelta(days=1), EXTRACT_START)
        age += max(0, (referral - row["referral_date"]).days // 365)
        if rng.random() < 0.25:
            substances = substance_profile(gen)
        if n == 0 and rng.random() < 0.02:
            area = rng.choice(gen.areas)


def add_carried_in(gen: Generator) -> None:
    """The caseload already in treatment when the extract starts, in every area: people whose
    journey was referred and started before EXTRACT_START and is still open that day. Each area
    carries in as many as a steady service keeps open: the rate its journeys start at when the
    extract starts (its journeys started over the extract, brought back to the first year by
    the referrals' growth) times how long a journey lasts on average. Called once the area's
    own people are drawn; a carried-in person may come back after their journey ends, like
    anyone else."""
    years = (gen.as_of - EXTRACT_START).days / 365.25
    first_year_share = math.log(1 + REFERRAL_GROWTH) / ((1 + REFERRAL_GROWTH) ** years - 1)
    weights = [w for w, _ in SUBSTANCE_PROFILES]
    mean_days = sum(w * mean_journey_length(s) for w, s in SUBSTANCE_PROFILES) / sum(weights)
    starts = Counter(j["area_code"] for j in gen.journeys if j["treatment_start_date"])
    for area in gen.areas:
        caseload = starts[area.code] * first_year_share * mean_days / 365.25
        for index in range(round(caseload)):
            add_person(gen, area, index, carried_in=True)


def pin_coverage(gen: Generator) -> None:
    """Pin the file's period to EXTRACT_START and the as-of date, so that the first full
    windows and the last complete month are the ones the sample is calibrated for. Its first
    discharge is on EXTRACT_START (the warehouse takes an extract's records to be complete
    from the month of its first discharge): a referral carried in that never started, closed
    that day. Its last referral is on the as-of date, still open."""
    for day in (EXTRACT_START, gen.as_of):
        referral = day - timedelta(days=12) if day == EXTRACT_START else day
        add_journey(
            gen,
            make_id("C", gen.seed, "coverage", day),
            gen.coverage_area,
            35,
            "female",
            ("cannabis",),
            referral,
            never_starts=True,
        )
        closed = day == EXTRACT_START
        gen.journeys[-1].update(
            triage_date=None,
            discharge_date=day if closed else None,
            discharge_reason="declined_by_client" if closed else None,
        )


def calibrate_adults_in_treatment(gen: Generator, area: SampleArea) -> None:
    """Bring the bulk to the exact targets: drop people over a target (never someone
    released from prison, so continuity stays as calibrated), then add people with one
    journey inside one target window only (counted there and nowhere else)."""
    rng = gen.rng
    frame = pd.DataFrame(gen.journeys)
    released = {r["client_id"] for r in gen.releases}
    for month_end, target in ADULTS_IN_TREATMENT_TARGETS.items():
        counted = adults_in_treatment(frame, month_end, area.code)
        while len(counted) > target:
            droppable = sorted(counted - released)
            drop = set(rng.sample(droppable, len(counted) - target))
            gen.journeys = [j for j in gen.journeys if j["client_id"] not in drop]
            frame = pd.DataFrame(gen.journeys)
            counted = adults_in_treatment(frame, month_end, area.code)
    for month_end, target in ADULTS_IN_TREATMENT_TARGETS.items():
        counted = adults_in_treatment(pd.DataFrame(gen.journeys), month_end, area.code)
        year_start = date(month_end.year, 1, 1)
        for k in range(target - len(counted)):
            start = year_start + timedelta(days=rng.randint(0, 300))
            add_journey(
                gen,
                make_id("C", gen.seed, "calibration", month_end, k),
                area.code,
                18 + int(rng.gammavariate(3.0, 6.5)),
                rng.choice(("male", "female")),
                substance_profile(gen),
                start - timedelta(days=rng.randint(0, 20)),
                start_delay=None,
                duration=rng.randint(20, (date(month_end.year, 12, 31) - start).days),
                never_starts=False,
            )
            row = gen.journeys[-1]
            row["treatment_start_date"] = start
            if row["triage_date"] and row["triage_date"] > start:
                row["triage_date"] = start
            if row["discharge_date"] is None:  # keep it inside the target year
                row["discharge_date"] = date(month_end.year, 12, 31)
                row["discharge_reason"] = weighted_choice(rng, DISCHARGE_WEIGHTS)
    frame = pd.DataFrame(gen.journeys)
    for month_end, target in ADULTS_IN_TREATMENT_TARGETS.items():
        got = len(adults_in_treatment(frame, month_end, area.code))
        assert got == target, f"calibration failed for {month_end}: {got} != {target}"


def adults_in_treatment(
    journeys: pd.DataFrame, month_end: date, area_code: str, latest_rows: bool = False
):
    """The client_ids counted as adults in treatment in the area over the 12 months to
    month_end: people whose latest journey in the window (started by its end and not
    discharged before its start) is in the area, aged 18 or over at referral. With
    `latest_rows`, those journeys instead. An independent reading of the rule, used to
    calibrate the sample; the warehouse computes it in dbt."""
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


def substance_group(substances: list[str | None]) -> str:
    """A journey's substance group by the NDTMS hierarchy: any opiate makes it opiate;
    otherwise any other drug makes it non-opiate, with or without alcohol; otherwise it is
    alcohol only (the warehouse computes it in dbt)."""
    classes = {contract.SUBSTANCE_CLASSES[s] for s in substances if isinstance(s, str)}
    if "opiate" in classes:
        return "opiate"
    if "non_opiate" in classes:
        return "non_opiate_and_alcohol" if "alcohol" in classes else "non_opiate_only"
    return "alcohol_only"


def adults_in_treatment_by_group(
    journeys: pd.DataFrame, month_end: date, area_code: str
) -> dict[str, int]:
    """Adults in treatment (as `adults_in_treatment`) counted by substance group."""
    counted = adults_in_treatment(journeys, month_end, area_code, latest_rows=True)
    groups = counted[["substance_1", "substance_2", "substance_3"]].apply(
        lambda row: substance_group(list(row)), axis=1
    )
    return groups.value_counts().to_dict()
