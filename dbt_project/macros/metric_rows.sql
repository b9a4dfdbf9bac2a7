{#- Shared tail of every int_metric__ model, so each model is only its rule.

    count_by_reporting_area(records, numerator, denominator): `records` is a CTE with one row
    per counted unit (person, journey, release, death) and the columns area_code (the member
    local authority), period_end_date and substance_group (or NULL). Sums the numerator and
    denominator expressions into every reporting area (authority, partnership, England) and
    breakdown (all, substance group, PHOF grouping) the record belongs to.

    complete_metric_rows(metric_id, counts, has_denominator): every row the frame expects for
    the metric, zero counts included, in the columns fct_outcomes unions. -#}

{% macro count_by_reporting_area(records, numerator, denominator=none) -%}
    select
        reporting_areas.reporting_area_code as area_code,
        {{ records }}.period_end_date,
        breakdown_map.breakdown,
        sum({{ numerator }}) as numerator,
        {% if denominator is not none -%}
        sum({{ denominator }}) as denominator
        {%- else -%}
        cast(null as bigint) as denominator
        {%- endif %}
    from {{ records }}
    inner join {{ ref('int_reporting_areas') }} as reporting_areas
        on {{ records }}.area_code = reporting_areas.member_area_code
    inner join {{ ref('int_breakdown_map') }} as breakdown_map
        on coalesce({{ records }}.substance_group, 'unknown') = breakdown_map.substance_group
    group by reporting_areas.reporting_area_code, {{ records }}.period_end_date, breakdown_map.breakdown
{%- endmacro %}

{% macro complete_metric_rows(metric_id, counts, has_denominator=true) -%}
    select
        frame.metric_id,
        frame.area_code,
        frame.area_type,
        frame.breakdown_type,
        frame.breakdown,
        frame.period_start_date,
        frame.period_end_date,
        frame.data_as_of_date,
        cast(coalesce({{ counts }}.numerator, 0) as bigint) as numerator,
        {% if has_denominator -%}
        cast(coalesce({{ counts }}.denominator, 0) as bigint) as denominator,
        {%- else -%}
        cast(null as bigint) as denominator,
        {%- endif %}
        cast(null as double) as standardised_rate,
        cast(null as double) as standardised_rate_variance,
        cast(null as double) as estimate_lower_95,
        cast(null as double) as estimate_upper_95,
        cast(null as varchar) as value_note
    from {{ ref('int_metric_frame') }} as frame
    left join {{ counts }}
        on
            frame.area_code = {{ counts }}.area_code
            and frame.period_end_date = {{ counts }}.period_end_date
            and frame.breakdown = {{ counts }}.breakdown
    where frame.metric_id = '{{ metric_id }}'
{%- endmacro %}

{#- rolling_12_month_sums(monthly): `monthly` has one row per area_code, substance_group and
    event_month_end (the month end of the event's date) with additive numerator and denominator
    columns. Windows are whole calendar months, so the count in the 12-month window ending at a
    month end is exactly the sum of the 12 monthly counts: counting once per month and summing
    is the same number as joining every record to every window it falls in, at a fraction of
    the rows. -#}
{% macro rolling_12_month_sums(monthly) -%}
    select
        {{ monthly }}.area_code,
        periods.period_end_date,
        {{ monthly }}.substance_group,
        sum({{ monthly }}.numerator) as numerator,
        sum({{ monthly }}.denominator) as denominator
    from {{ monthly }}
    inner join {{ ref('int_reporting_periods') }} as periods
        on {{ monthly }}.event_month_end between periods.period_start_date and periods.period_end_date
    group by {{ monthly }}.area_code, periods.period_end_date, {{ monthly }}.substance_group
{%- endmacro %}

{#- count_spells(spells): `spells` has one row per person and spell, a run of consecutive month
    ends from first_period_end_date to last_period_end_date (NULL: every later month end) over
    which the person counts once, in area_code and substance_group. Returns the people counted
    per area_code, period_end_date and substance_group for every reporting month end: +1 from a
    spell's first month end, -1 from the month end after its last, summed in order of month
    ends. The same count as one row per person and month end, without making those rows. A
    change is booked at the first reporting month end on or after it (ASOF), so spells that
    begin before the first reporting month are counted from it. -#}
{% macro count_spells(spells) -%}
    select area_code, period_end_date, substance_group, people
    from (
        select
            spell_keys.area_code,
            periods.period_end_date,
            spell_keys.substance_group,
            sum(coalesce(booked_changes.change, 0)) over (
                partition by spell_keys.area_code, spell_keys.substance_group
                order by periods.period_end_date
            ) as people
        from (select distinct area_code, substance_group from {{ spells }}) as spell_keys
        cross join {{ ref('int_reporting_periods') }} as periods
        left join (
            select
                changes.area_code,
                changes.substance_group,
                periods.period_end_date,
                sum(changes.change) as change
            from (
                select area_code, substance_group, first_period_end_date as change_date, 1 as change
                from {{ spells }}
                union all
                select
                    area_code,
                    substance_group,
                    {{ next_month_end('last_period_end_date') }} as change_date,
                    -1 as change
                from {{ spells }}
                where last_period_end_date is not null
            ) as changes
            asof inner join {{ ref('int_reporting_periods') }} as periods
                on changes.change_date <= periods.period_end_date
            group by all
        ) as booked_changes
            on
                spell_keys.area_code = booked_changes.area_code
                and spell_keys.substance_group is not distinct from booked_changes.substance_group
                and periods.period_end_date = booked_changes.period_end_date
    ) as running_counts
    where people > 0
{%- endmacro %}
