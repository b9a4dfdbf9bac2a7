{{ config(materialized='table') }}

-- Adults in treatment and young people in treatment: distinct adults, and distinct young
-- people (under 18), in treatment in the 12-month window ending at the month end, placed by
-- their latest journey in treatment in the window. Adults and young people are never added
-- together.
with

people as (

    select * from {{ ref('int_people_in_treatment__counts') }}

),

-- one row per area, window and group before fanning out to reporting areas and breakdowns
adult_records as (

    select * from people
    where is_adult

),

young_person_records as (

    select * from people
    where not is_adult

),

adult_counts as (

    {{ count_by_reporting_area('adult_records', 'people') }}

),

young_person_counts as (

    {{ count_by_reporting_area('young_person_records', 'people') }}

)

{{ complete_metric_rows('adults_in_treatment', 'adult_counts', has_denominator=false) }}
union all
{{ complete_metric_rows(
    'young_people_in_treatment', 'young_person_counts', has_denominator=false
) }}
