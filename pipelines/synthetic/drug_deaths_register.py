"""Writes drug_deaths_register.csv: one row per drug misuse death registered in an area.

Each death has a date of death, a registration date, an age, a sex and whether the person was in
treatment. Deaths are drawn by registration year, at an invented rate of 4.5 to 8 per 100,000 a
year (13.5 for Leicester in the sample). Each is registered some months after the death, as real
deaths are. The register covers 1 January 2019 to the as-of date, and a death is pinned at each
end. Leicester's 3-year directly standardised rate is then calibrated to the figure in its drug
and alcohol strategy, by adding or removing one death aged 40-44 at a time.
"""

from __future__ import annotations

from datetime import date, timedelta

from pipelines import contract
from pipelines.synthetic.areas import SampleArea
from pipelines.synthetic.common import EXTRACT_START, Generator

# 3-year directly standardised death rate per 100,000, one decimal, at 31 Dec of the last year.
DSR_TARGETS = {date(2024, 12, 31): 14.7}

# The 2013 European Standard Population: people per 100,000 in each five-year band.
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
    """The area's directly standardised death rate per 100,000 over the three registration
    years to last_year, with its 95% interval: (rate, lower, upper) by Dobson's method
    (pipelines.transform.interval_reference.dobson). A reference reading, used to calibrate the
    register and to derive the ONS rates."""
    from pipelines.transform import interval_reference

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
    return interval_reference.dobson(counts, people, list(_ESP2013_WEIGHTS))


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
        if r["registration_date"] <= gen.as_of and r["date_of_death"] >= EXTRACT_START
    ]
    first, last = _death(gen, 0, areas[1].code, 2019), _death(gen, 0, areas[1].code, 2025)
    first.update(date_of_death=EXTRACT_START, registration_date=EXTRACT_START + timedelta(days=40))
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
