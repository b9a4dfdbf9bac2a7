with

source as (

    select * from {{ source('prisons', 'prison_releases') }}

),

renamed as (

    select
        release_id,
        client_id,
        area_code,
        release_date,
        age_at_release,
        source_row_number

    from source

)

select * from renamed
