{{ config(materialized='table') }}

-- Acute housing problems: of the adults in treatment in the 12-month window ending at the month
-- end, counted through their counting journey (their latest journey in treatment in the
-- window), those whose journey has a form of any stage dated in the window with
-- acute_housing_problem recorded are the denominator; the numerator is those whose latest such
-- form (greatest top_date, then greatest top_id) says true. Placed like adults in treatment.
with

spells as (

    select * from {{ ref('int_people_in_treatment__spells') }}
    where is_adult

),

recorded_forms as (

    select
        top_id,
        journey_id,
        top_date,
        acute_housing_problem
    from {{ ref('int_treatment_outcomes__judged') }}
    where acute_housing_problem is not null

),

latest_forms as (

    {{ latest_form_intervals('recorded_forms') }}

),

problem_forms as (

    select * from latest_forms
    where acute_housing_problem

),

recorded_spells as (

    {{ spells_on_counting_journey('latest_forms', 'spells') }}

),

problem_spells as (

    {{ spells_on_counting_journey('problem_forms', 'spells') }}

),

recorded_records as (

    {{ count_spells('recorded_spells') }}

),

problem_records as (

    {{ count_spells('problem_spells') }}

),

records as (

    select
        recorded_records.area_code,
        recorded_records.period_end_date,
        recorded_records.substance_group,
        coalesce(problem_records.people, 0) as with_problem,
        recorded_records.people
    from recorded_records
    left join problem_records
        on
            recorded_records.area_code = problem_records.area_code
            and recorded_records.period_end_date = problem_records.period_end_date
            and recorded_records.substance_group
            is not distinct from problem_records.substance_group

),

counts as (

    {{ count_by_reporting_area('records', 'with_problem', 'people') }}

)

{{ complete_metric_rows('acute_housing_problem_rate', 'counts') }}
