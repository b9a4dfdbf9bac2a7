-- metrics.md metric 1: distinct adults in treatment in W(E), by area of their latest
-- journey, for all substance groups together and for each group.
with

people as (

    select * from {{ ref('int_people_in_treatment__by_window') }}
    where is_adult

),

periods as (

    select * from {{ ref('int_reporting_periods') }}

),

areas as (

    select * from {{ ref('int_areas__reported') }}

),

breakdowns as (

    select 'all' as breakdown
    union all
    select substance_group from {{ ref('substance_groups') }}

),

counts as (

    select
        period_end_date,
        area_code,
        coalesce(substance_group, 'unknown') as breakdown,
        count(*) as people
    from people
    group by period_end_date, area_code, coalesce(substance_group, 'unknown')

    union all

    select
        period_end_date,
        area_code,
        'all' as breakdown,
        count(*) as people
    from people
    group by period_end_date, area_code

)

select
    'adults_in_treatment' as metric_id,
    areas.area_code,
    breakdowns.breakdown,
    periods.period_start_date,
    periods.period_end_date,
    coalesce(counts.people, 0) as numerator,
    cast(null as bigint) as denominator
from periods
cross join areas
cross join breakdowns
left join counts
    on
        periods.period_end_date = counts.period_end_date
        and areas.area_code = counts.area_code
        and breakdowns.breakdown = counts.breakdown
