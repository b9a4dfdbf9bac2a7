{#- The grain of a model (or seed) in one query: each value of the key occurs once, and the columns the
    model promises to fill (key columns included) hold no NULL. One row per offending key, with
    how many rows share it and how many NULLs each required column has there. It stands in for
    a unique test, a not_null test per column and a combination test: a dbt test costs about
    the same whatever its query, so one query per model instead of several. -#}
{% test grain(model, key_columns, not_null_columns=[]) %}

select
    {{ key_columns | join(', ') }},
    count(*) as rows_with_this_key
    {%- for column in not_null_columns %},
    count(*) filter (where {{ column }} is null) as {{ column }}_nulls
    {%- endfor %}
from {{ model }}
group by {{ key_columns | join(', ') }}
having count(*) > 1
    {%- for column in not_null_columns %}
    or count(*) filter (where {{ column }} is null) > 0
    {%- endfor %}

{% endtest %}
