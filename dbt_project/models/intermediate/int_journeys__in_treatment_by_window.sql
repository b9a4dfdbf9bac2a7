{{ config(materialized='table') }}

-- metrics.md "Who is counted where": a journey is in treatment in W(E) when it started on or
-- before E and was still open at, or discharged on or after, the first day of W.
with

journeys as (

    select * from {{ ref('int_treatment_journeys__classified') }}
    where treatment_start_date is not null

),

periods as (

    select * from {{ ref('int_reporting_periods') }}

)

select
    periods.period_end_date,
    periods.period_start_date,
    journeys.journey_id,
    journeys.client_id,
    journeys.area_code,
    journeys.age_at_referral,
    journeys.is_adult,
    journeys.substance_group,
    journeys.treatment_start_date,
    journeys.discharge_date,
    journeys.outcome_class
from periods
inner join journeys
    on
        journeys.treatment_start_date <= periods.period_end_date
        and (
            journeys.discharge_date is null
            or journeys.discharge_date >= periods.period_start_date
        )
