{{ config(materialized='table') }}

-- Where each person in treatment is counted, kept as spells instead of one row per person and
-- window: a person in treatment in a window counts once, placed by their latest journey in
-- treatment in it, which gives their area, age, cohort and substance group.
-- A started journey is in treatment in the 12-month window ending at every month end from its
-- start's month to 11 months after its discharge's month (open: every later month end). A
-- person's journeys can only change which one is their latest in treatment in the window
-- (greatest treatment_start_date, then greatest journey_id) at those boundaries, so between
-- two consecutive boundaries one journey places them: that run of month ends is a spell.
with

journeys as (

    select
        client_id,
        journey_id,
        area_code,
        age_at_referral,
        is_adult,
        substance_group,
        treatment_start_date,
        {{ month_end('treatment_start_date') }} as in_treatment_from_date,
        {{ last_window_end_containing('discharge_date') }} as in_treatment_until_date
    from {{ ref('int_treatment_journeys__classified') }}
    where treatment_start_date is not null

),

boundaries as (

    select
        client_id,
        in_treatment_from_date as boundary_date
    from journeys
    union
    select
        client_id,
        {{ next_month_end('in_treatment_until_date') }} as boundary_date
    from journeys
    where in_treatment_until_date is not null

),

segments as (

    select
        client_id,
        boundary_date as first_period_end_date,
        lead(boundary_date) over (partition by client_id order by boundary_date)
            as next_boundary_date
    from boundaries

)

select
    segments.client_id,
    segments.first_period_end_date,
    {{ previous_month_end('segments.next_boundary_date') }} as last_period_end_date,
    journeys.journey_id as placing_journey_id,
    journeys.area_code,
    journeys.age_at_referral,
    journeys.is_adult,
    journeys.substance_group
from segments
-- a segment no journey covers (after a discharge, before a later start) is no spell
inner join journeys
    on
        segments.client_id = journeys.client_id
        and segments.first_period_end_date >= journeys.in_treatment_from_date
        and (
            journeys.in_treatment_until_date is null
            or segments.first_period_end_date <= journeys.in_treatment_until_date
        )
qualify
    row_number() over (
        partition by segments.client_id, segments.first_period_end_date
        order by journeys.treatment_start_date desc, journeys.journey_id desc
    ) = 1
