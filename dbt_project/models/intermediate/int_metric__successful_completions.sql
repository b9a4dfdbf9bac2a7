-- metrics.md 4: of the adults in treatment in W, those whose latest discharge in W (greatest
-- discharge_date, then greatest journey_id, among their journeys in treatment in W) is a
-- successful completion and who have no journey referred in the 182 days after it
-- (discharge_date < referral_date <= discharge_date + 182). Placed like the denominator.
with

people as (

    select * from {{ ref('int_people_in_treatment__by_window') }}
    where is_adult

),

journeys_in_window as (

    select * from {{ ref('int_journeys__in_treatment_by_window') }}

),

all_journeys as (

    select * from {{ ref('int_treatment_journeys__classified') }}

),

latest_discharges as (

    select
        period_end_date,
        client_id,
        discharge_date,
        outcome_class
    from journeys_in_window
    where discharge_date between period_start_date and period_end_date
    qualify
        row_number() over (
            partition by period_end_date, client_id
            order by discharge_date desc, journey_id desc
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
        case
            when latest_discharges.outcome_class = 'successful'
                and re_presentations.client_id is null then 1
            else 0
        end as is_successful_completion
    from people
    left join latest_discharges
        on
            people.period_end_date = latest_discharges.period_end_date
            and people.client_id = latest_discharges.client_id
    left join re_presentations
        on
            people.period_end_date = re_presentations.period_end_date
            and people.client_id = re_presentations.client_id

),

counts as (

    {{ count_by_reporting_area('records', 'is_successful_completion', '1') }}

)

{{ complete_metric_rows('successful_completion_rate', 'counts') }}
