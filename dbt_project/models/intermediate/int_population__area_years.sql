{{ config(materialized='table') }}

-- The resident population of each reporting area and mid-year, and whether it is complete: every
-- member authority has a figure for every ESP2013 age band and both sexes. A rate is never
-- computed on a partial population (a missing band would lower the denominator quietly).
with

population as (

    select * from {{ ref('stg_ons__population') }}

),

standard_population as (

    select * from {{ ref('esp2013') }}

),

reporting_areas as (

    select * from {{ ref('int_reporting_areas') }}

),

expected_cells as (

    select count(*) * 2 as cells_per_member  -- every band, female and male
    from standard_population

),

member_years as (

    select
        reporting_areas.reporting_area_code,
        reporting_areas.member_area_code,
        reporting_areas.member_count,
        population.mid_year,
        sum(population.population) as population,
        count(distinct population.sex || '|' || population.age_band) filter (
            where population.population is not null
        ) as cells
    from reporting_areas
    inner join population
        on reporting_areas.member_area_code = population.area_code
    inner join standard_population
        on population.age_band = standard_population.age_band
    where population.sex in ('female', 'male')
    group by all

),

area_years as (

    select
        member_years.reporting_area_code as area_code,
        member_years.mid_year,
        sum(member_years.population) as population,
        count(*) = any_value(member_years.member_count)
        and bool_and(member_years.cells = expected_cells.cells_per_member) as is_complete,
        string_agg(
            case
                when member_years.cells < expected_cells.cells_per_member
                    then member_years.member_area_code
            end,
            ', ' order by member_years.member_area_code
        ) as incomplete_members
    from member_years
    cross join expected_cells
    group by all

)

select * from area_years
