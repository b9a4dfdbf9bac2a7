-- Which areas' populations are incomplete in which mid-year, for the data-quality summary.
select
    area_code,
    mid_year,
    is_complete,
    incomplete_members
from {{ ref('int_population__area_years') }}
