with

outcomes as (

    select * from {{ ref('ncdof_outcomes') }}

),

catalogue as (

    select * from {{ ref('metric_catalogue') }}

),

measures as (

    select
        ncdof_outcome,
        count(*) as metric_count,
        string_agg(metric_id, '|' order by metric_id) as metric_ids
    from catalogue
    group by ncdof_outcome

)

select
    outcomes.ncdof_outcome,
    outcomes.outcome_order,
    outcomes.ncdof_outcome_type,
    outcomes.outcome_words,
    coalesce(measures.metric_count, 0) > 0 as has_local_measure,
    cast(coalesce(measures.metric_count, 0) as integer) as metric_count,
    measures.metric_ids,
    nullif(outcomes.local_measure_note, '') as local_measure_note
from outcomes
left join measures on outcomes.ncdof_outcome = measures.ncdof_outcome
