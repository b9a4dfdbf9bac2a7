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

    lists as (

        select
            area_code,
            comparator_area_code,
            list_name,
            version_date,
            count(*) over (partition by area_code) as neighbours_listed
        from {comparators}

    ),

    neighbour_values as (

        select
            area.metric_id,
            area.area_code,
            area.period_end_date,
            lists.comparator_area_code,
            neighbour.value
        from comparable as area
        inner join lists
            on area.area_code = lists.area_code
        left join comparable as neighbour
            on neighbour.metric_id = area.metric_id
            and neighbour.area_code = lists.comparator_area_code
            and neighbour.period_end_date = area.period_end_date

    ),

    summary as (

        select
            metric_id,
            area_code,
            period_end_date,
            count(value) as neighbours_with_value,
            -- summed in a fixed order: the last bit of a mean of doubles depends on the order
            -- of its terms, which followed how the tables happened to be stored (different
            -- from one refresh to the next at 1% national scale)
            avg(value order by comparator_area_code) as neighbour_average,
            min(value) as neighbour_lowest,
            max(value) as neighbour_highest
        from neighbour_values
        group by all

    ),

    -- the area and its neighbours with values, best first
    ranked as (

        select
            area.metric_id,
            area.area_code,
            area.period_end_date,
            count(*) filter (
                where others.value is not null
                and case when area.polarity = 'higher_is_better' then others.value > area.value
                    else others.value < area.value end
            ) + 1 as rank_among_neighbours,
            count(others.value) + 1 as areas_ranked
        from comparable as area
        inner join neighbour_values as others
            on area.metric_id = others.metric_id
            and area.area_code = others.area_code
            and area.period_end_date = others.period_end_date
        where area.value is not null
        group by all

    )

    select
        area.metric_id,
        area.area_code,
        area.period_end_date,
        area.value,
        area.lower_95,
        area.upper_95,
        area.unit,
        lists.neighbours_listed,
        summary.neighbours_with_value,
        summary.neighbour_average,
        summary.neighbour_lowest,
        summary.neighbour_highest,
        ranked.rank_among_neighbours,
        ranked.areas_ranked,
        -- the rank's position from best (0) to worst (1), in fifths
        case when ranked.areas_ranked > 1 then least(5, cast(floor(
            (ranked.rank_among_neighbours - 1) * 5.0 / (ranked.areas_ranked - 1)
        ) as integer) + 1) end as neighbour_quintile,
        case
            when area.lower_95 is null or summary.neighbour_average is null then 'not_compared'
            when summary.neighbour_average between area.lower_95 and area.upper_95 then 'similar'
            when (area.lower_95 > summary.neighbour_average)
                = (area.polarity = 'higher_is_better') then 'better'
            else 'worse'
        end as comparison_to_neighbours,
        lists.list_name as comparators_list,
        lists.version_date as comparators_version_date
    from comparable as area
    inner join (select distinct area_code, neighbours_listed, list_name, version_date from lists)
        as lists
        on area.area_code = lists.area_code
    inner join summary
        on area.metric_id = summary.metric_id
        and area.area_code = summary.area_code
        and area.period_end_date = summary.period_end_date
    left join ranked
        on area.metric_id = ranked.metric_id
        and area.area_code = ranked.area_code
        and area.period_end_date = ranked.period_end_date
    order by area.metric_id, area.area_code, area.period_end_date
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
