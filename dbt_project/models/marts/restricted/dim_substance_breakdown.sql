-- Which substance groups each breakdown adds up (the disclosure control's relations).
select
    substance_group,
    breakdown
from {{ ref('int_breakdown_map') }}
