-- What the pipeline's run record says of its inputs: each record-level source's as-of date
-- (an optional source without records, absent, has none).
select
    source_file,
    data_start_date,
    data_as_of_date,
    last_period_end_date
from {{ ref('int_source_coverage') }}
where data_as_of_date is not null
