"""Writes ons_drug_deaths.csv: ONS-style published 3-year drug misuse death rates by area.

The file is invented, and exists so that the warehouse can reconcile its own rates with
published ones. Each rate is the register's own standardised rate, moved by up to 3% either
way, because ONS codes deaths a little differently. Periods with fewer than 10 deaths are
suppressed with ':' as ONS does. Nottingham's 2022-2024 rate is deliberately 60% too high, so
that the reconciliation has something to flag. It is an optional file, written for the shipped
sample only.
"""

from __future__ import annotations

from pipelines.synthetic.areas import SampleArea
from pipelines.synthetic.common import Generator
from pipelines.synthetic.drug_deaths_register import standardised_rate


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
