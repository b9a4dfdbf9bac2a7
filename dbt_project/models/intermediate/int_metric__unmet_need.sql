{{ config(materialized='table') }}

-- Unmet need: per financial year, 1 - in_treatment / estimate, where in_treatment is the
-- adults in treatment in that year (the 12-month window ending 31 March) in group opiate
-- (opiate_crack) or in groups alcohol_only + non_opiate_and_alcohol (alcohol_dependent).
-- Stored as numerator = estimate - in_treatment (estimated adults not in treatment),
-- denominator = estimate, so the value is
-- 100 * numerator / denominator. A missing estimate gives NULL with a note, never zero; more
-- people in treatment than estimated gives a negative value, kept as computed.
-- The estimate's own interval (estimate_lower_95, estimate_upper_95) is carried for the
-- interval of unmet need (fct_outcomes): the uncertainty is the estimate's, not a count's.
with

adults_in_treatment as (

    select * from {{ ref('int_people_in_treatment__counts') }}
    where is_adult and month(period_end_date) = 3

),

estimates as (

    select * from {{ ref('stg_ohid__prevalence_estimates') }}

),

reporting_areas as (

    select * from {{ ref('int_reporting_areas') }}

),

opiate_records as (

    select
        area_code,
        period_end_date,
        cast(null as varchar) as substance_group,
        people
    from adults_in_treatment
    where substance_group = 'opiate'

),

alcohol_records as (

    select
        area_code,
        period_end_date,
        cast(null as varchar) as substance_group,
        people
    from adults_in_treatment
    where substance_group in ('alcohol_only', 'non_opiate_and_alcohol')

),

opiate_counts as (

    {{ count_by_reporting_area('opiate_records', 'people') }}

),

alcohol_counts as (

    {{ count_by_reporting_area('alcohol_records', 'people') }}

),

in_treatment as (

    select
        'unmet_need_opiate_crack' as metric_id,
        'opiate_crack' as need_group,
        *
    from opiate_counts
    union all
    select
        'unmet_need_alcohol' as metric_id,
        'alcohol_dependent' as need_group,
        *
    from alcohol_counts

),

-- a reporting area has an estimate only when every member has one, and an interval only when
-- every member's estimate has both limits (the limits are summed, as the estimates are)
area_estimates as (

    select
        reporting_areas.reporting_area_code as area_code,
        estimates.financial_year_start,
        estimates.need_group,
        sum(estimates.estimate) as estimate,
        sum(estimates.lower_ci) as estimate_lower_95,
        sum(estimates.upper_ci) as estimate_upper_95,
        count(*) = any_value(reporting_areas.member_count) as has_every_member,
        count(*) filter (
            where estimates.lower_ci is not null and estimates.upper_ci is not null
        ) = any_value(reporting_areas.member_count) as has_every_member_interval
    from reporting_areas
    inner join estimates
        on reporting_areas.member_area_code = estimates.area_code
    group by all

),

frame as (

    select * from {{ ref('int_metric_frame') }}
    where metric_id in ('unmet_need_opiate_crack', 'unmet_need_alcohol')

),

joined as (

    select
        frame.*,
        coalesce(in_treatment.numerator, 0) as people_in_treatment,
        case
            when area_estimates.has_every_member then area_estimates.estimate
        end as estimate,
        case
            when area_estimates.has_every_member_interval then area_estimates.estimate_lower_95
        end as estimate_lower_95,
        case
            when area_estimates.has_every_member_interval then area_estimates.estimate_upper_95
        end as estimate_upper_95
    from frame
    left join in_treatment
        on
            frame.metric_id = in_treatment.metric_id
            and frame.area_code = in_treatment.area_code
            and frame.period_end_date = in_treatment.period_end_date
    left join area_estimates
        on
            frame.area_code = area_estimates.area_code
            and year(frame.period_end_date) - 1 = area_estimates.financial_year_start
            and area_estimates.need_group
            = case frame.metric_id
                when 'unmet_need_opiate_crack' then 'opiate_crack' else 'alcohol_dependent'
            end

)

select
    metric_id,
    area_code,
    area_type,
    breakdown_type,
    breakdown,
    period_start_date,
    period_end_date,
    data_as_of_date,
    cast(estimate - people_in_treatment as bigint) as numerator,
    cast(estimate as bigint) as denominator,
    cast(null as double) as standardised_rate,
    cast(null as double) as standardised_rate_variance,
    cast(estimate_lower_95 as double) as estimate_lower_95,
    cast(estimate_upper_95 as double) as estimate_upper_95,
    case when estimate is null then 'no prevalence estimate for this area and year' end
        as value_note
from joined
