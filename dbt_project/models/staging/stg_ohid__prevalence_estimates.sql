with

source as (

    select * from {{ source('ohid', 'prevalence_estimates') }}

),

renamed as (

    select
        area_code,
        year as financial_year_start,
        need_group,
        estimate,
        lower_ci,
        upper_ci

    from source

)

select * from renamed
