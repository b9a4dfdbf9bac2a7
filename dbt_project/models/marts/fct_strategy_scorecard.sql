-- The strategy scorecard: for each objective of the strategy (strategy_objectives seed) and
-- each metric measuring it, every area's value in every period beside the value a year
-- earlier, a tested direction of travel, the recent trend over five yearly points, and
-- England. The pack reads the rows of its period; BI tools filter is_latest_final.
with

objectives as (

    select * from {{ ref('strategy_objectives') }}

),

metrics as (

    select * from {{ ref('dim_metric') }}

),

outcomes as (

    select * from {{ ref('fct_outcomes') }}
    where breakdown = 'all'

),

dsr_variances as (

    select
        metric_id,
        area_code,
        period_end_date,
        standardised_rate_variance
    from {{ ref('int_metric__drug_misuse_death_rate_dsr') }}

),

series as (

    select
        outcomes.*,
        metrics.polarity,
        metrics.interval_method,
        dsr_variances.standardised_rate_variance,
        coalesce(
            outcomes.period_end_date = max(outcomes.period_end_date) filter (
                where not outcomes.is_provisional and outcomes.value is not null
            ) over (partition by outcomes.metric_id, outcomes.area_code),
            false
        ) as is_latest_final
    from outcomes
    inner join metrics
        on outcomes.metric_id = metrics.metric_id
    left join dsr_variances
        on
            outcomes.metric_id = dsr_variances.metric_id
            and outcomes.area_code = dsr_variances.area_code
            and outcomes.period_end_date = dsr_variances.period_end_date
    where outcomes.metric_id in (select objectives.metric_id from objectives)

),

-- the same period a year earlier: for 12-month windows it does not overlap the latest; a
-- three-year rate's does (two shared years), which makes the test below conservative
paired as (

    select
        latest.*,
        previous.period_end_date as previous_period_end_date,
        previous.value as previous_value,
        previous.lower_95 as previous_lower_95,
        previous.upper_95 as previous_upper_95,
        case
            when latest.interval_method = 'wilson' then 'two proportions'
            when latest.interval_method = 'dobson' then 'two directly standardised rates'
            when latest.unit = 'count' then 'two Poisson counts'
            else 'two Poisson rates'
        end as change_test,
        case
            when latest.value is null or previous.value is null then null
            when latest.interval_method = 'wilson'
                then {{ two_proportions_z(
                    'latest.numerator', 'latest.denominator',
                    'previous.numerator', 'previous.denominator') }}
            when latest.interval_method = 'dobson'
                then {{ two_dsrs_z(
                    'latest.value', 'latest.standardised_rate_variance',
                    'previous.value', 'previous.standardised_rate_variance') }}
            when latest.unit = 'count'
                then {{ two_poisson_z('latest.numerator', '1', 'previous.numerator', '1') }}
            else {{ two_poisson_z(
                'latest.numerator', 'latest.denominator',
                'previous.numerator', 'previous.denominator') }}
        end as change_z_score
    from series as latest
    left join series as previous
        on
            latest.metric_id = previous.metric_id
            and latest.area_code = previous.area_code
            and previous.period_end_date
            = cast(
                last_day(date_trunc('month', latest.period_end_date) - interval 12 month) as date
            )

),

-- Fingertips' recent trend: the chi-squared test for trend in a proportion over the latest
-- five yearly points (independent 12-month windows, a year apart; scores 1 = oldest to 5)
trend_points as (

    select
        latest.metric_id,
        latest.area_code,
        latest.period_end_date,
        5 - year_offsets.years_back as score,
        trend_point.period_end_date as point_period_end_date,
        trend_point.numerator,
        trend_point.denominator
    from series as latest
    cross join range(5) as year_offsets (years_back)
    inner join series as trend_point
        on
            latest.metric_id = trend_point.metric_id
            and latest.area_code = trend_point.area_code
            and trend_point.period_end_date = cast(
                last_day(
                    date_trunc('month', latest.period_end_date)
                    - to_months(cast(12 * year_offsets.years_back as integer))
                ) as date
            )
    where latest.interval_method = 'wilson' and trend_point.denominator > 0

),

trend_sums as (

    select
        metric_id,
        area_code,
        period_end_date,
        min(point_period_end_date) as trend_first_period_end_date,
        sum(numerator) * 1.0 / sum(denominator) as pooled_proportion,
        sum(denominator) as total_denominator,
        sum(score * numerator) as scored_numerator,
        sum(score * denominator) as scored_denominator,
        sum(score * score * denominator) as squared_scored_denominator
    from trend_points
    group by metric_id, area_code, period_end_date
    having count(*) = 5

),

trend as (

    select
        metric_id,
        area_code,
        period_end_date,
        trend_first_period_end_date,
        scored_numerator - pooled_proportion * scored_denominator as trend_score,
        case
            when pooled_proportion > 0 and pooled_proportion < 1
                then
                    power(scored_numerator - pooled_proportion * scored_denominator, 2)
                    / (
                        pooled_proportion * (1 - pooled_proportion)
                        * (
                            squared_scored_denominator
                            - scored_denominator * scored_denominator * 1.0 / total_denominator
                        )
                    )
        end as trend_chi_squared
    from trend_sums

)

select
    objectives.objective_id,
    objectives.objective_order,
    objectives.objective,
    objectives.working_group,
    objectives.desired_direction,
    paired.metric_id,
    paired.area_code,
    paired.area_type,
    paired.period_start_date,
    paired.period_end_date,
    paired.is_provisional,
    paired.is_latest_final,
    paired.value,
    paired.unit,
    paired.lower_95,
    paired.upper_95,
    paired.value_note,
    paired.previous_period_end_date,
    paired.previous_value,
    paired.previous_lower_95,
    paired.previous_upper_95,
    paired.change_test,
    cast(paired.change_z_score as double) as change_z_score,
    coalesce(abs(paired.change_z_score) >= {{ change_z_critical() }}, false)
        as is_significant_change,
    case
        when paired.change_z_score is null then 'not_available'
        when abs(paired.change_z_score) < {{ change_z_critical() }} then 'no_significant_change'
        when (paired.change_z_score > 0) = (paired.polarity = 'higher_is_better')
            then 'improving'
        else 'worsening'
    end as direction_of_travel,
    trend.trend_first_period_end_date,
    cast(trend.trend_chi_squared as double) as trend_chi_squared,
    case
        when trend.trend_chi_squared is null then 'not_available'
        when trend.trend_chi_squared < {{ trend_chi_squared_critical() }}
            then 'no_significant_change'
        when trend.trend_score > 0 and paired.polarity = 'higher_is_better'
            then 'increasing_and_getting_better'
        when trend.trend_score > 0 then 'increasing_and_getting_worse'
        when paired.polarity = 'higher_is_better' then 'decreasing_and_getting_worse'
        else 'decreasing_and_getting_better'
    end as recent_trend,
    paired.england_value,
    paired.comparison_to_england,
    paired.data_as_of_date
from paired
inner join objectives
    on paired.metric_id = objectives.metric_id
left join trend
    on
        paired.metric_id = trend.metric_id
        and paired.area_code = trend.area_code
        and paired.period_end_date = trend.period_end_date
