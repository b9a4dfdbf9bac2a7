-- The long-format outcomes fact: every metric, area, breakdown and month end. Each metric is
-- an int_metric__ model with the same columns; this model adds what the catalogue knows.
{%- set metric_models = [
    'int_metric__adults_in_treatment',
] %}

with

metric_rows as (

    {% for metric_model in metric_models %}
    select * from {{ ref(metric_model) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

metrics as (

    select * from {{ ref('dim_metric') }}

),

periods as (

    select * from {{ ref('int_reporting_periods') }}

)

select
    metric_rows.metric_id,
    metric_rows.area_code,
    'local_authority' as area_type,
    metric_rows.breakdown,
    metric_rows.period_start_date,
    metric_rows.period_end_date,
    cast(metric_rows.numerator as bigint) as numerator,
    cast(metric_rows.denominator as bigint) as denominator,
    cast(
        case
            when metrics.unit = 'count' then metric_rows.numerator
            when metric_rows.denominator = 0 then null
            when metrics.unit = 'percentage'
                then 100.0 * metric_rows.numerator / metric_rows.denominator
            when metrics.unit = 'rate_per_100000'
                then 100000.0 * metric_rows.numerator / metric_rows.denominator
        end as double
    ) as value,
    metrics.unit,
    -- the value may still change while its look-forward runs past the data's as-of date
    metric_rows.period_end_date + metrics.look_forward_days > periods.data_as_of_date
        as is_provisional,
    periods.data_as_of_date
from metric_rows
inner join metrics
    on metric_rows.metric_id = metrics.metric_id
inner join periods
    on metric_rows.period_end_date = periods.period_end_date
