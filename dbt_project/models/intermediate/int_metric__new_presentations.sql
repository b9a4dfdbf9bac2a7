{{ config(materialized='table') }}

-- metrics.md 3: distinct adults with a journey whose treatment_start_date is in W. A person
-- with several such journeys is placed by the latest of them (greatest start, then
-- journey_id), the same tie-break as "who is counted where".
with

journeys as (

    select * from {{ ref('int_treatment_journeys__classified') }}
    where treatment_start_date is not null

),

periods as (

    select * from {{ ref('int_reporting_periods') }}

),

starts_in_window as (

    select
        periods.period_end_date,
        journeys.client_id,
        journeys.area_code,
        journeys.substance_group,
        journeys.is_adult
    from journeys
    inner join periods
        on journeys.treatment_start_date between periods.period_start_date and periods.period_end_date
    qualify
        row_number() over (
            partition by periods.period_end_date, journeys.client_id
            order by journeys.treatment_start_date desc, journeys.journey_id desc
        ) = 1

),

records as (

    select area_code, period_end_date, substance_group, count(*) as people
    from starts_in_window
    where is_adult
    group by all

),

counts as (

    {{ count_by_reporting_area('records', 'people') }}

)

{{ complete_metric_rows('new_presentations', 'counts', has_denominator=false) }}
