-- metrics.md 6: adult journeys that started in W; numerator those discharged unplanned within
-- 84 days of the start (discharge_date <= treatment_start_date + 84).
with

journeys as (

    select * from {{ ref('int_treatment_journeys__classified') }}
    where is_adult and treatment_start_date is not null

),

periods as (

    select * from {{ ref('int_reporting_periods') }}

),

records as (

    select
        journeys.area_code,
        periods.period_end_date,
        journeys.substance_group,
        case
            when journeys.outcome_class = 'unplanned'
                and journeys.discharge_date <= journeys.treatment_start_date + 84 then 1
            else 0
        end as is_early_unplanned_exit
    from journeys
    inner join periods
        on journeys.treatment_start_date between periods.period_start_date and periods.period_end_date

),

counts as (

    {{ count_by_reporting_area('records', 'is_early_unplanned_exit', '1') }}

)

{{ complete_metric_rows('early_unplanned_exit_rate', 'counts') }}
