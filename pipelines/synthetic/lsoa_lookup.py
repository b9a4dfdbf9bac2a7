"""Writes lsoa_lookup.csv: the upper-tier local authority each LSOA lies in, as ONS's open
LSOA (2021) to local authority lookups give it. Also holds the invented LSOA geography that the
police files place their rows on.

Real LSOAs hold 1,000 to 3,000 residents; here each area has one for every 1,700 of its
residents. The codes are invented but shaped like real ones (E01 and six digits): the first
three digits are the area's place in the areas seed, the last three number its LSOAs. So the
codes depend on the area alone, and folders drawn from different seeds can be merged. The names
follow ONS's pattern: the district's name, a three-digit number and a letter ("Leicester
001A"). Leicestershire's LSOAs are named after its seven districts; other counties' after the
county. Each LSOA has a centroid near its area's real centre (the sample's areas) or near its
region's (every other area). It also has a few points, named as police.uk names the anonymised
points it snaps crimes to ("On or near ..."). The lookup lists every LSOA of the areas,
including the last two of each area, where the police files place no crime (a lookup covers
more ground than the crimes do). No random number of the generator's streams is drawn: the
geography depends on the area only.
"""

from __future__ import annotations

import functools
import hashlib
import math
import random
from dataclasses import dataclass

from pipelines import contract
from pipelines.synthetic.areas import SampleArea

LOOKUP_FILE = "lsoa_lookup.csv"
LOOKUP_COLUMNS = ("lsoa_code", "area_code")
RESIDENTS_PER_LSOA = 1_700
UNUSED_PER_AREA = 2  # the last LSOAs of each area: no crime is placed there
POINTS_PER_LSOA = 5

# Centres (latitude, longitude) of the sample's areas, roughly the real ones.
AREA_CENTRES = {
    "E06000016": (52.6369, -1.1398),  # Leicester
    "E10000018": (52.7000, -1.1500),  # Leicestershire, around Leicester
    "E06000017": (52.6583, -0.6396),  # Rutland
    "E06000018": (52.9548, -1.1581),  # Nottingham
    "E06000015": (52.9225, -1.4746),  # Derby
    "E08000026": (52.4068, -1.5197),  # Coventry
}
REGION_CENTRES = {
    "North East": (54.85, -1.65),
    "North West": (53.75, -2.65),
    "Yorkshire and the Humber": (53.85, -1.30),
    "East Midlands": (52.85, -0.90),
    "West Midlands": (52.50, -2.20),
    "East of England": (52.20, 0.40),
    "London": (51.50, -0.12),
    "South East": (51.30, -0.70),
    "South West": (50.90, -3.20),
}
DISTRICTS = {
    "E10000018": (
        "Blaby",
        "Charnwood",
        "Harborough",
        "Hinckley and Bosworth",
        "Melton",
        "North West Leicestershire",
        "Oadby and Wigston",
    ),
}
_STREETS = (
    "Abbey", "Albert", "Alexandra", "Ash", "Beech", "Belgrave", "Bridge", "Brook", "Canal",
    "Castle", "Cedar", "Chapel", "Church", "Clarendon", "Coronation", "Elm", "Forest", "Granby",
    "Grange", "Green", "Hawthorn", "High", "Highfield", "Hill", "Holly", "King", "London",
    "Manor", "Market", "Meadow", "Mill", "New", "Oak", "Orchard", "Oxford", "Park", "Priory",
    "Queen", "Regent", "Rose", "School", "Springfield", "Station", "Victoria", "Wharf",
    "Willow", "Windsor", "York",
)  # fmt: skip
_SUFFIXES = (
    "Street", "Road", "Lane", "Avenue", "Close", "Drive", "Way", "Crescent", "Place",
    "Gardens", "Terrace", "Walk", "Grove", "Court",
)  # fmt: skip
_PLACES = (
    "Parking Area", "Supermarket", "Petrol Station", "Shopping Area", "Nightclub",
    "Sports/Recreation Area", "Hospital", "Further/Higher Educational Building",
    "Conference/Exhibition Centre", "Theatre/Concert Hall", "Police Station", "Bus/Coach Station",
)  # fmt: skip


@dataclass(frozen=True)
class Lsoa:
    code: str
    name: str
    area_code: str
    # (longitude, latitude, location) of the points police.uk snaps this LSOA's crimes to
    points: tuple[tuple[str, str, str], ...]


def lookup_rows(areas: tuple[SampleArea, ...]) -> list[dict]:
    """Every LSOA of the areas (those the police files use and those they do not), by code."""
    rows = [
        {"lsoa_code": lsoa.code, "area_code": lsoa.area_code}
        for area in areas
        for lsoa in area_lsoas(area)
    ]
    return sorted(rows, key=lambda r: r["lsoa_code"])


@functools.cache
def _seed_areas() -> dict[str, tuple[int, str]]:
    """Area code -> (its place in the areas seed from 1, its region's name)."""
    rows = [r for r in contract.seed_rows("areas") if r["area_code"] != contract.ENGLAND_CODE]
    return {r["area_code"]: (n, r["region_name"]) for n, r in enumerate(rows, start=1)}


@functools.cache
def area_lsoas(area: SampleArea) -> tuple[Lsoa, ...]:
    """The area's LSOAs: one for every RESIDENTS_PER_LSOA residents, at least three."""
    index, region = _seed_areas()[area.code]
    digest = hashlib.sha256(f"lsoa|{area.code}".encode()).hexdigest()
    rng = random.Random(int(digest[:16], 16))
    count = min(999, max(3, round(area.population / RESIDENTS_PER_LSOA)))
    if area.code in AREA_CENTRES:
        lat0, lon0 = AREA_CENTRES[area.code]
    else:
        lat0, lon0 = REGION_CENTRES.get(region, REGION_CENTRES["East Midlands"])
        spread = 0.1 if region == "London" else 0.6
        lat0 += rng.uniform(-spread, spread)
        lon0 += rng.uniform(-1.5 * spread, 1.5 * spread)
    county = area.code.startswith("E10")
    radius_km = math.sqrt(area.population) / 100 * (2.5 if county else 1.0)
    districts = DISTRICTS.get(area.code, (area.name.split(",")[0],))
    lsoas = []
    for k in range(count):
        district = districts[k % len(districts)]
        within = k // len(districts)
        name = f"{district} {within // 5 + 1:03d}{'ABCDE'[within % 5]}"
        # counties lie around their city (Leicestershire round Leicester): not at the centre
        distance = radius_km * math.sqrt(rng.uniform(0.1 if county else 0.0, 1.0))
        angle = rng.uniform(0, 2 * math.pi)
        lat = lat0 + distance * math.sin(angle) / 111.0
        lon = lon0 + distance * math.cos(angle) / (111.0 * math.cos(math.radians(lat0)))
        points = []
        for p in range(POINTS_PER_LSOA):
            if p == 0:
                location = f"On or near {rng.choice(_PLACES)}"
            else:
                location = f"On or near {rng.choice(_STREETS)} {rng.choice(_SUFFIXES)}"
            point_lat = lat + rng.uniform(-0.003, 0.003)
            point_lon = lon + rng.uniform(-0.004, 0.004)
            points.append((f"{point_lon:.6f}", f"{point_lat:.6f}", location))
        lsoas.append(Lsoa(f"E01{index:03d}{k + 1:03d}", name, area.code, tuple(points)))
    return tuple(lsoas)
