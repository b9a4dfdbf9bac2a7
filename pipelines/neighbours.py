"""Each area beside its nearest neighbours, computed from the published numbers only.

The comparison is made after disclosure control, from the shareable fct_outcomes: a suppressed
value is neither shown nor averaged, ranked or compared, so nothing here can narrow a
suppressed cell (it is a function of published cells alone). Rates and percentages only: a
count is not comparable between areas of different sizes (as with England, counts are
"not_compared").

Fingertips' way: the area's 95% interval against the neighbours' average decides "better",
"similar" or "worse" by the metric's polarity; the rank is 1 for the best of the area and
its neighbours with a value; the quintile places that rank from best (1) to worst (5): the
best is always 1 and the worst 5, so with few neighbours the quintiles are coarse.
"""

import duckdb

TABLE = "fct_neighbour_comparison"
COMPARATORS_MART = "dim_comparator"  # the published list of each area's neighbours

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
    "neighbour_lowest": "Lowest published value among the neighbours.",
    "neighbour_highest": "Highest published value among the neighbours.",
    "rank_among_neighbours": "1 = best (by polarity) of the area and its neighbours with values.",
    "areas_ranked": "How many areas the rank is out of.",
    "neighbour_quintile": "1 = best fifth ... 5 = worst fifth of the area and its neighbours.",
    "comparison_to_neighbours": (
        "better, similar or worse: the area's 95% interval against the neighbours' average, "
        "by polarity; not_compared without a value, an interval or a neighbour with a value."
    ),
    "comparators_list": "The comparator list used (see dim_comparator).",
    "comparators_version_date": "Version date of that list.",
}


def comparison_sql(outcomes: str, metrics: str, comparators: str) -> str:
    return f"""
    with

    comparable as (

        select outcomes.*, metrics.polarity
        from {outcomes} as outcomes
        inner join {metrics} as metrics
            on outcomes.metric_id = metrics.metric_id
        where outcomes.breakdown = 'all' and outcomes.unit <> 'count'
            and outcomes.area_type = 'local_authority'

    ),

    -- each area with each of its listed neighbours' values, summed up in one pass
    compared as (

        select
            area.metric_id,
            area.area_code,
            area.period_end_date,
            area.value,
            area.lower_95,
            area.upper_95,
            area.unit,
            area.polarity,
            lists.list_name,
            lists.version_date,
            count(*) as neighbours_listed,
            count(neighbour.value) as neighbours_with_value,
            avg(neighbour.value) as neighbour_average,
            min(neighbour.value) as neighbour_lowest,
            max(neighbour.value) as neighbour_highest,
            -- the area and its neighbours with values, best first
            case when area.value is not null then count(*) filter (
                where case when area.polarity = 'higher_is_better'
                    then neighbour.value > area.value else neighbour.value < area.value end
            ) + 1 end as rank_among_neighbours,
            case when area.value is not null then count(neighbour.value) + 1 end as areas_ranked
        from comparable as area
        inner join {comparators} as lists
            on area.area_code = lists.area_code
        left join comparable as neighbour
            on neighbour.metric_id = area.metric_id
            and neighbour.area_code = lists.comparator_area_code
            and neighbour.period_end_date = area.period_end_date
        group by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10

    )

    select
        metric_id,
        area_code,
        period_end_date,
        value,
        lower_95,
        upper_95,
        unit,
        neighbours_listed,
        neighbours_with_value,
        neighbour_average,
        neighbour_lowest,
        neighbour_highest,
        rank_among_neighbours,
        areas_ranked,
        -- the rank's position from best (0) to worst (1), in fifths
        case when areas_ranked > 1 then least(5, cast(floor(
            (rank_among_neighbours - 1) * 5.0 / (areas_ranked - 1)
        ) as integer) + 1) end as neighbour_quintile,
        case
            when lower_95 is null or neighbour_average is null then 'not_compared'
            when neighbour_average between lower_95 and upper_95 then 'similar'
            when (lower_95 > neighbour_average) = (polarity = 'higher_is_better') then 'better'
            else 'worse'
        end as comparison_to_neighbours,
        list_name as comparators_list,
        version_date as comparators_version_date
    from compared
    order by metric_id, area_code, period_end_date
    """


def create_table(con: duckdb.DuckDBPyConnection, published_catalog: str) -> None:
    """Create <published_catalog>.main.fct_neighbour_comparison from the published
    fct_outcomes, dim_metric and dim_comparator, with a comment on the table and each
    column."""
    target = f"{published_catalog}.main.{TABLE}"
    con.execute(
        f"create table {target} as "
        + comparison_sql(
            f"{published_catalog}.main.fct_outcomes",
            f"{published_catalog}.main.dim_metric",
            f"{published_catalog}.main.{COMPARATORS_MART}",
        )
    )
    con.execute(
        f"comment on table {target} is 'Each local authority beside its nearest neighbours "
        "(rates and percentages, breakdown all, every period), computed from the published "
        "values only.'"
    )
    for column, text in COLUMNS.items():
        quoted = text.replace("'", "''")
        con.execute(f"comment on column {target}.{column} is '{quoted}'")
