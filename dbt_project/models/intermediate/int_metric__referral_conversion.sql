-- metrics.md 8: adult journeys referred in W; numerator those that started treatment within
-- 28 days of referral (treatment_start_date <= referral_date + 28).
with

journeys as (

    select * from {{ ref('int_treatment_journeys__classified') }}
    where is_adult

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
            when journeys.treatment_start_date <= journeys.referral_date + 28 then 1 else 0
        end as is_converted
    from journeys
    inner join periods
        on journeys.referral_date between periods.period_start_date and periods.period_end_date

),

counts as (

    {{ count_by_reporting_area('records', 'is_converted', '1') }}

)

{{ complete_metric_rows('referral_conversion_rate', 'counts') }}
