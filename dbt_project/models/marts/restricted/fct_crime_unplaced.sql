-- What of police/ is counted in no published area, for the data-quality summary.
select
    issue,
    detail,
    row_count
from {{ ref('int_crime__unplaced') }}
