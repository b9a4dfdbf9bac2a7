-- Why an authority of the raw folder has no crime figures for some windows, for the data-quality
-- summary: each force whose rows fall in it and the runs of months in the folder's span
-- (its first to its last street file's month) without that force's street file (every window
-- holding one of them is not produced), or no police row falling in it at all (no figures).
with

area_months as (

    select * from {{ ref('int_crime__area_months') }}

),

files as (

    select * from {{ ref('stg_police_uk__street_files') }}

),

reported as (

    select * from {{ ref('int_areas__reported') }}

),

area_forces as (

    select distinct
        area_code,
        force
    from area_months

),

bounds as (

    select
        cast(min(month_start_date) as timestamp) as first_month_start,
        cast(max(month_start_date) as timestamp) as last_month_start
    from files

),

months as (

    select cast(series.month_start as date) as month_start_date
    from bounds
    cross join
        generate_series(bounds.first_month_start, bounds.last_month_start, interval 1 month)
            as series (month_start)
    where bounds.first_month_start is not null

),

missing as (

    select
        area_forces.area_code,
        area_forces.force,
        months.month_start_date,
        -- consecutive missing months share this number
        year(months.month_start_date) * 12 + month(months.month_start_date)
        - row_number() over (
            partition by area_forces.area_code, area_forces.force
            order by months.month_start_date
        ) as run_number
    from area_forces
    cross join months
    left join files
        on
            area_forces.force = files.force
            and months.month_start_date = files.month_start_date
    where files.force is null

)

select
    reported.area_code,
    'force_months_missing' as issue,
    missing.force,
    min(missing.month_start_date) as first_missing_month,
    max(missing.month_start_date) as last_missing_month
from missing
inner join reported
    on missing.area_code = reported.area_code
group by reported.area_code, missing.force, missing.run_number

union all

select
    reported.area_code,
    'no_police_rows' as issue,
    cast(null as varchar) as force,
    cast(null as date) as first_missing_month,
    cast(null as date) as last_missing_month
from reported
where
    exists (select 1 from files)
    and reported.area_code not in (select area_forces.area_code from area_forces)
