{{ config(materialized='table') }}

-- Unplanned exits: adult journeys discharged in the 12-month window ending at the month end
-- (started or not); numerator those with an unplanned outcome. Journey level: the journey's
-- own area, age and group count. The numerator is also published alone as unplanned_exits.
with

journeys as (

    select * from {{ ref('int_treatment_journeys__classified') }}
    where is_adult and discharge_date is not null

),

monthly as (

    select
        area_code,
        substance_group,
        {{ month_end('discharge_date') }} as event_month_end,
        count(*) filter (where outcome_class = 'unplanned') as numerator,
        count(*) as denominator
    from journeys
    group by all

),

records as (

    {{ rolling_12_month_sums('monthly') }}

),

counts as (

    {{ count_by_reporting_area('records', 'numerator', 'denominator') }}

)

{{ complete_metric_rows('unplanned_exit_rate', 'counts') }}
union all
{{ complete_metric_rows('unplanned_exits', 'counts', has_denominator=false) }}
