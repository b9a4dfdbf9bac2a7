"""Each area beside its nearest neighbours, computed from the published numbers only.

The comparison is made after disclosure control, from the shareable fct_outcomes: a suppressed
value is neither shown nor averaged, ranked or compared, so nothing here can narrow a
suppressed cell (it is a function of published cells alone). Rates and percentages only: a
count is not comparable between areas of different sizes (as with England, counts are
"not_compared").

As Fingertips compares with a benchmark: the area's 95% interval against the neighbours'
median (the middle neighbour: one unusual neighbour cannot pull it, as it pulls an average)
decides "better", "similar" or "worse" by the metric's polarity ("higher", "similar" or
"lower" for a metric without a polarity, never better or worse); the rank is 1 for the best
of the area and its neighbours with a value (for a metric without a polarity, the lowest);
the quintile places that rank from best (1) to worst (5): the best is always 1 and the worst
5, so with few neighbours the quintiles are coarse.
"""

from pathlib import Path

import duckdb

from pipelines.warehouse import sql_literal

TABLE = "fct_neighbour_comparison"
COMPARATORS_MART = "dim_comparator"  # the published list of each area's neighbours
METRICS_MART = "dim_metric"
# the table's comment in the published file, and its description on the docs page
DESCRIPTION = (
    "Each local authority beside its nearest neighbours (rates and percentages, breakdown "
    "all, every period), computed from the published values only."
)

COLUMNS = {
    "metric_id": "The metric (see dim_metric); rates and percentages only.",
    "area_code": "The local authority compared with its neighbours.",
    "period_end_date": "End of the period.",
    "value": "The area's published value (empty where suppressed).",
    "lower_95": "Lower 95% limit of the area's value.",
    "upper_95": "Upper 95% limit of the area's value.",
    "unit": "Unit of value.",
    "neighbours_listed": "How many comparator areas the list gives the area.",
    "neighbours_with_value": "How many of them have a published value for the period.",
    "neighbour_average": "Mean of the neighbours' published values (each area counts once).",
    "neighbour_median": (
        "Median of the neighbours' published values (the middle neighbour): what the area "
        "is compared with."
    ),
    "neighbour_lowest": "Lowest published value among the neighbours.",
    "neighbour_highest": "Highest published value among the neighbours.",
    "rank_among_neighbours": (
        "1 = best (by polarity) of the area and its neighbours with values; for a metric "
        "without a polarity, 1 = the lowest."
    ),
    "areas_ranked": "How many areas the rank is out of.",
    "neighbour_quintile": (
        "1 = best fifth ... 5 = worst fifth of the area and its neighbours (for a metric "
        "without a polarity, 1 = lowest fifth ... 5 = highest)."
    ),
    "comparison_to_neighbours": (
        "better, similar or worse: the area's 95% interval against the neighbours' median, "
        "by polarity (higher, similar or lower for a metric without a polarity); "
        "not_compared without a value, an interval or a neighbour with a value."
    ),
    "comparators_list": "The comparator list used (see dim_comparator).",
    "comparators_version_date": "Version date of that list.",
}


COMPARISON_SQL = Path(__file__).with_name("neighbour_comparison.sql")


def comparison_sql() -> str:
    """The SELECT of the comparison, over fct_outcomes, dim_metric and dim_comparator of the
    connection's current catalog."""
    return COMPARISON_SQL.read_text()


def create_table(con: duckdb.DuckDBPyConnection, published_catalog: str) -> None:
    """Create <published_catalog>.main.fct_neighbour_comparison from the published
    fct_outcomes, dim_metric and dim_comparator, with a comment on the table and each
    column."""
    target = f"{published_catalog}.main.{TABLE}"
    before = con.execute("select current_database()").fetchone()[0]
    con.execute(f"use {published_catalog}")  # the query names the published tables alone
    try:
        con.execute(f"create table {target} as {comparison_sql()}")
    finally:
        con.execute(f"use {before}")
    con.execute(f"comment on table {target} is {sql_literal(DESCRIPTION)}")
    for column, text in COLUMNS.items():
        con.execute(f"comment on column {target}.{column} is {sql_literal(text)}")
