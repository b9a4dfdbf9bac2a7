with

source as (

    select * from {{ source('local_register', 'drug_deaths_register') }}

),

renamed as (

    select
        death_id,
        area_code,
        date_of_death,
        registration_date,
        age,
        sex,
        was_in_treatment,
        source_row_number

    from source

)

select * from renamed
