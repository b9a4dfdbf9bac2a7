{{ config(materialized='table') }}

-- Each person in treatment in W(E) counts once, through their latest journey in treatment in
-- W (greatest treatment_start_date, then greatest journey_id), which gives their area, age,
-- cohort and substance group (metrics.md "Who is counted where").
with

journeys_in_window as (

    select * from {{ ref('int_journeys__in_treatment_by_window') }}

)

select
    period_end_date,
    period_start_date,
    client_id,
    journey_id as latest_journey_id,
    area_code,
    age_at_referral,
    is_adult,
    substance_group
from journeys_in_window
qualify
    row_number() over (
        partition by period_end_date, client_id
        order by treatment_start_date desc, journey_id desc
    ) = 1
