with

catalogue as (

    select * from {{ ref('metric_catalogue') }}

)

select
    metric_id,
    metric_name,
    definition,
    numerator_definition,
    nullif(denominator_definition, '') as denominator_definition,
    period_definition,
    unit,
    polarity,
    interval_method,
    look_forward_days,
    breakdown_types,
    period_frequency,
    ncdof_outcome_type,
    ncdof_outcome,
    ncdof_metric_type,
    nullif(fingertips_indicator_id, '') as fingertips_indicator_id,
    nullif(phof_indicator, '') as phof_indicator,
    strategy_objective,
    source_files,
    national_definition_note
from catalogue
