-- police.uk's street-level rows: each crime or anti-social behaviour incident with the month it
-- was recorded in and the force whose street file holds it (the <force> of the file's name).
-- Public figures; not person-level (police.uk anonymises the location to a nearby point). Crime
-- ID, Location, LSOA name, Last outcome category and Context are not kept (ingest checks they
-- are there): no metric reads them.
with

source as (

    select * from {{ source('police_uk', 'police_street') }}

),

renamed as (

    select
        force,
        cast(strptime(month || '-01', '%Y-%m-%d') as date) as month_start_date,
        {{ month_end("strptime(month || '-01', '%Y-%m-%d')") }} as month_end_date,
        reported_by,
        falls_within,
        longitude,
        latitude,
        lsoa_code,
        crime_type,
        source_file

    from source

)

select * from renamed
