{#- A journey's substance codes, one row each (journey_id, substance_code): its first substance
    and its second and third where recorded. `journeys`: a relation with journey_id and
    substance_1 to substance_3. -#}
{% macro journey_substance_codes(journeys) %}
    select
        journey_id,
        substance_1 as substance_code
    from {{ journeys }}
    union all
    select
        journey_id,
        substance_2
    from {{ journeys }}
    where substance_2 is not null
    union all
    select
        journey_id,
        substance_3
    from {{ journeys }}
    where substance_3 is not null
{%- endmacro %}
