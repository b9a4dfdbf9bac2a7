{{ config(materialized='table') }}

-- Early unplanned exits (within 12 weeks): adult journeys that started in the 12-month window
-- ending at the month end; numerator those discharged unplanned within 84 days of the start
-- (discharge_date <= treatment_start_date + 84).
with

journeys as (

    select * from {{ ref('int_treatment_journeys__classified') }}
    where is_adult and treatment_start_date is not null

),

monthly as (

    select
        area_code,
        substance_group,
        {{ month_end('treatment_start_date') }} as event_month_end,
        count(*) filter (
            where outcome_class = 'unplanned' and discharge_date <= treatment_start_date + 84
        ) as numerator,
        count(*) as denominator
    from journeys
    group by all

),

records as (

    {{ rolling_12_month_sums('monthly') }}

),

counts as (

    {{ count_by_reporting_area('records', 'numerator', 'denominator') }}

)

{{ complete_metric_rows('early_unplanned_exit_rate', 'counts') }}
