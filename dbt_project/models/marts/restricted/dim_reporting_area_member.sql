-- Which authorities each reported area is built from (the disclosure control's relations).
select
    reporting_area_code,
    member_area_code,
    reporting_area_type
from {{ ref('int_reporting_areas') }}
