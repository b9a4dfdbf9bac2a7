-- The strategy scorecard: for each objective of the strategy (strategy_objectives seed) and
-- each metric measuring it, every area's value in every period beside the value a year
-- earlier, a tested direction of travel (increasing or decreasing, not improving or
-- worsening, for a metric without a polarity), the recent trend over five yearly points, and
-- England. No verdict is built on a provisional value. The pack reads the rows of its period;
-- BI tools filter is_latest_final, the rows of the area's reporting period.
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
        dsr_variances.standardised_rate_variance
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

-- One meaning of "latest" for an area's whole scorecard, so that every metric is read at the
-- same point (not each at its own latest final month): the latest 31 March at which every
-- scorecard metric with a row for the area at that month end is final
final_financial_year_ends as (

    select
        area_code,
        period_end_date
    from series
    where month(period_end_date) = 3
    group by area_code, period_end_date
    having not coalesce(bool_or(is_provisional), false)

),

reporting_periods as (

    select
        area_code,
        max(period_end_date) as reporting_period_end_date
    from final_financial_year_ends
    group by area_code

),

-- each metric's row of the reporting period: the 31 March itself, or for a calendar-year
-- metric (and any whose rows end earlier) its latest final period ending on or before it
flagged as (

    select
        series.*,
        reporting_periods.reporting_period_end_date,
        coalesce(
            series.period_end_date = max(series.period_end_date) filter (
                where series.period_end_date <= reporting_periods.reporting_period_end_date
                and not coalesce(series.is_provisional, false)
            ) over (partition by series.metric_id, series.area_code),
            false
        ) as is_latest_final
    from series
    left join reporting_periods
        on series.area_code = reporting_periods.area_code

),

-- the same period a year earlier: for 12-month windows it does not overlap the latest; a
-- three-year rate's does (two shared years), which makes the test below conservative
paired as (

    select
        latest.*,
        previous.period_end_date as previous_period_end_date,
        previous.is_provisional as previous_is_provisional,
        previous.value as previous_value,
        previous.lower_95 as previous_lower_95,
        previous.upper_95 as previous_upper_95,
        case
            -- unmet need: the uncertainty is the prevalence estimates', and two years'
            -- estimates share their model, so no test of independent samples fits
            when latest.interval_method = 'prevalence_estimate_interval'
                then
                    'the two years'' intervals do not overlap'
                    || ' (conservative: the estimates are not independent)'
            when latest.interval_method = 'wilson' then 'two proportions'
            when latest.interval_method = 'dobson' then 'two directly standardised rates'
            when latest.unit = 'count' then 'two Poisson counts'
            else 'two Poisson rates'
        end as change_test,
        case
            when latest.value is null or previous.value is null then null
            when latest.interval_method = 'prevalence_estimate_interval' then null
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
    from flagged as latest
    left join flagged as previous
        on
            latest.metric_id = previous.metric_id
            and latest.area_code = previous.area_code
            and previous.period_end_date
            = cast(
                last_day(date_trunc('month', latest.period_end_date) - interval 12 month) as date
            )

),

-- why no direction can be given, in the board's words (NULL when one is given)
judged as (

    select
        *,
        case
            when is_provisional or previous_is_provisional
                then 'provisional: the follow-up period runs past the data''s as-of date'
            when previous_period_end_date is null
                then 'no value a year earlier (before the data starts)'
            when value is null or previous_value is null
                then 'the value or the one a year earlier is not available'
            when
                interval_method = 'prevalence_estimate_interval'
                and (lower_95 is null or previous_lower_95 is null)
                then 'no interval for the prevalence estimate'
            when interval_method <> 'prevalence_estimate_interval' and change_z_score is null
                then
                    case
                        when unit = 'percentage' then 'cannot be tested: 0% (or 100%) in both years'
                        else 'cannot be tested: none in either year'
                    end
        end as not_judged_reason,
        case
            when interval_method = 'prevalence_estimate_interval'
                then lower_95 > previous_upper_95 or upper_95 < previous_lower_95
            else abs(change_z_score) >= {{ change_z_critical() }}
        end as passes_change_test,
        -- positive when the value rose
        case
            when interval_method = 'prevalence_estimate_interval' then value - previous_value
            else change_z_score
        end as signed_change
    from paired

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
        trend_point.is_provisional,
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
        coalesce(bool_or(is_provisional), false) as has_provisional_point,
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
        has_provisional_point,
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
    metrics.ncdof_outcome,
    metrics.ncdof_outcome_order,
    judged.metric_id,
    judged.area_code,
    judged.area_type,
    judged.period_start_date,
    judged.period_end_date,
    judged.is_provisional,
    judged.is_latest_final,
    judged.reporting_period_end_date,
    judged.value,
    judged.unit,
    judged.lower_95,
    judged.upper_95,
    judged.value_note,
    judged.previous_period_end_date,
    judged.previous_value,
    judged.previous_lower_95,
    judged.previous_upper_95,
    judged.change_test,
    cast(judged.change_z_score as double) as change_z_score,
    coalesce(judged.not_judged_reason is null and judged.passes_change_test, false)
        as is_significant_change,
    case
        when judged.not_judged_reason is not null then 'not_available'
        when not judged.passes_change_test then 'no_significant_change'
        -- a metric without a polarity only rises or falls: neither is better
        when judged.polarity = 'not_applicable' and judged.signed_change > 0 then 'increasing'
        when judged.polarity = 'not_applicable' then 'decreasing'
        when (judged.signed_change > 0) = (judged.polarity = 'higher_is_better') then 'improving'
        else 'worsening'
    end as direction_of_travel,
    judged.not_judged_reason,
    trend.trend_first_period_end_date,
    cast(trend.trend_chi_squared as double) as trend_chi_squared,
    case
        when trend.trend_chi_squared is null then 'not_available'
        -- a point still open to change would make the marker change with it
        when trend.has_provisional_point then 'not_available'
        when trend.trend_chi_squared < {{ trend_chi_squared_critical() }}
            then 'no_significant_change'
        when judged.polarity = 'not_applicable' and trend.trend_score > 0 then 'increasing'
        when judged.polarity = 'not_applicable' then 'decreasing'
        when trend.trend_score > 0 and judged.polarity = 'higher_is_better'
            then 'increasing_and_getting_better'
        when trend.trend_score > 0 then 'increasing_and_getting_worse'
        when judged.polarity = 'higher_is_better' then 'decreasing_and_getting_worse'
        else 'decreasing_and_getting_better'
    end as recent_trend,
    judged.england_value,
    judged.comparison_to_england,
    judged.data_as_of_date
from judged
inner join objectives
    on judged.metric_id = objectives.metric_id
inner join metrics
    on judged.metric_id = metrics.metric_id
left join trend
    on
        judged.metric_id = trend.metric_id
        and judged.area_code = trend.area_code
        and judged.period_end_date = trend.period_end_date
