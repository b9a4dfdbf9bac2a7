-- Why an authority has no crime figures for some windows (or none), for the data-quality
-- summary: the runs of months a force recording crime in it has no street file for.
select
    coverage.area_code,
    areas.area_name,
    coverage.issue,
    coverage.force,
    coverage.first_missing_month,
    coverage.last_missing_month
from {{ ref('int_crime__coverage') }} as coverage
left join {{ ref('areas') }} as areas
    on coverage.area_code = areas.area_code
