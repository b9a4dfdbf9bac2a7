-- Area-years the record-level files use whose population lacks any of its age band x sex
-- cells ($cells_per_area_year: 19 bands x 2 sexes).
with

journeys_start as (

    -- The day the journeys file is complete from, as the warehouse takes it (the source
    -- coverage model in dbt): the later of the first referral and the first day of the month of
    -- the first discharge. An extract that carries in its open caseload has referrals from years
    -- before its period, which no window uses: those journeys count from the period's start.
    select
        greatest(
            min(referral_date),
            coalesce(cast(date_trunc('month', min(discharge_date)) as date), min(referral_date))
        ) as data_start_date
    from raw.treatment_journeys

),

used as (

    select distinct
        journeys.area_code,
        year(greatest(journeys.referral_date, journeys_start.data_start_date)) as calendar_year
    from raw.treatment_journeys as journeys
    cross join journeys_start
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
