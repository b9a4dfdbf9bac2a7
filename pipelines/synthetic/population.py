"""Writes population.csv: the mid-year population by area, year, sex and five-year age band.

These are the denominators of the rates. The bands are the 19 of the 2013 European Standard
Population, which the death rates are standardised to. Each area's all-ages total for mid-2021
is spread over a typical English age structure, split 50.5% female and 49.5% male, and grows
by 0.6% a year. No random numbers are drawn, so the file never moves the shared random
stream.
"""

from __future__ import annotations

from pipelines import contract
from pipelines.synthetic.areas import SampleArea

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
