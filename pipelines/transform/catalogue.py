"""The metric catalogue (dbt_project/seeds/metric_catalogue.csv) rendered for people: the
README's metric table and the dbt docs block of dim_metric. Run
`python -m pipelines.transform.catalogue`
after editing the catalogue; a test fails while either is out of date."""

import csv
import re

from pipelines.config import DBT_PROJECT_DIR, PROJECT_ROOT

CATALOGUE = DBT_PROJECT_DIR / "seeds" / "metric_catalogue.csv"
README = PROJECT_ROOT / "README.md"
DOCS_BLOCK = DBT_PROJECT_DIR / "models" / "marts" / "_metric_catalogue.md"
BEGIN, END = "<!-- metric-table:begin -->", "<!-- metric-table:end -->"

# how each unit reads in words (the README, the docs, the packs)
UNITS = {
    "count": "count",
    "percentage": "%",
    "rate_per_100000": "per 100,000",
    "rate_per_1000": "per 1,000",
}
METHODS = {
    "wilson": "Wilson",
    "byar_exact_poisson": "Byar / exact Poisson",
    "dobson": "Dobson",
    "prevalence_estimate_interval": "From the prevalence estimate's interval",
}
POLARITY = {
    "higher_is_better": "higher is better",
    "lower_is_better": "lower is better",
    "not_applicable": "none (higher or lower, not better or worse)",
}


def rows() -> list[dict[str, str]]:
    with CATALOGUE.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def metric_table() -> str:
    lines = [
        "| id | unit | polarity | framework place | interval | breakdowns | definition |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows():
        place = f"{row['ncdof_outcome_type']}: {row['ncdof_outcome']} ({row['ncdof_metric_type']})"
        breakdowns = row["breakdown_types"].replace("|", ", ").replace("_", " ")
        lines.append(
            f"| `{row['metric_id']}` | {UNITS[row['unit']]} | {POLARITY[row['polarity']]} | "
            f"{place} | {METHODS[row['interval_method']]} | {breakdowns} | "
            f"{row['definition']} |"
        )
    return "\n".join(lines)


def docs_block() -> str:
    return (
        "{% docs metric_catalogue %}\n"
        "Every published metric (generated from seeds/metric_catalogue.csv by "
        "`python -m pipelines.transform.catalogue`).\n\n" + metric_table() + "\n{% enddocs %}\n"
    )


def readme_with_table(text: str) -> str:
    block = f"{BEGIN}\n{metric_table()}\n{END}"
    return re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: block, text, flags=re.S)


def write() -> None:
    README.write_text(readme_with_table(README.read_text(encoding="utf-8")), encoding="utf-8")
    DOCS_BLOCK.write_text(docs_block(), encoding="utf-8")


if __name__ == "__main__":
    write()
