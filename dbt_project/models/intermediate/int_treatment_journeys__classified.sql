-- Each journey with its NDTMS substance group, outcome class and age cohort.
with

journeys as (

    select * from {{ ref('stg_ndtms__treatment_journeys') }}

),

substances as (

    select * from {{ ref('substances') }}

),

discharge_reasons as (

    select * from {{ ref('discharge_reasons') }}

),

journey_substances as (

    {{ journey_substance_codes('journeys') }}

),

substance_flags as (

    select
        journey_substances.journey_id,
        bool_or(substances.substance_class = 'opiate') as has_opiate,
        bool_or(substances.substance_class = 'non_opiate') as has_non_opiate,
        bool_or(substances.substance_class = 'alcohol') as has_alcohol
    from journey_substances
    inner join substances
        on journey_substances.substance_code = substances.substance_code
    group by journey_substances.journey_id

)

select
    journeys.journey_id,
    journeys.client_id,
    journeys.area_code,
    journeys.age_at_referral,
    journeys.sex,
    journeys.referral_source,
    journeys.referral_date,
    journeys.triage_date,
    journeys.treatment_start_date,
    journeys.discharge_date,
    journeys.discharge_reason,
    discharge_reasons.outcome_class,
    journeys.has_started_treatment,
    journeys.is_open,
    journeys.age_at_referral >= 18 as is_adult,
    -- NDTMS hierarchy: opiate first, then non-opiate with alcohol, non-opiate only, alcohol only
    case
        when substance_flags.has_opiate then 'opiate'
        when substance_flags.has_non_opiate and substance_flags.has_alcohol
            then 'non_opiate_and_alcohol'
        when substance_flags.has_non_opiate then 'non_opiate_only'
        when substance_flags.has_alcohol then 'alcohol_only'
    end as substance_group
from journeys
left join substance_flags
    on journeys.journey_id = substance_flags.journey_id
left join discharge_reasons
    on journeys.discharge_reason = discharge_reasons.discharge_reason
