with

catalogue as (

    select * from {{ ref('metric_catalogue') }}

),

framework as (

    select * from {{ ref('ncdof_outcomes') }}

)

select
    catalogue.metric_id,
    catalogue.metric_name,
    catalogue.definition,
    catalogue.numerator_definition,
    nullif(catalogue.denominator_definition, '') as denominator_definition,
    catalogue.period_definition,
    catalogue.unit,
    catalogue.polarity,
    catalogue.interval_method,
    catalogue.look_forward_days,
    catalogue.breakdown_types,
    catalogue.period_frequency,
    catalogue.ncdof_outcome_type,
    catalogue.ncdof_outcome,
    framework.outcome_order as ncdof_outcome_order,
    catalogue.ncdof_metric_type,
    nullif(catalogue.fingertips_indicator_id, '') as fingertips_indicator_id,
    nullif(catalogue.phof_indicator, '') as phof_indicator,
    catalogue.strategy_objective,
    catalogue.source_files,
    catalogue.national_definition_note
from catalogue
left join framework on catalogue.ncdof_outcome = framework.ncdof_outcome
