-- Every month end from the first month any record-level source covers to the last complete
-- month of the latest source. Each metric then keeps the periods its own sources support
-- (int_metric_frame).
with

coverage as (

    select * from {{ ref('int_source_coverage') }}

),

bounds as (

    select
        cast(date_trunc('month', min(data_start_date)) as timestamp) as first_month_start,
        cast(date_trunc('month', max(last_period_end_date)) as timestamp) as last_month_start
    from coverage

),

month_starts as (

    select cast(series.month_start as date) as month_start_date
    from bounds
    cross join
        generate_series(bounds.first_month_start, bounds.last_month_start, interval 1 month)
            as series (month_start)

)

select
    {{ month_end('month_start_date') }} as period_end_date,
    {{ window_start('month_start_date') }} as period_start_date
from month_starts
