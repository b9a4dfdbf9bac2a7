-- metrics.md 5: adult journeys discharged in W (started or not); numerator those with an
-- unplanned outcome. Journey level: the journey's own area, age and group count. The
-- numerator is also published alone as unplanned_exits.
with

journeys as (

    select * from {{ ref('int_treatment_journeys__classified') }}
    where is_adult and discharge_date is not null

),

periods as (

    select * from {{ ref('int_reporting_periods') }}

),

records as (

    select
        journeys.area_code,
        periods.period_end_date,
        journeys.substance_group,
        case when journeys.outcome_class = 'unplanned' then 1 else 0 end as is_unplanned
    from journeys
    inner join periods
        on journeys.discharge_date between periods.period_start_date and periods.period_end_date

),

counts as (

    {{ count_by_reporting_area('records', 'is_unplanned', '1') }}

)

{{ complete_metric_rows('unplanned_exit_rate', 'counts') }}
union all
{{ complete_metric_rows('unplanned_exits', 'counts', has_denominator=false) }}
