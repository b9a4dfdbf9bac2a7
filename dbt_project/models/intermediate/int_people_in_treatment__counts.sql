{{ config(materialized='table') }}

-- metrics.md "Who is counted where", counted once for every metric that needs it: the people
-- in treatment in W(E) per member area, group and cohort, from the spells covering E.
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
