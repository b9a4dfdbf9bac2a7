-- Which street files police/ holds: one per force and month. A force's month without a file
-- keeps the windows of every area the force's rows fall in from being produced.
with

source as (

    select * from {{ source('police_uk', 'police_files') }}

),

renamed as (

    select
        force,
        cast(strptime(file_month || '-01', '%Y-%m-%d') as date) as month_start_date,
        {{ month_end("strptime(file_month || '-01', '%Y-%m-%d')") }} as month_end_date,
        source_file,
        row_count as street_rows

    from source

)

select * from renamed
