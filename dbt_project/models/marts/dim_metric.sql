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
    breakdowns,
    ncdof_outcome_type,
    ncdof_outcome,
    ncdof_metric_type,
    nullif(fingertips_indicator_id, '') as fingertips_indicator_id,
    strategy_objective,
    source_files,
    national_definition_note
from catalogue
