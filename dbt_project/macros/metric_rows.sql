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
    columns. Windows are whole calendar months, so the count in W(E) is exactly the sum of the
    12 monthly counts: counting once per month and summing is the same number as joining every
    record to every window it falls in, at a fraction of the rows. -#}
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
