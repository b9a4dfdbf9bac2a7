-- Month ends the treatment data supports: from the first full 12-month window (one that
-- starts on or after the first day the extract covers) to the last complete month on or
-- before the extract's as-of date.
with

journeys as (

    select * from {{ ref('stg_ndtms__treatment_journeys') }}

),

coverage as (

    select
        min(referral_date) as data_start_date,
        greatest(
            max(referral_date), max(triage_date), max(treatment_start_date), max(discharge_date)
        ) as data_as_of_date
    from journeys

),

bounds as (

    select
        data_start_date,
        data_as_of_date,
        case
            when day(data_start_date) = 1 then data_start_date
            else cast(date_trunc('month', data_start_date) + interval 1 month as date)
        end as first_window_start_date,
        {{ last_complete_month_end('data_as_of_date') }} as last_period_end_date
    from coverage

),

month_starts as (

    select
        bounds.data_start_date,
        bounds.data_as_of_date,
        cast(series.month_start as date) as month_start_date
    from bounds
    cross join
        generate_series(
            bounds.first_window_start_date + interval 11 month,
            cast(date_trunc('month', bounds.last_period_end_date) as timestamp),
            interval 1 month
        ) as series (month_start)

)

select
    {{ month_end('month_start_date') }} as period_end_date,
    {{ window_start('month_start_date') }} as period_start_date,
    data_start_date,
    data_as_of_date
from month_starts
