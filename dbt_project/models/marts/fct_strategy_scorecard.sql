-- Per area, each headline metric's latest non-provisional value beside the value a year
-- earlier, the direction of travel and the comparison with England (breakdown all).
with

outcomes as (

    select * from {{ ref('fct_outcomes') }}
    where breakdown = 'all'

),

metrics as (

    select * from {{ ref('dim_metric') }}
    where ncdof_metric_type = 'headline'

),

latest as (

    select outcomes.*
    from outcomes
    inner join metrics
        on outcomes.metric_id = metrics.metric_id
    where not outcomes.is_provisional and outcomes.value is not null
    qualify
        row_number() over (
            partition by outcomes.metric_id, outcomes.area_code
            order by outcomes.period_end_date desc
        ) = 1

)

select
    latest.metric_id,
    latest.area_code,
    latest.area_type,
    latest.period_start_date,
    latest.period_end_date,
    latest.value,
    latest.unit,
    latest.lower_95,
    latest.upper_95,
    previous.period_end_date as previous_period_end_date,
    previous.value as previous_value,
    previous.lower_95 as previous_lower_95,
    previous.upper_95 as previous_upper_95,
    case
        when previous.value is null then 'not_available'
        when latest.value = previous.value then 'no_change'
        when (latest.value > previous.value) = (metrics.polarity = 'higher_is_better')
            then 'improving'
        else 'worsening'
    end as direction_of_travel,
    -- the two 95% intervals do not overlap
    coalesce(
        latest.lower_95 > previous.upper_95 or latest.upper_95 < previous.lower_95, false
    ) as is_significant_change,
    latest.england_value,
    latest.comparison_to_england,
    latest.data_as_of_date
from latest
inner join metrics
    on latest.metric_id = metrics.metric_id
left join outcomes as previous
    on
        latest.metric_id = previous.metric_id
        and latest.area_code = previous.area_code
        and previous.period_end_date
        = cast(last_day(date_trunc('month', latest.period_end_date) - interval 12 month) as date)
