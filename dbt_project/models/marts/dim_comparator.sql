-- Each local authority's comparator areas (nearest neighbours), named, from the comparators
-- reference list: what fct_neighbour_comparison compares with, for BI tools and the pack.
with

comparators as (

    select * from {{ ref('comparators') }}

),

areas as (

    select * from {{ ref('areas') }}

)

select
    comparators.area_code,
    comparators.comparator_area_code,
    neighbour.area_name as comparator_area_name,
    comparators.neighbour_rank,
    comparators.list_name,
    comparators.version_date
from comparators
inner join areas as neighbour
    on comparators.comparator_area_code = neighbour.area_code
