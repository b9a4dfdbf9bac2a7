"""Writes prevalence_estimates.csv: the estimated number of people who need treatment, by area,
year and need group (opiate and crack users; alcohol dependent adults), with an interval.

The estimates scale with the adult population. Leicester's FY 2024/25 estimates are instead set
from its adults in treatment, so that unmet need (the share of the estimate not in treatment)
comes out at the figures in its drug and alcohol strategy. That is why this file is drawn after
the treatment journeys are final.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from pipelines import contract
from pipelines.synthetic.areas import SampleArea
from pipelines.synthetic.common import Generator
from pipelines.synthetic.treatment_journeys import adults_in_treatment_by_group

# Unmet need, FY 2024/25: share of the estimate not in treatment.
UNMET_NEED_TARGETS = {"alcohol_dependent": 0.80, "opiate_crack": 0.50}
UNMET_NEED_YEAR = 2024


def prevalence_rows(
    gen: Generator, areas: tuple[SampleArea, ...], years: range, calibrate: bool = True
) -> list[dict]:
    """Estimates scale with population; Leicester's FY 2024/25 estimates are set so that
    unmet need comes out at UNMET_NEED_TARGETS."""
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
