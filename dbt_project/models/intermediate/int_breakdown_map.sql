-- Each substance group counts towards three breakdowns: all, itself and its PHOF grouping.
-- A record with no known group counts towards all only.
with

groups as (

    select * from {{ ref('substance_groups') }}

)

select
    substance_group,
    'all' as breakdown
from groups
union all
select
    substance_group,
    substance_group as breakdown
from groups
union all
select
    substance_group,
    phof_breakdown as breakdown
from groups
union all
select
    'unknown' as substance_group,
    'all' as breakdown
