-- Area-years the record-level files use whose population lacks any of the age band x sex
-- cells ($cells_per_area_year: 19 bands x 2 sexes).
with used as (
    select distinct area_code, year(referral_date) as year from raw.treatment_journeys
    union
    select distinct area_code, year(release_date) from raw.prison_releases
    union
    select distinct area_code, year(registration_date) from raw.drug_deaths_register
),
cells as (
    select area_code, year, count(*) as cells from raw.population group by all
)
select used.area_code, used.year, coalesce(cells.cells, 0) as cells
from used
left join cells using (area_code, year)
where coalesce(cells.cells, 0) < $cells_per_area_year
order by 1, 2
