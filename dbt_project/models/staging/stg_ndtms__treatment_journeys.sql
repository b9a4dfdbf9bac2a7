with

source as (

    select * from {{ source('ndtms', 'treatment_journeys') }}

),

renamed as (

    select
        journey_id,
        client_id,
        area_code,
        age_at_referral,
        sex,
        substance_1,
        substance_2,
        substance_3,
        referral_source,
        referral_date,
        triage_date,
        treatment_start_date,
        discharge_date,
        discharge_reason,
        source_row_number,
        treatment_start_date is not null as has_started_treatment,
        discharge_date is null as is_open

    from source

)

select * from renamed
