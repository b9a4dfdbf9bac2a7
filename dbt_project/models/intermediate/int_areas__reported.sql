-- Every area that appears in the record-level raw data: each gets a row for every metric,
-- breakdown and period, zero counts included.
with

journeys as (

    select area_code from {{ ref('stg_ndtms__treatment_journeys') }}

),

releases as (

    select area_code from {{ ref('stg_prisons__prison_releases') }}

),

deaths as (

    select area_code from {{ ref('stg_local_register__drug_deaths') }}

),

all_codes as (

    select area_code from journeys
    union
    select area_code from releases
    union
    select area_code from deaths

)

select distinct area_code
from all_codes
where area_code is not null
