with

source as (

    select * from {{ source('ndtms', 'treatment_outcomes') }}

),

renamed as (

    select
        top_id,
        journey_id,
        top_date,
        stage,
        days_alcohol,
        days_opiates,
        days_crack,
        days_cocaine,
        days_amphetamines,
        days_cannabis,
        days_other_drug,
        injected,
        acute_housing_problem,
        housing_at_risk,
        days_paid_work,
        psychological_health,
        physical_health,
        quality_of_life,
        source_row_number

    from source

)

select * from renamed
