"""Writes fingertips_benchmarks.csv: England's values for the indicators the warehouse compares
its areas with, in the real Fingertips download format.

The file has the columns of a real download, in its order and under its headers, rather than
the contract's column names: the warehouse reads the real download unchanged, so the sample must
look like one. Published England figures are used where they are known; the rest are invented.
It is an optional file, written for the shipped sample only: a national folder with every
authority gets England's values from its own data.
"""

from __future__ import annotations

from pipelines import contract

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
# England values for the sample. Published figures where they are known (continuity of care
# 37.4% in 2021/22 and 43% in 2022/23; drug misuse deaths 5.0 per 100,000 in 2018-20); the rest
# are invented, plausible values.
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
