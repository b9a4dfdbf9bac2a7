{#- crime_metric_rows(metric_id, rate_metric_id, crimes_column): the rows of a crime metric
    (metrics 16-17) and of its rate per 1,000 residents, in the columns fct_outcomes unions.
    Only the windows int_crime__windows produces (every force's month present): a window
    that is not produced has no row at all, never a zero. `crimes_column` is the column of
    int_crime__windows holding the metric's crimes. The rate's denominator is the population
    of metric 10's rule: all ages, both sexes, the mid-year in which the period ends; NULL
    with a note where that population is missing or incomplete. -#}
{% macro crime_metric_rows(metric_id, rate_metric_id, crimes_column) -%}
with

windows as (

    select * from {{ ref('int_crime__windows') }}

),

area_populations as (

    select * from {{ ref('int_population__area_years') }}

),

crime_counts as (

    select
        area_code,
        period_end_date,
        'all' as breakdown,
        {{ crimes_column }} as numerator,
        cast(null as bigint) as denominator
    from windows

),

count_frame as (

    {{ complete_metric_rows(metric_id, 'crime_counts', has_denominator=false) }}

),

rate_frame as (

    {{ complete_metric_rows(rate_metric_id, 'crime_counts', has_denominator=false) }}

),

produced as (

    select * from count_frame
    union all
    select * from rate_frame

)

select
    produced.metric_id,
    produced.area_code,
    produced.area_type,
    produced.breakdown_type,
    produced.breakdown,
    produced.period_start_date,
    produced.period_end_date,
    produced.data_as_of_date,
    produced.numerator,
    case
        when produced.metric_id = '{{ rate_metric_id }}' and area_populations.is_complete
            then cast(area_populations.population as bigint)
    end as denominator,
    produced.standardised_rate,
    produced.standardised_rate_variance,
    produced.estimate_lower_95,
    produced.estimate_upper_95,
    case
        when produced.metric_id <> '{{ rate_metric_id }}' or area_populations.is_complete
            then null
        when area_populations.area_code is null
            then 'no population estimate for mid-year ' || year(produced.period_end_date)
        else
            'population incomplete for mid-year ' || year(produced.period_end_date)
            || ' (an age band, sex or member authority missing): rate not calculated'
    end as value_note
from produced
-- only the windows produced: every force's street file in each of their 12 months
inner join windows
    on
        produced.area_code = windows.area_code
        and produced.period_end_date = windows.period_end_date
left join area_populations
    on
        produced.area_code = area_populations.area_code
        and year(produced.period_end_date) = area_populations.mid_year
{%- endmacro %}
