{{ config(materialized='table') }}

-- Successful completions not re-presenting within 6 months: of the adults in treatment in the
-- 12-month window ending at the month end, those whose latest discharge in the window
-- (greatest discharge_date, then greatest journey_id, among their journeys in treatment in the
-- window) is a successful completion and who have no journey referred in the 182 days after it
-- (discharge_date < referral_date <= discharge_date + 182). Placed like the denominator.
with

spells as (

    select * from {{ ref('int_people_in_treatment__spells') }}
    where is_adult

),

all_journeys as (

    select * from {{ ref('int_treatment_journeys__classified') }}

),

-- A journey discharged in the window started on or before the month end, so it was in
-- treatment in the window. A discharge falls in the windows of the 12 month ends from its own
-- month on, and is the person's latest discharge in a month end's window until their next
-- discharge (in discharge_date, journey_id order) enters the window.
discharges as (

    select
        client_id,
        journey_id,
        discharge_date,
        outcome_class,
        lead(discharge_date) over (
            partition by client_id order by discharge_date, journey_id
        ) as next_discharge_date
    from all_journeys
    where treatment_start_date is not null and discharge_date is not null

),

re_presented as (

    select distinct discharges.journey_id
    from discharges
    inner join all_journeys
        on
            discharges.client_id = all_journeys.client_id
            and discharges.discharge_date < all_journeys.referral_date
            and all_journeys.referral_date <= discharges.discharge_date + 182

),

-- the month ends for which the person's latest discharge in the window is this successful one
successful_latest_discharges as (

    select
        discharges.client_id,
        {{ month_end('discharges.discharge_date') }} as first_period_end_date,
        {{ latest_in_window_until('discharges.discharge_date', 'discharges.next_discharge_date') }}
            as last_period_end_date
    from discharges
    left join re_presented
        on discharges.journey_id = re_presented.journey_id
    where discharges.outcome_class = 'successful' and re_presented.journey_id is null

),

-- placed like the denominator: each overlap with a spell of the person in treatment
successful_spells as (

    select
        spells.area_code,
        spells.substance_group,
        greatest(successes.first_period_end_date, spells.first_period_end_date)
            as first_period_end_date,
        case
            when spells.last_period_end_date is null then successes.last_period_end_date
            else least(successes.last_period_end_date, spells.last_period_end_date)
        end as last_period_end_date
    from successful_latest_discharges as successes
    inner join spells
        on
            successes.client_id = spells.client_id
            and successes.first_period_end_date <= successes.last_period_end_date
            and successes.last_period_end_date >= spells.first_period_end_date
            and (
                spells.last_period_end_date is null
                or successes.first_period_end_date <= spells.last_period_end_date
            )

),

successful_records as (

    {{ count_spells('successful_spells') }}

),

people_records as (

    select * from {{ ref('int_people_in_treatment__counts') }}
    where is_adult

),

records as (

    select
        people_records.area_code,
        people_records.period_end_date,
        people_records.substance_group,
        coalesce(successful_records.people, 0) as successful_completions,
        people_records.people
    from people_records
    left join successful_records
        on
            people_records.area_code = successful_records.area_code
            and people_records.period_end_date = successful_records.period_end_date
            and people_records.substance_group
            is not distinct from successful_records.substance_group

),

counts as (

    {{ count_by_reporting_area('records', 'successful_completions', 'people') }}

)

{{ complete_metric_rows('successful_completion_rate', 'counts') }}
