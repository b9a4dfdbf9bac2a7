-- The as-of date of each record-level source (its latest date of any kind) and
-- the last complete month on or before it: a metric is produced up to the earliest of these
-- among its sources.
with

journeys as (

    select * from {{ ref('stg_ndtms__treatment_journeys') }}

),

releases as (

    select * from {{ ref('stg_prisons__prison_releases') }}

),

deaths as (

    select * from {{ ref('stg_local_register__drug_deaths') }}

),

dated as (

    select
        'treatment_journeys' as source_file,
        min(referral_date) as data_start_date,
        greatest(
            max(referral_date), max(triage_date), max(treatment_start_date), max(discharge_date)
        ) as data_as_of_date
    from journeys

    union all

    select
        'prison_releases' as source_file,
        min(release_date) as data_start_date,
        max(release_date) as data_as_of_date
    from releases

    union all

    select
        'drug_deaths_register' as source_file,
        min(least(date_of_death, registration_date)) as data_start_date,
        greatest(max(date_of_death), max(registration_date)) as data_as_of_date
    from deaths

)

select
    source_file,
    data_start_date,
    data_as_of_date,
    {{ last_complete_month_end('data_as_of_date') }} as last_period_end_date
from dated
