{{ config(materialized='table') }}

-- Deaths related to drug misuse, 3-year directly standardised rate: deaths registered in the
-- three calendar years ending with the period end's year (the year and the two before it),
-- directly standardised per 100,000 to the 2013 European Standard Population (19 bands, both
-- sexes together; populations = the three mid-years summed). DSR = sum over bands of
-- w * deaths / population (the weights w sum to 100,000); its variance
-- sum(w^2 * deaths / population^2) feeds Dobson's interval in fct_outcomes. Not published when
-- deaths < 10.
with

deaths as (

    select * from {{ ref('stg_local_register__drug_deaths') }}

),

population as (

    select * from {{ ref('stg_ons__population') }}

),

standard_population as (

    select * from {{ ref('esp2013') }}

),

population_years as (

    select * from {{ ref('int_population__area_years') }}

),

reporting_areas as (

    select * from {{ ref('int_reporting_areas') }}

),

frame as (

    select * from {{ ref('int_metric_frame') }}
    where metric_id = 'drug_misuse_death_rate_dsr'

),

periods as (

    select distinct
        period_start_date,
        period_end_date
    from frame

),

deaths_by_band as (

    select
        reporting_areas.reporting_area_code as area_code,
        periods.period_end_date,
        standard_population.age_band,
        count(*) as deaths
    from deaths
    inner join periods
        on deaths.registration_date between periods.period_start_date and periods.period_end_date
    inner join reporting_areas
        on deaths.area_code = reporting_areas.member_area_code
    inner join standard_population
        on least(floor(deaths.age / 5) * 5, 90) = standard_population.band_lower_age
    group by all

),

population_by_band as (

    select
        reporting_areas.reporting_area_code as area_code,
        periods.period_end_date,
        population.age_band,
        sum(population.population) as population,
        count(distinct population.mid_year) as mid_years
    from population
    inner join periods
        on
            population.mid_year
            between year(periods.period_start_date) and year(periods.period_end_date)
    inner join reporting_areas
        on population.area_code = reporting_areas.member_area_code
    group by all

),

bands as (

    select
        population_by_band.area_code,
        population_by_band.period_end_date,
        population_by_band.age_band,
        standard_population.standard_population,
        population_by_band.population,
        population_by_band.mid_years,
        coalesce(deaths_by_band.deaths, 0) as deaths
    from population_by_band
    inner join standard_population
        on population_by_band.age_band = standard_population.age_band
    left join deaths_by_band
        on
            population_by_band.area_code = deaths_by_band.area_code
            and population_by_band.period_end_date = deaths_by_band.period_end_date
            and population_by_band.age_band = deaths_by_band.age_band

),

-- each of the three mid-years complete: every band, both sexes, every member authority
complete_years as (

    select
        population_years.area_code,
        periods.period_end_date,
        count(*) filter (where population_years.is_complete) as complete_mid_years
    from population_years
    inner join periods
        on
            population_years.mid_year
            between year(periods.period_start_date) and year(periods.period_end_date)
    group by all

),

band_rates as (

    select
        area_code,
        period_end_date,
        sum(deaths) as deaths,
        sum(population) as population,
        -- complete = 19 bands x 3 mid-years, every band populated
        count(*) = 19 and min(mid_years) = 3 and min(population) > 0 as has_complete_population,
        -- summed in band order: the same bits on every run (a parallel sum of doubles is not)
        sum(standard_population * deaths / nullif(population, 0) order by age_band)
            as standardised_rate,
        sum(
            standard_population * standard_population * deaths / nullif(population * population, 0)
            order by age_band
        ) as standardised_rate_variance
    from bands
    group by area_code, period_end_date

),

rates as (

    select
        band_rates.* replace (
            band_rates.has_complete_population
            and coalesce(complete_years.complete_mid_years, 0) = 3 as has_complete_population
        )
    from band_rates
    left join complete_years
        on
            band_rates.area_code = complete_years.area_code
            and band_rates.period_end_date = complete_years.period_end_date

)

select
    frame.metric_id,
    frame.area_code,
    frame.area_type,
    frame.breakdown_type,
    frame.breakdown,
    frame.period_start_date,
    frame.period_end_date,
    frame.data_as_of_date,
    cast(coalesce(rates.deaths, 0) as bigint) as numerator,
    cast(rates.population as bigint) as denominator,
    case
        when rates.has_complete_population and rates.deaths >= 10 then rates.standardised_rate
    end as standardised_rate,
    case
        when rates.has_complete_population and rates.deaths >= 10
            then rates.standardised_rate_variance
    end as standardised_rate_variance,
    cast(null as double) as estimate_lower_95,
    cast(null as double) as estimate_upper_95,
    case
        when not coalesce(rates.has_complete_population, false)
            then 'population incomplete for the three mid-years: rate not calculated'
        when rates.deaths < 10 then 'fewer than 10 deaths: rate not published'
    end as value_note
from frame
left join rates
    on
        frame.area_code = rates.area_code
        and frame.period_end_date = rates.period_end_date
