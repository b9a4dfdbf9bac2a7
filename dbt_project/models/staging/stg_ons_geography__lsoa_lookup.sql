-- Each LSOA and the upper-tier local authority it lies in (ONS's open lookup, kept and renamed
-- to lsoa_code and area_code): how police.uk's rows are placed in areas.
with

source as (

    select * from {{ source('ons_geography', 'lsoa_lookup') }}

),

renamed as (

    select
        lsoa_code,
        area_code

    from source

)

select * from renamed
