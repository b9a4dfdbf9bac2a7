-- Which reporting areas each local authority's records count towards: itself, every
-- partnership it belongs to, and England when the raw data covers every upper-tier authority
-- (England values then come from the data itself). Summing person-level counts
-- over members counts each person once, since a person is placed in one area per window.
with

reported as (

    select * from {{ ref('int_areas__reported') }}

),

partnerships as (

    select * from {{ ref('partnerships') }}

),

areas as (

    select * from {{ ref('areas') }}

),

coverage as (

    select count(*) = 0 as covers_england
    from areas
    left join reported
        on areas.area_code = reported.area_code
    where areas.area_code <> 'E92000001' and reported.area_code is null

),

memberships as (

    select
        reported.area_code as member_area_code,
        reported.area_code as reporting_area_code,
        'local_authority' as reporting_area_type
    from reported

    union all

    select
        partnerships.area_code as member_area_code,
        partnerships.partnership_code as reporting_area_code,
        'partnership' as reporting_area_type
    from partnerships
    inner join reported
        on partnerships.area_code = reported.area_code

    union all

    select
        reported.area_code as member_area_code,
        'E92000001' as reporting_area_code,
        'country' as reporting_area_type
    from reported
    cross join coverage
    where coverage.covers_england

)

-- member_count: how many members report into the area, for rules that hold only when every
-- member has a value (a population, a prevalence estimate)
select
    member_area_code,
    reporting_area_code,
    reporting_area_type,
    count(*) over (partition by reporting_area_code) as member_count
from memberships
