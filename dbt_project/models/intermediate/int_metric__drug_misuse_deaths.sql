{{ config(materialized='table') }}

-- metrics.md 10: register deaths with registration_date in W (all ages), and the crude rate
-- per 100,000 residents (all ages, both sexes) of the mid-year in which E falls. The rate is
-- NULL, with a note, where that mid-year's population is missing.
with

deaths as (

    select * from {{ ref('stg_local_register__drug_deaths') }}

),

population as (

    select * from {{ ref('stg_ons__population') }}

),

reporting_areas as (

    select * from {{ ref('int_reporting_areas') }}

),

monthly as (

    select
        area_code,
        cast(null as varchar) as substance_group,
        {{ month_end('registration_date') }} as event_month_end,
        count(*) as numerator,
        cast(null as bigint) as denominator
    from deaths
    group by all

),

records as (

    {{ rolling_12_month_sums('monthly') }}

),

death_counts as (

    {{ count_by_reporting_area('records', 'numerator') }}

),

-- a reporting area's population is known only when every member has one for that mid-year
member_populations as (

    select
        reporting_areas.reporting_area_code,
        reporting_areas.member_area_code,
        reporting_areas.member_count,
        population.mid_year,
        sum(population.population) as population
    from reporting_areas
    inner join population
        on reporting_areas.member_area_code = population.area_code
    group by all

),

area_populations as (

    select
        member_populations.reporting_area_code as area_code,
        member_populations.mid_year,
        sum(member_populations.population) as population,
        count(*) = any_value(member_populations.member_count) as has_every_member
    from member_populations
    group by all

),

counted as (

    {{ complete_metric_rows('drug_misuse_deaths', 'death_counts', has_denominator=false) }}

),

crude_rate_frame as (

    {{ complete_metric_rows('drug_misuse_death_rate', 'death_counts', has_denominator=false) }}

),

crude_rates as (

    select
        crude_rate_frame.* exclude (denominator, value_note),
        case
            when area_populations.has_every_member
                then cast(area_populations.population as bigint)
        end as denominator,
        case
            when area_populations.has_every_member then null
            else 'no population estimate for mid-year ' || year(crude_rate_frame.period_end_date)
        end as value_note
    from crude_rate_frame
    left join area_populations
        on
            crude_rate_frame.area_code = area_populations.area_code
            and year(crude_rate_frame.period_end_date) = area_populations.mid_year

)

select * from counted
union all
select
    metric_id,
    area_code,
    area_type,
    breakdown_type,
    breakdown,
    period_start_date,
    period_end_date,
    data_as_of_date,
    numerator,
    denominator,
    standardised_rate,
    standardised_rate_variance,
    value_note
from crude_rates
