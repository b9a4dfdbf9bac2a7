with

source as (

    select * from {{ source('ons', 'population') }}

),

renamed as (

    select
        area_code,
        year as mid_year,
        sex,
        age_band,
        population

    from source

)

select * from renamed
