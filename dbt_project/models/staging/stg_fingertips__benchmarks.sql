with

source as (

    select * from {{ source('fingertips', 'fingertips_benchmarks') }}

),

renamed as (

    select
        indicator_id,
        area_code,
        area_type,
        sex,
        age,
        category,
        time_period,
        value,
        lower_ci_95,
        upper_ci_95,
        count as event_count,
        denominator,
        value_note,
        area_code = 'E92000001' as is_england,
        source_row_number

    from source

)

select * from renamed
