{{ config(materialized='table') }}

-- metrics.md 4: of the adults in treatment in W, those whose latest discharge in W (greatest
-- discharge_date, then greatest journey_id, among their journeys in treatment in W) is a
-- successful completion and who have no journey referred in the 182 days after it
-- (discharge_date < referral_date <= discharge_date + 182). Placed like the denominator.
with

people as (

    select * from {{ ref('int_people_in_treatment__by_window') }}
    where is_adult

),

periods as (

    select * from {{ ref('int_reporting_periods') }}

),

all_journeys as (

    select * from {{ ref('int_treatment_journeys__classified') }}

),

-- a journey discharged in W started on or before E, so it was in treatment in W: joining
-- discharges to their windows finds every "discharge in W" without expanding open journeys
latest_discharges as (

    select
        periods.period_end_date,
        all_journeys.client_id,
        all_journeys.discharge_date,
        all_journeys.outcome_class
    from all_journeys
    inner join periods
        on all_journeys.discharge_date between periods.period_start_date and periods.period_end_date
    where all_journeys.treatment_start_date is not null
    qualify
        row_number() over (
            partition by periods.period_end_date, all_journeys.client_id
            order by all_journeys.discharge_date desc, all_journeys.journey_id desc
        ) = 1

),

re_presentations as (

    select distinct
        latest_discharges.period_end_date,
        latest_discharges.client_id
    from latest_discharges
    inner join all_journeys
        on
            latest_discharges.client_id = all_journeys.client_id
            and all_journeys.referral_date > latest_discharges.discharge_date
            and all_journeys.referral_date <= latest_discharges.discharge_date + 182

),

records as (

    select
        people.area_code,
        people.period_end_date,
        people.substance_group,
        count(*) filter (
            where latest_discharges.outcome_class = 'successful'
            and re_presentations.client_id is null
        ) as successful_completions,
        count(*) as people
    from people
    left join latest_discharges
        on
            people.period_end_date = latest_discharges.period_end_date
            and people.client_id = latest_discharges.client_id
    left join re_presentations
        on
            people.period_end_date = re_presentations.period_end_date
            and people.client_id = re_presentations.client_id
    group by all

),

counts as (

    {{ count_by_reporting_area('records', 'successful_completions', 'people') }}

)

{{ complete_metric_rows('successful_completion_rate', 'counts') }}
