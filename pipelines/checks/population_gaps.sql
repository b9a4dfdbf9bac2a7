-- Area-years the record-level files use whose population lacks any of its age band x sex
-- cells ($cells_per_area_year: 19 bands x 2 sexes).
with

used as (

    select distinct
        area_code,
        year(referral_date) as calendar_year
    from raw.treatment_journeys
    union
    select distinct
        area_code,
        year(release_date) as calendar_year
    from raw.prison_releases
    union
    select distinct
        area_code,
        year(registration_date) as calendar_year
    from raw.drug_deaths_register

),

cells as (

    select
        area_code,
        year as calendar_year,
        count(*) as cells
    from raw.population
    group by all

)

select
    used.area_code,
    used.calendar_year,
    coalesce(cells.cells, 0) as cells
from used
left join cells
    on
        used.area_code = cells.area_code
        and used.calendar_year = cells.calendar_year
where coalesce(cells.cells, 0) < $cells_per_area_year
order by used.area_code, used.calendar_year
