-- Each record-level source's period: the day from which its records are complete
-- (data_start_date: a metric's windows start at the first full month of its sources), its
-- as-of date (its latest date of any kind) and the last complete month on or before it (a
-- metric is produced up to the earliest of these among its sources).
with

journeys as (

    select * from {{ ref('stg_ndtms__treatment_journeys') }}

),

releases as (

    select * from {{ ref('stg_prisons__prison_releases') }}

),

deaths as (

    select * from {{ ref('stg_local_register__drug_deaths') }}

),

outcome_forms as (

    select * from {{ ref('stg_ndtms__treatment_outcomes') }}

),

police_files as (

    select * from {{ ref('stg_police_uk__street_files') }}

),

dated as (

    select
        'treatment_journeys' as source_file,
        -- Complete from the later of the first referral and the first day of the month of the
        -- first discharge. A case-management extract carries in its open caseload: journeys
        -- referred and started (even years) before its period and still open keep their own
        -- earlier dates, while journeys that ended before its period are not in the file. It
        -- records every discharge from the start of its period and none before, so its first
        -- discharge's month marks that start, not its first referral: a window reaching further
        -- back would miss the people discharged then and count too few. A full history (every
        -- journey since the service began) has its first discharge weeks after its first
        -- referral: in the same month (or the next, after a first referral past the 1st) it
        -- gives the same first full month as the first referral, and nothing changes. A file
        -- with no discharge at all starts at its first referral.
        greatest(
            min(referral_date),
            coalesce(cast(date_trunc('month', min(discharge_date)) as date), min(referral_date))
        ) as data_start_date,
        greatest(
            max(referral_date), max(triage_date), max(treatment_start_date), max(discharge_date)
        ) as data_as_of_date
    from journeys

    union all

    select
        'prison_releases' as source_file,
        min(release_date) as data_start_date,
        max(release_date) as data_as_of_date
    from releases

    union all

    select
        'drug_deaths_register' as source_file,
        min(least(date_of_death, registration_date)) as data_start_date,
        greatest(max(date_of_death), max(registration_date)) as data_as_of_date
    from deaths

    union all

    -- optional: without forms (no file) its dates are NULL, and no metric built from it has
    -- a period (int_metric_frame)
    select
        'treatment_outcomes' as source_file,
        min(top_date) as data_start_date,
        max(top_date) as data_as_of_date
    from outcome_forms

    union all

    -- police.uk's street files (optional: no row without them): from the first day of the
    -- first file's month to the last day of the last's (each file is a whole month). Which
    -- windows an area has is then decided by int_crime__windows (every force's months).
    select
        'police' as source_file,
        min(month_start_date) as data_start_date,
        max(month_end_date) as data_as_of_date
    from police_files
    having count(*) > 0

)

select
    source_file,
    data_start_date,
    data_as_of_date,
    {{ last_complete_month_end('data_as_of_date') }} as last_period_end_date
from dated
