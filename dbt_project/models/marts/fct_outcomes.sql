-- The long-format outcomes fact: every metric, reporting area, breakdown and period. Each
-- int_metric__ model states one rule and returns the same columns; this model adds values,
-- intervals (one method per metric, from the catalogue), the provisional flag and the
-- comparison with England (none for a provisional value: it will still change; higher or
-- lower, not better or worse, for a metric without a polarity).
{%- set metric_models = [
    'int_metric__people_in_treatment',
    'int_metric__new_presentations',
    'int_metric__successful_completions',
    'int_metric__unplanned_exits',
    'int_metric__early_unplanned_exits',
    'int_metric__continuity_of_care',
    'int_metric__referral_conversion',
    'int_metric__deaths_in_treatment',
    'int_metric__drug_misuse_deaths',
    'int_metric__drug_misuse_death_rate_dsr',
    'int_metric__unmet_need',
    'int_metric__treatment_progress',
    'int_metric__acute_housing_problem',
    'int_metric__paid_work',
    'int_metric__drug_offences',
    'int_metric__neighbourhood_crime',
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

fingertips_england as (

    select * from {{ ref('int_fingertips__england_values') }}

),

valued as (

    select
        metric_rows.*,
        metrics.unit,
        metrics.polarity,
        metrics.interval_method,
        metrics.look_forward_days,
        case
            when metrics.interval_method = 'dobson' then metric_rows.standardised_rate
            when metrics.unit = 'count' then metric_rows.numerator
            when coalesce(metric_rows.denominator, 0) = 0 then null
            when metrics.unit = 'percentage'
                then 100.0 * metric_rows.numerator / metric_rows.denominator
            when metrics.unit in ('rate_per_100000', 'rate_per_1000')
                then
                    {{ rate_multiplier('metrics.unit') }}
                    * metric_rows.numerator / metric_rows.denominator
        end as value,
        -- the value may still change while its look-forward runs past the data's as-of date
        metric_rows.period_end_date + metrics.look_forward_days
        > metric_rows.data_as_of_date as is_provisional
    from metric_rows
    inner join metrics
        on metric_rows.metric_id = metrics.metric_id

),

with_intervals as (

    select
        *,
        {{ metric_interval('lower', '95') }} as lower_95,
        {{ metric_interval('upper', '95') }} as upper_95,
        {{ metric_interval('lower', '998') }} as lower_998,
        {{ metric_interval('upper', '998') }} as upper_998
    from valued

),

-- England's value: from the data's own England rows when the raw folder covers all of
-- England, else from the Fingertips download.
england_from_data as (

    select
        metric_id,
        breakdown,
        period_end_date,
        value as england_value
    from with_intervals
    where area_type = 'country'

),

england as (

    select
        coalesce(england_from_data.metric_id, fingertips_england.metric_id) as metric_id,
        coalesce(england_from_data.breakdown, fingertips_england.breakdown) as breakdown,
        coalesce(england_from_data.period_end_date, fingertips_england.period_end_date)
            as period_end_date,
        coalesce(england_from_data.england_value, fingertips_england.england_value)
            as england_value,
        case
            when england_from_data.england_value is not null then 'warehouse'
            when fingertips_england.england_value is not null then 'fingertips'
        end as england_value_source
    from england_from_data
    full outer join fingertips_england
        on
            england_from_data.metric_id = fingertips_england.metric_id
            and england_from_data.breakdown = fingertips_england.breakdown
            and england_from_data.period_end_date = fingertips_england.period_end_date

)

select
    with_intervals.metric_id,
    with_intervals.area_code,
    with_intervals.area_type,
    with_intervals.breakdown_type,
    with_intervals.breakdown,
    with_intervals.period_start_date,
    with_intervals.period_end_date,
    with_intervals.numerator,
    with_intervals.denominator,
    cast(with_intervals.value as double) as value,
    with_intervals.unit,
    cast(with_intervals.lower_95 as double) as lower_95,
    cast(with_intervals.upper_95 as double) as upper_95,
    cast(with_intervals.lower_998 as double) as lower_998,
    cast(with_intervals.upper_998 as double) as upper_998,
    with_intervals.value_note,
    with_intervals.is_provisional,
    cast(england.england_value as double) as england_value,
    england.england_value_source,
    case
        when with_intervals.unit = 'count' or with_intervals.area_type = 'country'
            then 'not_compared'
        when with_intervals.is_provisional then 'not_compared'
        when with_intervals.lower_95 is null or england.england_value is null then 'not_compared'
        when england.england_value between with_intervals.lower_95 and with_intervals.upper_95
            then 'similar'
        -- a metric without a polarity (more recorded drug offences can mean more enforcement)
        -- is higher or lower than England, never better or worse
        when with_intervals.polarity = 'not_applicable'
            then
                case
                    when with_intervals.lower_95 > england.england_value then 'higher'
                    else 'lower'
                end
        when
            (with_intervals.lower_95 > england.england_value)
            = (with_intervals.polarity = 'higher_is_better') then 'better'
        else 'worse'
    end as comparison_to_england,
    with_intervals.data_as_of_date
from with_intervals
left join england
    on
        with_intervals.metric_id = england.metric_id
        and with_intervals.breakdown = england.breakdown
        and with_intervals.period_end_date = england.period_end_date
