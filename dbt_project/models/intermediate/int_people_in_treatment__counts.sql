{{ config(materialized='table') }}

-- The people in treatment in the 12-month window ending at each month end, per member area,
-- group and cohort, counted once for every metric that needs it, from the spells covering that
-- month end. Each person counts once, placed by their latest journey in treatment in the
-- window (greatest treatment_start_date, then greatest journey_id), which gives their area,
-- cohort (adult 18+ or young person under 18) and substance group.
with

spells as (

    select * from {{ ref('int_people_in_treatment__spells') }}

),

adult_spells as (

    select * from spells
    where is_adult

),

young_person_spells as (

    select * from spells
    where not is_adult

),

adults as (

    {{ count_spells('adult_spells') }}

),

young_people as (

    {{ count_spells('young_person_spells') }}

)

select
    area_code,
    period_end_date,
    substance_group,
    true as is_adult,
    people
from adults
union all
select
    area_code,
    period_end_date,
    substance_group,
    false as is_adult,
    people
from young_people
