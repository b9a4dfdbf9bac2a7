"""The areas a synthetic raw folder covers, and how big each one is.

The shipped sample has six areas: Leicester, Leicestershire and Rutland, and three other
Midlands cities. Their populations are rounded real mid-2021 totals; their numbers of people
in treatment are invented (Leicester's are then calibrated). A national folder takes the first
`count` upper-tier authorities of the areas seed. Their populations are invented around
England's average, and their people in treatment are in proportion, so that scale 1 gives
England-wide volumes. Every area also carries in the caseload already in treatment when the
extract starts, in proportion to its own people (treatment_journeys.add_carried_in).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from pipelines import contract


@dataclass(frozen=True)
class SampleArea:
    code: str
    name: str
    population: int  # all ages, mid-2021
    people: int  # people first referred from 2019 to the as-of date (the caseload carried in
    # from before 2019 comes on top, in proportion)


SAMPLE_AREAS = (
    SampleArea(contract.LEICESTER_CODE, "Leicester", 368_600, 7_700),
    SampleArea("E10000018", "Leicestershire", 712_300, 7_000),
    SampleArea("E06000017", "Rutland", 41_000, 260),
    SampleArea("E06000018", "Nottingham", 323_700, 4_900),
    SampleArea("E06000015", "Derby", 261_400, 3_600),
    SampleArea("E08000026", "Coventry", 345_300, 4_300),
)

# People first referred over the sample's six and three-quarter years, per resident: with the
# caseload carried in from before 2019, about 300,000 adults in treatment a year in England at
# scale 1 (OHID: 310,863 in 2023/24).
PEOPLE_PER_RESIDENT = 0.0128


def national_areas(count: int | None = None, scale: float = 1.0, seed: int = 20250930):
    """The first `count` upper-tier authorities of the areas seed (all 152 by default), with
    invented populations around England's average (56.5 million in all) and people in
    treatment in proportion."""
    rng = random.Random(seed + 1)
    codes = [r for r in contract.seed_rows("areas") if r["area_code"] != contract.ENGLAND_CODE]
    chosen = codes[: count or len(codes)]
    areas = []
    for row in chosen:
        population = int(min(1_500_000, max(30_000, rng.lognormvariate(12.7, 0.5))))
        people = max(5, round(population * PEOPLE_PER_RESIDENT * scale))
        areas.append(SampleArea(row["area_code"], row["area_name"], population, people))
    return tuple(areas)
