-- Each local authority beside its nearest neighbours, from the published tables only
-- (fct_outcomes, dim_metric, dim_comparator of the shareable copy): see neighbours.py.
with

comparable as (

    select
        outcomes.*,
        metrics.polarity
    from fct_outcomes as outcomes
    inner join dim_metric as metrics
        on outcomes.metric_id = metrics.metric_id
    where
        outcomes.breakdown = 'all' and outcomes.unit <> 'count'
        and outcomes.area_type = 'local_authority'

),

lists as (

    select
        area_code,
        comparator_area_code,
        list_name,
        version_date,
        count(*) over (partition by area_code) as neighbours_listed
    from dim_comparator

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
        on
            area.metric_id = neighbour.metric_id
            and lists.comparator_area_code = neighbour.area_code
            and area.period_end_date = neighbour.period_end_date

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
        -- the middle neighbour: the comparison's yardstick, which one unusual neighbour
        -- cannot pull (an average can make second best of four "worse than the neighbours")
        median(value) as neighbour_median,
        min(value) as neighbour_lowest,
        max(value) as neighbour_highest
    from neighbour_values
    group by all

),

-- the area and its neighbours with values, best first (a metric without a polarity: lowest
-- first, as Fingertips' quintiles without a judgement run from lowest to highest)
ranked as (

    select
        area.metric_id,
        area.area_code,
        area.period_end_date,
        count(*) filter (
            where neighbour_row.value is not null
            and case
                when area.polarity = 'higher_is_better' then neighbour_row.value > area.value
                else neighbour_row.value < area.value
            end
        ) + 1 as rank_among_neighbours,
        count(neighbour_row.value) + 1 as areas_ranked
    from comparable as area
    inner join neighbour_values as neighbour_row
        on
            area.metric_id = neighbour_row.metric_id
            and area.area_code = neighbour_row.area_code
            and area.period_end_date = neighbour_row.period_end_date
    where area.value is not null
    group by all

),

list_versions as (

    select distinct
        area_code,
        neighbours_listed,
        list_name,
        version_date
    from lists

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
    summary.neighbour_median,
    summary.neighbour_lowest,
    summary.neighbour_highest,
    ranked.rank_among_neighbours,
    ranked.areas_ranked,
    -- the rank's position from best (0) to worst (1), in fifths
    case when ranked.areas_ranked > 1 then least(5, cast(floor(
        (ranked.rank_among_neighbours - 1) * 5.0 / (ranked.areas_ranked - 1)
    ) as integer) + 1) end as neighbour_quintile,
    case
        when area.lower_95 is null or summary.neighbour_median is null then 'not_compared'
        when summary.neighbour_median between area.lower_95 and area.upper_95 then 'similar'
        -- a metric without a polarity is higher or lower, never better or worse
        when area.polarity = 'not_applicable' and area.lower_95 > summary.neighbour_median
            then 'higher'
        when area.polarity = 'not_applicable' then 'lower'
        when
            (area.lower_95 > summary.neighbour_median)
            = (area.polarity = 'higher_is_better') then 'better'
        else 'worse'
    end as comparison_to_neighbours,
    lists.list_name as comparators_list,
    lists.version_date as comparators_version_date
from comparable as area
inner join list_versions as lists
    on area.area_code = lists.area_code
inner join summary
    on
        area.metric_id = summary.metric_id
        and area.area_code = summary.area_code
        and area.period_end_date = summary.period_end_date
left join ranked
    on
        area.metric_id = ranked.metric_id
        and area.area_code = ranked.area_code
        and area.period_end_date = ranked.period_end_date
order by area.metric_id, area.area_code, area.period_end_date
