{{ config(materialized='table') }}

-- New presentations to treatment: distinct adults with a journey whose treatment_start_date
-- is in the 12-month window ending at the month end. A person with several such journeys is
-- placed by the latest of them (greatest start, then journey_id), the same tie-break that
-- places a person in treatment by their latest journey in treatment in the window.
with

journeys as (

    select * from {{ ref('int_treatment_journeys__classified') }}
    where treatment_start_date is not null

),

-- A start falls in the windows of the 12 month ends from its own month on. It is the person's
-- latest start in a month end's window until their next start (in start, journey_id order)
-- enters the window: from that start's month on, or never when both fall in the same month.
starts as (

    select
        area_code,
        substance_group,
        is_adult,
        treatment_start_date,
        lead(treatment_start_date) over (
            partition by client_id order by treatment_start_date, journey_id
        ) as next_start_date
    from journeys

),

spells as (

    select
        area_code,
        substance_group,
        is_adult,
        {{ month_end('treatment_start_date') }} as first_period_end_date,
        {{ latest_in_window_until('treatment_start_date', 'next_start_date') }}
            as last_period_end_date
    from starts

),

adult_spells as (

    select * from spells
    where is_adult and first_period_end_date <= last_period_end_date

),

records as (

    {{ count_spells('adult_spells') }}

),

counts as (

    {{ count_by_reporting_area('records', 'people') }}

)

{{ complete_metric_rows('new_presentations', 'counts', has_denominator=false) }}
