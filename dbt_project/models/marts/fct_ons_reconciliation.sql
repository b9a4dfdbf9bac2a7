-- The warehouse's own 3-year standardised death rate beside ONS's published rate, for every
-- area and period in ons_drug_deaths.csv (empty when the file is absent).
with

ons as (

    select * from {{ ref('stg_ons__ons_drug_deaths') }}

),

warehouse as (

    select * from {{ ref('fct_outcomes') }}
    where metric_id = 'drug_misuse_death_rate_dsr' and breakdown = 'all'

)

select
    ons.area_code,
    ons.period,
    make_date(ons.last_registration_year, 12, 31) as period_end_date,
    ons.deaths as ons_deaths,
    ons.rate_per_100k as ons_rate,
    ons.lower_ci as ons_lower_95,
    ons.upper_ci as ons_upper_95,
    warehouse.numerator as warehouse_deaths,
    warehouse.value as warehouse_rate,
    warehouse.lower_95 as warehouse_lower_95,
    warehouse.upper_95 as warehouse_upper_95,
    case
        when ons.rate_per_100k is null or warehouse.value is null then 'not_comparable'
        when ons.rate_per_100k between warehouse.lower_95 and warehouse.upper_95
            then 'ons_within_interval'
        else 'ons_outside_interval'
    end as reconciliation_status,
    ons.rate_per_100k between warehouse.lower_95 and warehouse.upper_95
        as is_ons_rate_within_interval
from ons
left join warehouse
    on
        ons.area_code = warehouse.area_code
        and make_date(ons.last_registration_year, 12, 31) = warehouse.period_end_date
