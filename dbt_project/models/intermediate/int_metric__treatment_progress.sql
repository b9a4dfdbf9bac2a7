{{ config(materialized='table') }}

-- Treatment progress: of the adults in treatment in the 12-month window ending at the month
-- end, counted through their counting journey (their latest journey in treatment in the
-- window), those whose journey has a start form dated on or before the month end and either a
-- discharge in the window or a start at least 182 days before the month end (a review was due)
-- are the denominator. The numerator is those of them whose journey has a successful discharge
-- in the window, or whose latest review or exit form in the window (greatest top_date, then
-- greatest top_id) shows substantial progress against the start form. Placed like adults in
-- treatment.
with

spells as (

    select * from {{ ref('int_people_in_treatment__spells') }}
    where is_adult

),

journeys as (

    select * from {{ ref('int_treatment_journeys__classified') }}
    where treatment_start_date is not null

),

forms as (

    select * from {{ ref('int_treatment_outcomes__judged') }}

),

start_forms as (

    select distinct
        journey_id,
        start_top_date
    from forms
    where start_top_date is not null

),

-- From the month end on or after both its start form and the earlier of its discharge and
-- the day 182 days after its start, a journey is judged at every month end it counts its
-- person (it is then in treatment: its discharge, if any, is in the window).
judged_journeys as (

    select
        journeys.journey_id,
        journeys.discharge_date,
        journeys.outcome_class,
        {{ month_end(
            'greatest(start_forms.start_top_date, least(coalesce(journeys.discharge_date, '
            ~ 'journeys.treatment_start_date + 182), journeys.treatment_start_date + 182))'
        ) }} as judged_from_date
    from journeys
    inner join start_forms
        on journeys.journey_id = start_forms.journey_id

),

judged as (

    select
        journey_id,
        judged_from_date as first_period_end_date,
        cast(null as date) as last_period_end_date
    from judged_journeys

),

-- a successful discharge: progress at every month end whose window holds it
successful_discharges as (

    select
        journey_id,
        greatest({{ month_end('discharge_date') }}, judged_from_date) as first_period_end_date,
        {{ last_window_end_containing('discharge_date') }} as last_period_end_date
    from judged_journeys
    where outcome_class = 'successful'

),

-- the latest review or exit form in the window shows progress, up to the month end before a
-- successful discharge (which then counts instead)
later_forms as (

    select
        top_id,
        journey_id,
        top_date,
        shows_substantial_progress
    from forms
    where stage in ('review', 'exit')

),

latest_forms as (

    {{ latest_form_intervals('later_forms') }}

),

progress_forms as (

    select
        latest_forms.journey_id,
        greatest(latest_forms.first_period_end_date, judged_journeys.judged_from_date)
            as first_period_end_date,
        case
            when judged_journeys.outcome_class = 'successful'
                then least(
                    latest_forms.last_period_end_date,
                    {{ previous_month_end('judged_journeys.discharge_date') }}
                )
            else latest_forms.last_period_end_date
        end as last_period_end_date
    from latest_forms
    inner join judged_journeys
        on latest_forms.journey_id = judged_journeys.journey_id
    where latest_forms.shows_substantial_progress

),

progressed as (

    select * from successful_discharges
    union all
    select * from progress_forms

),

judged_spells as (

    {{ spells_on_counting_journey('judged', 'spells') }}

),

progressed_spells as (

    {{ spells_on_counting_journey('progressed', 'spells') }}

),

judged_records as (

    {{ count_spells('judged_spells') }}

),

progressed_records as (

    {{ count_spells('progressed_spells') }}

),

records as (

    select
        judged_records.area_code,
        judged_records.period_end_date,
        judged_records.substance_group,
        coalesce(progressed_records.people, 0) as progressed,
        judged_records.people
    from judged_records
    left join progressed_records
        on
            judged_records.area_code = progressed_records.area_code
            and judged_records.period_end_date = progressed_records.period_end_date
            and judged_records.substance_group
            is not distinct from progressed_records.substance_group

),

counts as (

    {{ count_by_reporting_area('records', 'progressed', 'people') }}

)

{{ complete_metric_rows('treatment_progress_rate', 'counts') }}
