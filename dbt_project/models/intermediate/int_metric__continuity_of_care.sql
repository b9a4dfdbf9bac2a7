{{ config(materialized='table') }}

-- Continuity of care after release from prison: releases in the 12-month window ending at the
-- month end; numerator those whose client_id has a journey (in any area) with
-- treatment_start_date in [release_date, release_date + 21]. The release's area counts.
with

releases as (

    select * from {{ ref('stg_prisons__prison_releases') }}

),

journeys as (

    select * from {{ ref('int_treatment_journeys__classified') }}
    where treatment_start_date is not null

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

monthly as (

    select
        releases.area_code,
        cast(null as varchar) as substance_group,
        {{ month_end('releases.release_date') }} as event_month_end,
        count(engaged_releases.release_id) as numerator,
        count(*) as denominator
    from releases
    left join engaged_releases
        on releases.release_id = engaged_releases.release_id
    group by all

),

records as (

    {{ rolling_12_month_sums('monthly') }}

),

counts as (

    {{ count_by_reporting_area('records', 'numerator', 'denominator') }}

)

{{ complete_metric_rows('continuity_of_care_rate', 'counts') }}
