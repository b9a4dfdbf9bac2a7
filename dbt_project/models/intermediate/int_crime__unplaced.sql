-- What of police/ is not counted where a reader might expect it, for the data-quality summary:
-- rows without an LSOA code and rows whose LSOA the lookup lacks (placed in no area, never
-- guessed), crime types the crime_types seed does not know (kept, counted in no metric), rows
-- placed in an authority the raw folder has no other data for (no crime figures are published
-- there), and lookup rows naming an area that is no upper-tier authority of the areas seed
-- (they place nothing a reader sees). One row per issue and detail (a force, a crime type, an
-- area code).
with

crimes as (

    select * from {{ ref('stg_police_uk__street_crimes') }}

),

lookup as (

    select * from {{ ref('stg_ons_geography__lsoa_lookup') }}

),

crime_types as (

    select * from {{ ref('crime_types') }}

),

areas as (

    select * from {{ ref('areas') }}

),

reported as (

    select * from {{ ref('int_areas__reported') }}

),

placed as (

    select
        crimes.force,
        crimes.lsoa_code,
        crimes.crime_type,
        lookup.area_code
    from crimes
    left join lookup
        on crimes.lsoa_code = lookup.lsoa_code

),

issues as (

    select
        'no_lsoa_code' as issue,
        force as detail,
        count(*) as row_count
    from placed
    where lsoa_code is null
    group by force

    union all

    select
        'lsoa_not_in_lookup' as issue,
        force as detail,
        count(*) as row_count
    from placed
    where lsoa_code is not null and area_code is null
    group by force

    union all

    select
        'unknown_crime_type' as issue,
        coalesce(placed.crime_type, '(empty)') as detail,
        count(*) as row_count
    from placed
    left join crime_types
        on placed.crime_type = crime_types.crime_type
    where crime_types.crime_type is null
    group by coalesce(placed.crime_type, '(empty)')

    union all

    select
        'outside_the_areas_reported' as issue,
        coalesce(areas.area_name || ' (' || placed.area_code || ')', placed.area_code) as detail,
        count(*) as row_count
    from placed
    left join reported
        on placed.area_code = reported.area_code
    left join areas
        on placed.area_code = areas.area_code
    where placed.area_code is not null and reported.area_code is null
    group by placed.area_code, areas.area_name

    union all

    select
        'lookup_area_not_an_authority' as issue,
        lookup.area_code as detail,
        count(*) as row_count
    from lookup
    left join areas
        on lookup.area_code = areas.area_code
    where areas.area_code is null
    group by lookup.area_code

)

select * from issues
