with

source as (

    select * from {{ source('ons', 'ons_drug_deaths') }}

),

renamed as (

    select
        area_code,
        area_name,
        period,
        cast(left(period, 4) as integer) as first_registration_year,
        cast(right(period, 4) as integer) as last_registration_year,
        deaths,
        rate_per_100k,
        lower_ci,
        upper_ci

    from source

)

select * from renamed
