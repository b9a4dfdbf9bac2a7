"""Writes police/: street-level crime as the police.uk data download unpacks it, one folder a
month (`YYYY-MM/`) holding a `YYYY-MM-<force>-street.csv` file for each force that covers the
folder's areas, with police.uk's 12 columns.

Every month from January 2019 (the first month of the first 12-month window) to the last
complete month on or before the as-of date has a file from every force, even a month without a
row. The rows are placed on the areas' invented LSOAs (lsoa_lookup); the force files hold the
rows of the folder's areas only. A small share of rows has no location (police.uk's "No
Location", with no LSOA), as real files have. Crime types, outcome categories and the "On or
near" locations are police.uk's. Volumes follow England's police-recorded rates per 1,000
residents by crime type (higher in cities), with the 2020 lockdowns, winter burglaries and
rising theft from the person. To keep the sample small, the files hold only a share of the
crimes (CRIME_SHARE): one in SAMPLED_METRIC_TYPES of the types the crime metrics count, and a
thinner sample of the other types, so every type appears; national folders take the same
shares, times their scale. For the last OUTCOMES_MONTHS months the download's `-outcomes.csv`
files sit beside the street files (the warehouse does not read them). Each area draws from its
own random stream, so an area's rows do not depend on the other areas of the folder.
"""

from __future__ import annotations

import csv
import hashlib
import math
import random
from datetime import date, timedelta
from pathlib import Path

from pipelines import contract
from pipelines.synthetic.areas import SampleArea
from pipelines.synthetic.common import EXTRACT_START, stream
from pipelines.synthetic.lsoa_lookup import UNUSED_PER_AREA, area_lsoas

STREET_COLUMNS = tuple(c.source_name for c in contract.POLICE_STREET.columns)
OUTCOMES_COLUMNS = (*STREET_COLUMNS[:9], "Outcome type")
OUTCOMES_MONTHS = 3  # the last months that have an -outcomes.csv file beside the street file

# police.uk force slug -> (name in "Reported by" and "Falls within", the upper-tier
# authorities it covers): every authority of England has exactly one.
FORCES: dict[str, tuple[str, tuple[str, ...]]] = {
    "avon-and-somerset": (
        "Avon and Somerset Constabulary",
        ("E06000022", "E06000023", "E06000024", "E06000025", "E10000027"),
    ),
    "bedfordshire": ("Bedfordshire Police", ("E06000032", "E06000055", "E06000056")),
    "cambridgeshire": ("Cambridgeshire Constabulary", ("E06000031", "E10000003")),
    "cheshire": ("Cheshire Constabulary", ("E06000006", "E06000007", "E06000049", "E06000050")),
    "city-of-london": ("City of London Police", ("E09000001",)),
    "cleveland": ("Cleveland Police", ("E06000001", "E06000002", "E06000003", "E06000004")),
    "cumbria": ("Cumbria Constabulary", ("E10000006",)),
    "derbyshire": ("Derbyshire Constabulary", ("E06000015", "E10000007")),
    "devon-and-cornwall": (
        "Devon & Cornwall Police",
        ("E06000026", "E06000027", "E06000052", "E06000053", "E10000008"),
    ),
    "dorset": ("Dorset Police", ("E06000058", "E06000059")),
    "durham": ("Durham Constabulary", ("E06000005", "E06000047")),
    "essex": ("Essex Police", ("E06000033", "E06000034", "E10000012")),
    "gloucestershire": ("Gloucestershire Constabulary", ("E10000013",)),
    "greater-manchester": (
        "Greater Manchester Police",
        tuple(f"E080000{n:02d}" for n in range(1, 11)),
    ),
    "hampshire": (
        "Hampshire Constabulary",
        ("E06000044", "E06000045", "E06000046", "E10000014"),
    ),
    "hertfordshire": ("Hertfordshire Constabulary", ("E10000015",)),
    "humberside": ("Humberside Police", ("E06000010", "E06000011", "E06000012", "E06000013")),
    "kent": ("Kent Police", ("E06000035", "E10000016")),
    "lancashire": ("Lancashire Constabulary", ("E06000008", "E06000009", "E10000017")),
    "leicestershire": ("Leicestershire Police", ("E06000016", "E06000017", "E10000018")),
    "lincolnshire": ("Lincolnshire Police", ("E10000019",)),
    "merseyside": (
        "Merseyside Police",
        ("E08000011", "E08000012", "E08000013", "E08000014", "E08000015"),
    ),
    "metropolitan": (
        "Metropolitan Police Service",
        tuple(f"E090000{n:02d}" for n in range(2, 34)),
    ),
    "norfolk": ("Norfolk Constabulary", ("E10000020",)),
    "north-yorkshire": ("North Yorkshire Police", ("E06000014", "E10000023")),
    "northamptonshire": ("Northamptonshire Police", ("E06000061", "E06000062")),
    "northumbria": (
        "Northumbria Police",
        ("E06000057", "E08000021", "E08000022", "E08000023", "E08000024", "E08000037"),
    ),
    "nottinghamshire": ("Nottinghamshire Police", ("E06000018", "E10000024")),
    "south-yorkshire": (
        "South Yorkshire Police",
        ("E08000016", "E08000017", "E08000018", "E08000019"),
    ),
    "staffordshire": ("Staffordshire Police", ("E06000021", "E10000028")),
    "suffolk": ("Suffolk Constabulary", ("E10000029",)),
    "surrey": ("Surrey Police", ("E10000030",)),
    "sussex": ("Sussex Police", ("E06000043", "E10000011", "E10000032")),
    "thames-valley": (
        "Thames Valley Police",
        (
            "E06000036",
            "E06000037",
            "E06000038",
            "E06000039",
            "E06000040",
            "E06000041",
            "E06000042",
            "E06000060",
            "E10000025",
        ),
    ),
    "warwickshire": ("Warwickshire Police", ("E10000031",)),
    "west-mercia": (
        "West Mercia Police",
        ("E06000019", "E06000020", "E06000051", "E10000034"),
    ),
    "west-midlands": (
        "West Midlands Police",
        tuple(f"E080000{n:02d}" for n in range(25, 32)),
    ),
    "west-yorkshire": (
        "West Yorkshire Police",
        ("E08000032", "E08000033", "E08000034", "E08000035", "E08000036"),
    ),
    "wiltshire": ("Wiltshire Police", ("E06000030", "E06000054")),
}
FORCE_OF_AREA = {code: slug for slug, (_, codes) in FORCES.items() for code in codes}

# Crimes a year per 1,000 residents in England, by police.uk crime type (police recorded crime
# and ASB incidents, about 2023/24, rounded).
CRIME_RATES = {
    "Anti-social behaviour": 17.0,
    "Bicycle theft": 1.1,
    "Burglary": 4.3,
    "Criminal damage and arson": 8.5,
    "Drugs": 3.2,
    "Other crime": 1.6,
    "Other theft": 7.0,
    "Possession of weapons": 1.0,
    "Public order": 6.5,
    "Robbery": 1.3,
    "Shoplifting": 7.0,
    "Theft from the person": 2.0,
    "Vehicle crime": 6.3,
    "Violence and sexual offences": 36.0,
}
# The types the crime metrics count: drug offences, and neighbourhood crime.
METRIC_TYPES = frozenset({"Drugs", "Burglary", "Robbery", "Theft from the person", "Vehicle crime"})
SAMPLED_METRIC_TYPES = 25  # one crime in this many of the metric types is in the files
SAMPLED_OTHER_TYPES = 1000  # and one in this many of the other types
CRIME_SHARE = {
    crime_type: 1 / (SAMPLED_METRIC_TYPES if crime_type in METRIC_TYPES else SAMPLED_OTHER_TYPES)
    for crime_type in CRIME_RATES
}
# Crime against England's rate, for the sample's areas (cities higher, counties lower).
AREA_CRIME = {
    "E06000016": 1.35,
    "E10000018": 0.65,
    "E06000017": 0.45,
    "E06000018": 1.6,
    "E06000015": 1.25,
    "E08000026": 1.3,
}
NO_LOCATION = 0.015  # share of rows police.uk publishes without a location
_OUTCOMES = {
    "Drugs": {
        "Local resolution": 0.24,
        "Offender given a drugs possession warning": 0.12,
        "Court result unavailable": 0.12,
        "Unable to prosecute suspect": 0.11,
        "Awaiting court outcome": 0.05,
        "Formal action is not in the public interest": 0.06,
        "Offender given a caution": 0.05,
        "Further action is not in the public interest": 0.03,
        "Investigation complete; no suspect identified": 0.06,
        "Status update unavailable": 0.06,
        "Offender given penalty notice": 0.03,
        "Suspect charged as part of another case": 0.04,
        "Action to be taken by another organisation": 0.03,
    },
    "other": {
        "Investigation complete; no suspect identified": 0.55,
        "Unable to prosecute suspect": 0.22,
        "Court result unavailable": 0.05,
        "Awaiting court outcome": 0.02,
        "Local resolution": 0.03,
        "Further investigation is not in the public interest": 0.03,
        "Status update unavailable": 0.04,
        "Offender given a caution": 0.01,
        "Formal action is not in the public interest": 0.02,
        "Action to be taken by another organisation": 0.02,
        "Suspect charged as part of another case": 0.01,
    },
}
_UNSETTLED = ("Under investigation", "Status update unavailable")


def police_months(as_of: date) -> list[str]:
    """Every month from January 2019 to the last complete month on or before as_of."""
    last = as_of + timedelta(days=1)
    end = last.year * 12 + last.month - 2  # the month before the one holding as_of + 1 day
    first = EXTRACT_START.year * 12 + EXTRACT_START.month - 1
    return [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in range(first, end + 1)]


def area_crime(area: SampleArea) -> float:
    """The area's crime against England's rate: the sample's set, others drawn from the code
    (metropolitan boroughs and London higher, counties lower)."""
    if area.code in AREA_CRIME:
        return AREA_CRIME[area.code]
    digest = hashlib.sha256(f"crime|{area.code}".encode()).hexdigest()
    base = {"E08": 1.2, "E09": 1.3, "E06": 1.05, "E10": 0.75}[area.code[:3]]
    return base * math.exp(random.Random(int(digest[:16], 16)).gauss(0, 0.15))


def month_factor(crime_type: str, month: str) -> float:
    """Seasons, the 2020-21 lockdowns and trends, against the type's yearly rate."""
    year, number = int(month[:4]), int(month[5:])
    factor = 1.0
    lockdown = month in ("2020-04", "2020-05", "2020-06", "2021-01", "2021-02", "2021-03")
    if lockdown:
        # fewer burglaries and thefts with people at home and shops shut; more drug
        # offences found by patrols; lockdown breaches reported as anti-social behaviour
        factor *= {"Drugs": 1.3, "Anti-social behaviour": 1.8, "Shoplifting": 0.5}.get(
            crime_type, 0.65 if crime_type in METRIC_TYPES else 0.85
        )
    if crime_type == "Burglary" and number in (10, 11, 12, 1):
        factor *= 1.2
    if crime_type == "Theft from the person":
        factor *= 1.08 ** (year - 2022)
    if crime_type == "Shoplifting":
        factor *= 1.12 ** (year - 2022)
    if crime_type == "Burglary":
        factor *= 0.97 ** (year - 2022)
    return factor


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 40:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, product, count = math.exp(-mean), rng.random(), 0
    while product > limit:
        product *= rng.random()
        count += 1
    return count


def _outcome(rng: random.Random, crime_type: str, months_before_end: int) -> str:
    if crime_type == "Anti-social behaviour":
        return ""
    pending = 0.5 if months_before_end < 3 else 0.12 if months_before_end < 12 else 0.01
    if rng.random() < pending:
        return "Under investigation"
    weights = _OUTCOMES["Drugs" if crime_type == "Drugs" else "other"]
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def area_rows(
    seed: int, area: SampleArea, months: list[str], scale: float = 1.0
) -> dict[str, list[list[str]]]:
    """The area's street rows by month, each a list in STREET_COLUMNS order."""
    rng = stream(seed, f"police|{area.code}")
    force_name = FORCES[FORCE_OF_AREA[area.code]][0]
    lsoas = area_lsoas(area)
    used = lsoas[: max(1, len(lsoas) - UNUSED_PER_AREA)]
    # crime concentrates: a few LSOAs (town centres) have many times the median's
    cumulative = []
    total = 0.0
    for _ in used:
        total += rng.lognormvariate(0, 0.9)
        cumulative.append(total)
    rate = area_crime(area) * scale
    by_month = {}
    for number, month in enumerate(months):
        age = len(months) - 1 - number  # months before the last
        population = area.population * 1.006 ** (int(month[:4]) - 2021)
        rows = []
        for crime_type, per_1000 in CRIME_RATES.items():
            mean = population / 1000 * per_1000 / 12 * CRIME_SHARE[crime_type] * rate
            for _ in range(_poisson(rng, mean * month_factor(crime_type, month))):
                lsoa = rng.choices(used, cum_weights=cumulative)[0]
                outcome = _outcome(rng, crime_type, age)
                crime_id = ""
                if crime_type != "Anti-social behaviour":
                    key = f"{seed}|{area.code}|{month}|{len(rows)}"
                    crime_id = hashlib.sha256(key.encode()).hexdigest()
                if rng.random() < NO_LOCATION:
                    where = ["", "", "No Location", "", ""]
                else:
                    longitude, latitude, location = lsoa.points[
                        int(rng.random() * len(lsoa.points))
                    ]
                    where = [longitude, latitude, location, lsoa.code, lsoa.name]
                rows.append(
                    [crime_id, month, force_name, force_name, *where, crime_type, outcome, ""]
                )
        by_month[month] = rows
    return by_month


def write_police(
    out_dir: Path, seed: int, areas: tuple[SampleArea, ...], as_of: date, scale: float = 1.0
) -> dict[str, int]:
    """Write police/YYYY-MM/YYYY-MM-<force>-street.csv for every month and every force of the
    areas (and the -outcomes.csv files of the last months); returns the rows written."""
    months = police_months(as_of)
    forces: dict[str, list[SampleArea]] = {}
    for area in areas:
        forces.setdefault(FORCE_OF_AREA[area.code], []).append(area)
    street = outcomes = 0
    for slug, force_areas in sorted(forces.items()):
        drawn = [area_rows(seed, area, months, scale) for area in force_areas]
        rng = stream(seed, f"police-outcomes|{slug}")
        for number, month in enumerate(months):
            rows = [row for by_month in drawn for row in by_month[month]]
            # as police.uk sorts them: by LSOA, rows without a location last
            rows.sort(key=lambda r: (r[7] == "", r[8], r[7], r[9], r[0]))
            folder = out_dir / "police" / month
            folder.mkdir(parents=True, exist_ok=True)
            _write(folder / f"{month}-{slug}-street.csv", STREET_COLUMNS, rows)
            street += len(rows)
            if number >= len(months) - OUTCOMES_MONTHS:
                settled = _outcome_rows(rng, drawn, months, number)
                _write(folder / f"{month}-{slug}-outcomes.csv", OUTCOMES_COLUMNS, settled)
                outcomes += len(settled)
    return {"police/*/*-street.csv": street, "police/*/*-outcomes.csv": outcomes}


def _outcome_rows(
    rng: random.Random, drawn: list[dict[str, list[list[str]]]], months: list[str], number: int
) -> list[list[str]]:
    """The outcomes recorded in months[number]: a share of the settled crimes of that month and
    the two before, with the outcome the street files show as their last."""
    rows = []
    for earlier in months[max(0, number - 2) : number + 1]:
        for by_month in drawn:
            for row in by_month[earlier]:
                outcome = row[10]
                if row[0] and outcome and outcome not in _UNSETTLED and rng.random() < 0.3:
                    rows.append([*row[:1], months[number], *row[2:9], outcome])
    return rows


def _write(path: Path, columns: tuple[str, ...], rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
