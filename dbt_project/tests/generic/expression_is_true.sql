{#- Rows where a boolean expression that must hold of every row is false. -#}
{% test expression_is_true(model, expression) %}

select * from {{ model }} where not ({{ expression }})

{% endtest %}
