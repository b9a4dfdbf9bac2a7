{{ config(materialized='table') }}

-- Deaths related to drug misuse: register deaths with registration_date in the 12-month window
-- ending at the month end (all ages), and the crude rate per 100,000 residents (all ages, both
-- sexes) of the mid-year in which the month end falls. The rate is NULL, with a note, where
-- that mid-year's population is missing or incomplete.
with

deaths as (

    select * from {{ ref('stg_local_register__drug_deaths') }}

),

area_populations as (

    select * from {{ ref('int_population__area_years') }}

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
            when area_populations.is_complete
                then cast(area_populations.population as bigint)
        end as denominator,
        case
            when area_populations.is_complete then null
            when area_populations.area_code is null
                then
                    'no population estimate for mid-year '
                    || year(crude_rate_frame.period_end_date)
            else
                'population incomplete for mid-year ' || year(crude_rate_frame.period_end_date)
                || ' (an age band, sex or member authority missing): rate not calculated'
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
    estimate_lower_95,
    estimate_upper_95,
    value_note
from crude_rates
