{#- spells_on_counting_journey(intervals, spells): `intervals` has one row per journey_id and
    run of month ends, first_period_end_date to last_period_end_date (NULL: every later month
    end), over which something holds of that journey (its start form and a review due, its
    latest form in the window saying yes ...), the runs of one journey never overlapping.
    `spells` is int_people_in_treatment__spells (or some of it). Returns, for count_spells, the
    month ends at which the journey is also the one that counts its person (their latest
    journey in treatment in the window: the spell's placing journey), with that spell's area
    and substance group: each overlap of an interval with a spell the journey places. A person
    has one placing journey at a month end, so they count at most once. -#}
{% macro spells_on_counting_journey(intervals, spells) -%}
    select
        {{ spells }}.area_code,
        {{ spells }}.substance_group,
        greatest({{ intervals }}.first_period_end_date, {{ spells }}.first_period_end_date)
            as first_period_end_date,
        case
            when {{ spells }}.last_period_end_date is null
                then {{ intervals }}.last_period_end_date
            when {{ intervals }}.last_period_end_date is null
                then {{ spells }}.last_period_end_date
            else least({{ intervals }}.last_period_end_date, {{ spells }}.last_period_end_date)
        end as last_period_end_date
    from {{ intervals }}
    inner join {{ spells }}
        on
            {{ intervals }}.journey_id = {{ spells }}.placing_journey_id
            and (
                {{ intervals }}.last_period_end_date is null
                or {{ intervals }}.last_period_end_date >= {{ spells }}.first_period_end_date
            )
            and (
                {{ spells }}.last_period_end_date is null
                or {{ intervals }}.first_period_end_date <= {{ spells }}.last_period_end_date
            )
    where
        {{ intervals }}.last_period_end_date is null
        or {{ intervals }}.first_period_end_date <= {{ intervals }}.last_period_end_date
{%- endmacro %}

{#- latest_form_intervals(forms): `forms` has one row per form the metric reads (top_id,
    journey_id, top_date). Returns each form with the month ends at which it is its journey's
    latest of them in the 12-month window (greatest top_date, then greatest top_id): from its
    own month end to 11 months after, or to the month end before the month of the journey's
    next such form, whichever comes first (none, when the next is in the same month). -#}
{% macro latest_form_intervals(forms) -%}
    select
        *,
        {{ month_end('top_date') }} as first_period_end_date,
        {{ latest_in_window_until('top_date', 'next_top_date') }} as last_period_end_date
    from (
        select
            *,
            lead(top_date) over (partition by journey_id order by top_date, top_id)
                as next_top_date
        from {{ forms }}
    ) as ordered_forms
{%- endmacro %}
