{{ config(materialized='table') }}

-- Referrals converted to treatment within 28 days: adult journeys referred in the 12-month
-- window ending at the month end; numerator those that started treatment within 28 days of
-- referral (treatment_start_date <= referral_date + 28).
with

journeys as (

    select * from {{ ref('int_treatment_journeys__classified') }}
    where is_adult

),

monthly as (

    select
        area_code,
        substance_group,
        {{ month_end('referral_date') }} as event_month_end,
        count(*) filter (where treatment_start_date <= referral_date + 28) as numerator,
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

{{ complete_metric_rows('referral_conversion_rate', 'counts') }}
