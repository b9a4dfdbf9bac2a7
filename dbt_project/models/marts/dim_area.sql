-- Every area the marts can name: England, every upper-tier local authority and every
-- partnership, with whether the current data reports on it.
with

areas as (

    select * from {{ ref('areas') }}

),

partnerships as (

    select * from {{ ref('partnerships') }}

),

reporting_areas as (

    select distinct reporting_area_code from {{ ref('int_reporting_areas') }}

),

authority_partnerships as (

    select
        area_code,
        string_agg(partnership_code, '|' order by partnership_code) as partnership_codes
    from partnerships
    group by area_code

),

all_areas as (

    select
        areas.area_code,
        areas.area_name,
        case when areas.area_code = 'E92000001' then 'country' else 'local_authority' end
            as area_type,
        nullif(areas.region_code, '') as region_code,
        nullif(areas.region_name, '') as region_name,
        authority_partnerships.partnership_codes,
        cast(null as varchar) as member_area_codes
    from areas
    left join authority_partnerships
        on areas.area_code = authority_partnerships.area_code

    union all

    select
        partnerships.partnership_code as area_code,
        any_value(partnerships.partnership_name) as area_name,
        'partnership' as area_type,
        -- a partnership within one region takes it
        case
            when count(distinct areas.region_code) = 1 then any_value(areas.region_code)
        end as region_code,
        case
            when count(distinct areas.region_code) = 1 then any_value(areas.region_name)
        end as region_name,
        null as partnership_codes,
        string_agg(partnerships.area_code, '|' order by partnerships.area_code)
            as member_area_codes
    from partnerships
    left join areas
        on partnerships.area_code = areas.area_code
    group by partnerships.partnership_code

)

select
    all_areas.*,
    reporting_areas.reporting_area_code is not null as is_reported
from all_areas
left join reporting_areas
    on all_areas.area_code = reporting_areas.reporting_area_code
