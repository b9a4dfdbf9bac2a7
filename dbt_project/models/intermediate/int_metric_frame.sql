-- Every row the outcomes fact must hold: metric x reporting area x breakdown x period, where
-- the periods are those the metric's sources support: windows that start on or after the
-- first full month of every source and end on or before the last complete month of each.
with

metrics as (

    select * from {{ ref('metric_catalogue') }}

),

breakdowns as (

    select * from {{ ref('breakdowns') }}

),

periods as (

    select * from {{ ref('int_reporting_periods') }}

),

coverage as (

    select * from {{ ref('int_source_coverage') }}

),

areas as (

    select distinct
        reporting_area_code,
        reporting_area_type
    from {{ ref('int_reporting_areas') }}

),

metric_sources as (

    select
        metric_id,
        unnest(string_split(source_files, '|')) as source_file
    from metrics

),

metric_coverage as (

    select
        metric_sources.metric_id,
        max(
            case
                when day(coverage.data_start_date) = 1 then coverage.data_start_date
                else cast(date_trunc('month', coverage.data_start_date) + interval 1 month as date)
            end
        ) as first_full_month_start_date,
        min(coverage.last_period_end_date) as last_period_end_date,
        min(coverage.data_as_of_date) as data_as_of_date
    from metric_sources
    inner join coverage
        on metric_sources.source_file = coverage.source_file
    group by metric_sources.metric_id
    -- a metric needs every record-level source it is built from: an optional one that gave no
    -- record (absent) leaves it without periods, so it is not produced
    having bool_and(coverage.data_as_of_date is not null)

),

metric_periods as (

    select
        metrics.metric_id,
        -- 12-month metrics: their 12-month window; the 3-year death rate: three calendar years
        case
            when metrics.period_frequency = 'calendar_year' and metrics.interval_method = 'dobson'
                then cast(date_trunc('month', periods.period_end_date) - interval 35 month as date)
            else periods.period_start_date
        end as period_start_date,
        periods.period_end_date,
        metric_coverage.data_as_of_date,
        metric_coverage.first_full_month_start_date
    from metrics
    inner join metric_coverage
        on metrics.metric_id = metric_coverage.metric_id
    inner join periods
        on metric_coverage.last_period_end_date >= periods.period_end_date
    where
        metrics.period_frequency = 'monthly'
        or (metrics.period_frequency = 'financial_year' and month(periods.period_end_date) = 3)
        or (metrics.period_frequency = 'calendar_year' and month(periods.period_end_date) = 12)

),

metric_breakdowns as (

    select
        metrics.metric_id,
        breakdowns.breakdown_type,
        breakdowns.breakdown
    from metrics
    inner join breakdowns
        on list_contains(string_split(metrics.breakdown_types, '|'), breakdowns.breakdown_type)

)

select
    metric_periods.metric_id,
    areas.reporting_area_code as area_code,
    areas.reporting_area_type as area_type,
    metric_breakdowns.breakdown_type,
    metric_breakdowns.breakdown,
    metric_periods.period_start_date,
    metric_periods.period_end_date,
    metric_periods.data_as_of_date
from metric_periods
inner join metric_breakdowns
    on metric_periods.metric_id = metric_breakdowns.metric_id
cross join areas
where metric_periods.period_start_date >= metric_periods.first_full_month_start_date
