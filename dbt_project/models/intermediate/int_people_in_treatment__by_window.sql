{{ config(materialized='table') }}

-- metrics.md "Who is counted where": a journey is in treatment in W(E) when it started on or
-- before E and was still open at, or discharged on or after, the first day of W. Each person in
-- treatment in W counts once, through their latest journey in treatment in W (greatest
-- treatment_start_date, then greatest journey_id), which gives their area, age, cohort and
-- substance group.
with

journeys as (

    select * from {{ ref('int_treatment_journeys__classified') }}
    where treatment_start_date is not null

),

periods as (

    select * from {{ ref('int_reporting_periods') }}

),

in_window as (

    select
        periods.period_end_date,
        periods.period_start_date,
        journeys.client_id,
        journeys.journey_id,
        journeys.area_code,
        journeys.age_at_referral,
        journeys.is_adult,
        journeys.substance_group,
        journeys.treatment_start_date
    from periods
    inner join journeys
        on
            journeys.treatment_start_date <= periods.period_end_date
            and (
                journeys.discharge_date is null
                or journeys.discharge_date >= periods.period_start_date
            )

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
from in_window
qualify
    row_number() over (
        partition by period_end_date, client_id
        order by treatment_start_date desc, journey_id desc
    ) = 1
