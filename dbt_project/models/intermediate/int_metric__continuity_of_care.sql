-- metrics.md 7: releases in W; numerator those whose client_id has a journey (in any area)
-- with treatment_start_date in [release_date, release_date + 21]. The release's area counts.
with

releases as (

    select * from {{ ref('stg_prisons__prison_releases') }}

),

journeys as (

    select * from {{ ref('int_treatment_journeys__classified') }}
    where treatment_start_date is not null

),

periods as (

    select * from {{ ref('int_reporting_periods') }}

),

engaged_releases as (

    select distinct releases.release_id
    from releases
    inner join journeys
        on
            releases.client_id = journeys.client_id
            and journeys.treatment_start_date between releases.release_date
            and releases.release_date + 21

),

records as (

    select
        releases.area_code,
        periods.period_end_date,
        cast(null as varchar) as substance_group,
        case when engaged_releases.release_id is not null then 1 else 0 end as is_engaged
    from releases
    inner join periods
        on releases.release_date between periods.period_start_date and periods.period_end_date
    left join engaged_releases
        on releases.release_id = engaged_releases.release_id

),

counts as (

    {{ count_by_reporting_area('records', 'is_engaged', '1') }}

)

{{ complete_metric_rows('continuity_of_care_rate', 'counts') }}
