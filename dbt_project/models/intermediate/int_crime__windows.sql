{{ config(materialized='table') }}

-- The 12-month windows of police-recorded crime each reporting area has, and the crimes of
-- each metric in them. A local authority has a window only when each of its 12 months has a
-- street file from every force whose rows fall in the authority anywhere in the folder (of
-- any type, in any month): a force whose rows never fall in it does not matter, and a force's
-- missing month leaves out every window that holds it. An authority where no row of the folder
-- falls has no window at all: no force covers it, so it has no figures (never a zero). A
-- partnership (or England) has a window only where every member authority has one, and it is
-- their sum.
with

area_months as (

    select * from {{ ref('int_crime__area_months') }}

),

files as (

    select * from {{ ref('stg_police_uk__street_files') }}

),

periods as (

    select * from {{ ref('int_reporting_periods') }}

),

reporting_areas as (

    select * from {{ ref('int_reporting_areas') }}

),

area_forces as (

    select distinct
        area_code,
        force
    from area_months

),

-- how many of the window's 12 months have the force's street file
force_windows as (

    select
        files.force,
        periods.period_end_date,
        count(*) as months_with_file
    from files
    inner join periods
        on files.month_end_date between periods.period_start_date and periods.period_end_date
    group by files.force, periods.period_end_date

),

complete_member_windows as (

    select
        area_forces.area_code,
        periods.period_start_date,
        periods.period_end_date
    from area_forces
    cross join periods
    left join force_windows
        on
            area_forces.force = force_windows.force
            and periods.period_end_date = force_windows.period_end_date
    group by area_forces.area_code, periods.period_start_date, periods.period_end_date
    having bool_and(coalesce(force_windows.months_with_file, 0) = 12)

),

monthly as (

    select
        area_code,
        event_month_end,
        sum(crimes) filter (where counted_in = 'drug_offences') as drug_offences,
        sum(crimes) filter (where counted_in = 'neighbourhood_crime') as neighbourhood_crime
    from area_months
    group by area_code, event_month_end

),

member_windows as (

    select
        complete_member_windows.area_code,
        complete_member_windows.period_end_date,
        coalesce(sum(monthly.drug_offences), 0) as drug_offences,
        coalesce(sum(monthly.neighbourhood_crime), 0) as neighbourhood_crime
    from complete_member_windows
    left join monthly
        on
            complete_member_windows.area_code = monthly.area_code
            and monthly.event_month_end
            between complete_member_windows.period_start_date
            and complete_member_windows.period_end_date
    group by complete_member_windows.area_code, complete_member_windows.period_end_date

)

select
    reporting_areas.reporting_area_code as area_code,
    member_windows.period_end_date,
    cast(sum(member_windows.drug_offences) as bigint) as drug_offences,
    cast(sum(member_windows.neighbourhood_crime) as bigint) as neighbourhood_crime
from member_windows
inner join reporting_areas
    on member_windows.area_code = reporting_areas.member_area_code
group by reporting_areas.reporting_area_code, member_windows.period_end_date
having count(*) = any_value(reporting_areas.member_count)
