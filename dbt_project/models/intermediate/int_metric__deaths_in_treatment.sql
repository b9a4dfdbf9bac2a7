-- metrics.md 9: adult journeys closed with reason died, discharge_date in W (journey level),
-- and that count as a percentage of adults in treatment in W.
with

journeys as (

    select * from {{ ref('int_treatment_journeys__classified') }}
    where is_adult and discharge_reason = 'died'

),

people as (

    select * from {{ ref('int_people_in_treatment__by_window') }}
    where is_adult

),

periods as (

    select * from {{ ref('int_reporting_periods') }}

),

death_records as (

    select
        journeys.area_code,
        periods.period_end_date,
        journeys.substance_group
    from journeys
    inner join periods
        on journeys.discharge_date between periods.period_start_date and periods.period_end_date

),

people_records as (

    select area_code, period_end_date, substance_group from people

),

death_counts as (

    {{ count_by_reporting_area('death_records', '1') }}

),

people_counts as (

    {{ count_by_reporting_area('people_records', '1') }}

),

rate_counts as (

    select
        people_counts.area_code,
        people_counts.period_end_date,
        people_counts.breakdown,
        coalesce(death_counts.numerator, 0) as numerator,
        people_counts.numerator as denominator
    from people_counts
    left join death_counts
        on
            people_counts.area_code = death_counts.area_code
            and people_counts.period_end_date = death_counts.period_end_date
            and people_counts.breakdown = death_counts.breakdown

)

{{ complete_metric_rows('deaths_in_treatment', 'death_counts', has_denominator=false) }}
union all
{{ complete_metric_rows('deaths_in_treatment_rate', 'rate_counts') }}
