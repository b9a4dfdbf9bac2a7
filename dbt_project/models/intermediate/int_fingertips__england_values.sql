-- England's published values for the benchmarked indicators, on the warehouse's periods:
-- "2021/22" is the financial year (period end 31 March 2022), "2021" the calendar year
-- (period end 31 Dec 2021), "2018 - 20" three calendar years ending 2020 (period end
-- 31 Dec 2020).
with

benchmarks as (

    select * from {{ ref('stg_fingertips__benchmarks') }}

),

indicators as (

    select * from {{ ref('fingertips_indicators') }}

),

england as (

    select
        indicators.metric_id,
        indicators.breakdown,
        benchmarks.time_period,
        benchmarks.value,
        benchmarks.source_row_number,
        regexp_extract(benchmarks.time_period, '^([0-9]{4})', 1)::integer as first_year,
        case
            when regexp_full_match(benchmarks.time_period, '^[0-9]{4}/[0-9]{2}$')
                then 'financial_year'
            when regexp_full_match(benchmarks.time_period, '^[0-9]{4}$')
                then 'calendar_year'
            when regexp_full_match(benchmarks.time_period, '^[0-9]{4} ?- ?[0-9]{2,4}$')
                then 'calendar_years'
        end as period_kind,
        regexp_extract(benchmarks.time_period, '([0-9]{2,4})$', 1) as last_year_text
    from benchmarks
    inner join indicators
        on benchmarks.indicator_id = indicators.indicator_id
    where
        benchmarks.is_england
        and coalesce(benchmarks.sex, 'Persons') in ('Persons', 'Not applicable')
        and coalesce(benchmarks.category, '') = ''

)

select
    metric_id,
    breakdown,
    case period_kind
        when 'financial_year' then make_date(first_year + 1, 3, 31)
        when 'calendar_year' then make_date(first_year, 12, 31)
        when 'calendar_years' then make_date(
            case
                when length(last_year_text) = 4 then last_year_text::integer
                else (first_year // 100) * 100 + last_year_text::integer
            end, 12, 31
        )
    end as period_end_date,
    time_period,
    value as england_value
from england
where period_kind is not null and value is not null
qualify
    row_number() over (
        partition by metric_id, breakdown, period_end_date order by source_row_number
    ) = 1
