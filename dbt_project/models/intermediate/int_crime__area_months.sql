{{ config(materialized='table') }}

-- police.uk's rows placed in areas, counted per local authority, force, month and the crime
-- metric their type counts towards. A row is placed by its LSOA through the lookup, and only
-- so: a row without an LSOA, or with one the lookup lacks, is in no area (never guessed; the
-- data-quality summary counts them). A crime type the crime_types seed does not list is kept
-- (counted_in NULL, as for the types no metric counts): its rows still say which forces
-- record crime in the area.
with

crimes as (

    select * from {{ ref('stg_police_uk__street_crimes') }}

),

lookup as (

    select * from {{ ref('stg_ons_geography__lsoa_lookup') }}

),

crime_types as (

    select * from {{ ref('crime_types') }}

)

select
    lookup.area_code,
    crimes.force,
    crimes.month_end_date as event_month_end,
    -- an empty cell of the seed is no metric
    nullif(crime_types.counted_in, '') as counted_in,
    count(*) as crimes
from crimes
inner join lookup
    on crimes.lsoa_code = lookup.lsoa_code
left join crime_types
    on crimes.crime_type = crime_types.crime_type
group by lookup.area_code, crimes.force, crimes.month_end_date, nullif(crime_types.counted_in, '')
