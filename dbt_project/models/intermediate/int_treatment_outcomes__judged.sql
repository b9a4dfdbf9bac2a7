{{ config(materialized='table') }}

-- Each Treatment Outcomes Profile form that counts, with what the recovery metrics read of it.
-- Forms set aside count nowhere: a form of a journey the warehouse does not hold, one dated
-- before its journey's referral or after its discharge, and every start form of a journey with
-- two or more (ingest sets them aside; they are left out here too, whatever reaches the model).
-- A review or exit form shows substantial progress against its journey's start form when, over
-- the journey's problem substances (its substance codes' TOP columns), with a substance left out
-- where its days are empty on either form:
-- - some problem substance was used at start (days >= 1): each of those has review days of at
--   most floor(start days / 2), 0 included (a substance not used at start is not judged);
-- - none was used at start: every problem substance is 0 at review;
-- and no progress where every problem substance is left out.
{%- set days_columns = [
    'days_alcohol', 'days_opiates', 'days_crack', 'days_cocaine', 'days_amphetamines',
    'days_cannabis', 'days_other_drug',
] %}

with

journeys as (

    select * from {{ ref('stg_ndtms__treatment_journeys') }}

),

substances as (

    select * from {{ ref('substances') }}

),

all_forms as (

    select * from {{ ref('stg_ndtms__treatment_outcomes') }}

),

dated_forms as (

    select forms.*
    from all_forms as forms
    inner join journeys
        on
            forms.journey_id = journeys.journey_id
            and forms.top_date >= journeys.referral_date
            and (journeys.discharge_date is null or forms.top_date <= journeys.discharge_date)

),

-- two start forms or more in the extract: all set aside
repeated_starts as (

    select journey_id
    from all_forms
    where stage = 'start'
    group by journey_id
    having count(*) > 1

),

forms as (

    select dated_forms.*
    from dated_forms
    left join repeated_starts
        on dated_forms.journey_id = repeated_starts.journey_id
    where dated_forms.stage <> 'start' or repeated_starts.journey_id is null

),

start_forms as (

    select
        journey_id,
        top_id as start_top_id,
        top_date as start_top_date
    from forms
    where stage = 'start'

),

journey_substances as (

    {{ journey_substance_codes('journeys') }}

),

problem_columns as (

    select distinct
        journey_substances.journey_id,
        substances.top_days_column
    from journey_substances
    inner join substances
        on journey_substances.substance_code = substances.substance_code

),

-- one row per form and substance column recorded on it (an empty one is left out)
form_days as (

    {% for column in days_columns %}
        select
            top_id,
            '{{ column }}' as top_days_column,
            {{ column }} as days_used
        from forms
        where {{ column }} is not null
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

-- each problem substance recorded on both a review or exit form and its journey's start form
compared as (

    select
        forms.top_id,
        start_days.days_used as start_days,
        review_days.days_used as review_days
    from forms
    inner join start_forms
        on forms.journey_id = start_forms.journey_id
    inner join problem_columns
        on forms.journey_id = problem_columns.journey_id
    inner join form_days as review_days
        on
            forms.top_id = review_days.top_id
            and problem_columns.top_days_column = review_days.top_days_column
    inner join form_days as start_days
        on
            start_forms.start_top_id = start_days.top_id
            and problem_columns.top_days_column = start_days.top_days_column
    where forms.stage in ('review', 'exit')

),

progress as (

    select
        top_id,
        case
            when count(*) filter (where start_days >= 1) > 0
                then
                    count(*) filter (
                        where start_days >= 1 and review_days > floor(start_days / 2)
                    ) = 0
            else count(*) filter (where review_days > 0) = 0
        end as shows_substantial_progress
    from compared
    group by top_id

)

select
    forms.top_id,
    forms.journey_id,
    forms.top_date,
    forms.stage,
    start_forms.start_top_date,
    case
        when forms.stage in ('review', 'exit')
            then coalesce(progress.shows_substantial_progress, false)
    end as shows_substantial_progress,
    forms.acute_housing_problem,
    forms.days_paid_work
from forms
left join start_forms
    on forms.journey_id = start_forms.journey_id
left join progress
    on forms.top_id = progress.top_id
