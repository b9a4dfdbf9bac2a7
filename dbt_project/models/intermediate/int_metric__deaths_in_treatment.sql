{{ config(materialized='table') }}

-- Deaths in treatment: adult journeys closed with reason died, discharge_date in the 12-month
-- window ending at the month end (journey level), and that count as a percentage of adults in
-- treatment in the same window.
with

journeys as (

    select * from {{ ref('int_treatment_journeys__classified') }}
    where is_adult and discharge_reason = 'died'

),

-- the rate's denominator is adults_in_treatment itself, already counted per reporting area
adults_in_treatment as (

    select
        area_code,
        period_end_date,
        breakdown,
        numerator
    from {{ ref('int_metric__people_in_treatment') }}
    where metric_id = 'adults_in_treatment'

),

monthly_deaths as (

    select
        area_code,
        substance_group,
        {{ month_end('discharge_date') }} as event_month_end,
        count(*) as numerator,
        cast(null as bigint) as denominator
    from journeys
    group by all

),

death_records as (

    {{ rolling_12_month_sums('monthly_deaths') }}

),

death_counts as (

    {{ count_by_reporting_area('death_records', 'numerator') }}

),

rate_counts as (

    select
        adults_in_treatment.area_code,
        adults_in_treatment.period_end_date,
        adults_in_treatment.breakdown,
        coalesce(death_counts.numerator, 0) as numerator,
        adults_in_treatment.numerator as denominator
    from adults_in_treatment
    left join death_counts
        on
            adults_in_treatment.area_code = death_counts.area_code
            and adults_in_treatment.period_end_date = death_counts.period_end_date
            and adults_in_treatment.breakdown = death_counts.breakdown

)

{{ complete_metric_rows('deaths_in_treatment', 'death_counts', has_denominator=false) }}
union all
{{ complete_metric_rows('deaths_in_treatment_rate', 'rate_counts') }}
