{{ config(materialized='table') }}

-- Paid work: of the adults aged 18 to 64 (their counting journey's age at referral) in
-- treatment in the 12-month window ending at the month end, counted through their counting
-- journey (their latest journey in treatment in the window), those whose journey has a form of
-- any stage dated in the window with days_paid_work recorded are the denominator; the
-- numerator is those whose latest such form (greatest top_date, then greatest top_id) has
-- days_paid_work >= 1. Placed like adults in treatment.
with

working_age_spells as (

    select * from {{ ref('int_people_in_treatment__spells') }}
    where is_adult and age_at_referral between 18 and 64

),

recorded_forms as (

    select
        top_id,
        journey_id,
        top_date,
        days_paid_work
    from {{ ref('int_treatment_outcomes__judged') }}
    where days_paid_work is not null

),

latest_forms as (

    {{ latest_form_intervals('recorded_forms') }}

),

working_forms as (

    select * from latest_forms
    where days_paid_work >= 1

),

recorded_spells as (

    {{ spells_on_counting_journey('latest_forms', 'working_age_spells') }}

),

working_spells as (

    {{ spells_on_counting_journey('working_forms', 'working_age_spells') }}

),

recorded_records as (

    {{ count_spells('recorded_spells') }}

),

working_records as (

    {{ count_spells('working_spells') }}

),

records as (

    select
        recorded_records.area_code,
        recorded_records.period_end_date,
        recorded_records.substance_group,
        coalesce(working_records.people, 0) as in_paid_work,
        recorded_records.people
    from recorded_records
    left join working_records
        on
            recorded_records.area_code = working_records.area_code
            and recorded_records.period_end_date = working_records.period_end_date
            and recorded_records.substance_group
            is not distinct from working_records.substance_group

),

counts as (

    {{ count_by_reporting_area('records', 'in_paid_work', 'people') }}

)

{{ complete_metric_rows('paid_work_rate', 'counts') }}
