{#- The interval methods (Wilson, Byar, exact Poisson, Dobson, and unmet need's interval from the
    prevalence estimate's own), written once. Every published
    interval comes from these macros; the Python reference implementation
    (pipelines/transform/interval_reference.py) is the independent reference the tests hold
    them to.
    level: '95' (z = 1.959964) or '998' (z = 3.090232). -#}

{% macro z_value(level) -%}
    {%- if level == '95' -%}1.959964{%- elif level == '998' -%}3.090232{%- else -%}
        {{ exceptions.raise_compiler_error("interval level must be '95' or '998'") }}
    {%- endif -%}
{%- endmacro %}

{#- Wilson score interval for x out of n, as a proportion (0 to 1); NULL when n is 0 or x is
    outside 0..n. -#}
{% macro wilson_lower(x, n, level='95') -%}
    {%- set z = z_value(level) -%}
    case
        -- exact at the ends (the formula leaves rounding noise of 1e-15 there)
        when {{ n }} > 0 and {{ x }} = 0 then 0.0
        when {{ n }} > 0 and {{ x }} between 0 and {{ n }} then
        (2.0 * {{ x }} + {{ z }} * {{ z }}
         - {{ z }} * sqrt({{ z }} * {{ z }} + 4.0 * {{ x }} * (1.0 - {{ x }} * 1.0 / {{ n }})))
        / (2.0 * ({{ n }} + {{ z }} * {{ z }}))
    end
{%- endmacro %}

{% macro wilson_upper(x, n, level='95') -%}
    {%- set z = z_value(level) -%}
    case
        when {{ n }} > 0 and {{ x }} = {{ n }} then 1.0
        when {{ n }} > 0 and {{ x }} between 0 and {{ n }} then
        (2.0 * {{ x }} + {{ z }} * {{ z }}
         + {{ z }} * sqrt({{ z }} * {{ z }} + 4.0 * {{ x }} * (1.0 - {{ x }} * 1.0 / {{ n }})))
        / (2.0 * ({{ n }} + {{ z }} * {{ z }}))
    end
{%- endmacro %}

{#- Interval for a Poisson count O: Byar's method for O >= 10, exact Poisson (chi-squared,
    looked up from the exact_poisson_limits seed) for O < 10. -#}
{% macro poisson_lower(observed, level='95') -%}
    {%- set z = z_value(level) -%}
    case
        when {{ observed }} >= 10 then
            {{ observed }} * power(1.0 - 1.0 / (9.0 * {{ observed }})
                - {{ z }} / (3.0 * sqrt({{ observed }})), 3)
        when {{ observed }} >= 0 then (
            select exact.lower_{{ level }} from {{ ref('exact_poisson_limits') }} as exact
            where exact.observed = {{ observed }}
        )
    end
{%- endmacro %}

{% macro poisson_upper(observed, level='95') -%}
    {%- set z = z_value(level) -%}
    case
        when {{ observed }} >= 10 then
            ({{ observed }} + 1) * power(1.0 - 1.0 / (9.0 * ({{ observed }} + 1))
                + {{ z }} / (3.0 * sqrt({{ observed }} + 1)), 3)
        when {{ observed }} >= 0 then (
            select exact.upper_{{ level }} from {{ ref('exact_poisson_limits') }} as exact
            where exact.observed = {{ observed }}
        )
    end
{%- endmacro %}

{#- Dobson's method for a directly standardised rate: DSR + sqrt(var(DSR) / O) * (O_limit - O). -#}
{% macro dobson_lower(rate, variance, observed, level='95') -%}
    case when {{ observed }} > 0 then
        {{ rate }} + sqrt({{ variance }} / {{ observed }})
            * ({{ poisson_lower(observed, level) }} - {{ observed }})
    end
{%- endmacro %}

{% macro dobson_upper(rate, variance, observed, level='95') -%}
    case when {{ observed }} > 0 then
        {{ rate }} + sqrt({{ variance }} / {{ observed }})
            * ({{ poisson_upper(observed, level) }} - {{ observed }})
    end
{%- endmacro %}

{#- Unmet need, 1 - in_treatment / estimate (a proportion), at one limit of the prevalence
    estimate's own 95% interval, as Fingertips publishes indicators 93517 and 93532: the count in
    treatment is exact, the uncertainty is the estimate's, so the lower limit of unmet need
    comes from the estimate's lower limit. NULL unless the estimate has both limits and the
    lower is above zero (never half an interval). -#}
{% macro unmet_need_limit(in_treatment, estimate_lower, estimate_upper, side) -%}
    case
        when {{ estimate_lower }} > 0 and {{ estimate_upper }} >= {{ estimate_lower }} then
            1.0 - {{ in_treatment }} / {{ estimate_lower if side == 'lower' else estimate_upper }}
    end
{%- endmacro %}

{#- What a crude rate's count per person is multiplied by, from its unit: rates per 100,000
    (deaths) or per 1,000 (crime) residents. -#}
{% macro rate_multiplier(unit) -%}
    case {{ unit }} when 'rate_per_1000' then 1000.0 when 'rate_per_100000' then 100000.0 end
{%- endmacro %}

{#- The interval of a published value, by the metric's method (from the catalogue). Expects
    the columns value, numerator, denominator, unit, interval_method, standardised_rate,
    standardised_rate_variance, estimate_lower_95 and estimate_upper_95. Percentages are on 0
    to 100, rates per 100,000 or per 1,000 (their unit). -#}
{% macro metric_interval(side, level='95') -%}
    {%- set lower = side == 'lower' -%}
    case
        when value is null then null
        when interval_method = 'wilson' then 100.0 * (
            {{ wilson_lower('numerator', 'denominator', level) if lower
               else wilson_upper('numerator', 'denominator', level) }}
        )
        when interval_method = 'byar_exact_poisson' and unit = 'count' then
            {{ poisson_lower('numerator', level) if lower else poisson_upper('numerator', level) }}
        when interval_method = 'byar_exact_poisson' then
            ({{ poisson_lower('numerator', level) if lower else poisson_upper('numerator', level) }})
            * {{ rate_multiplier('unit') }} / denominator
        when interval_method = 'dobson' then
            {{ dobson_lower('standardised_rate', 'standardised_rate_variance', 'numerator', level) if lower
               else dobson_upper('standardised_rate', 'standardised_rate_variance', 'numerator', level) }}
        {#- unmet need: numerator = estimate - in treatment, denominator = estimate. Only the
            estimate's 95% interval is published, so there is no 99.8% one (NULL). #}
        {%- if level == '95' %}
        when interval_method = 'prevalence_estimate_interval' then 100.0 * (
            {{ unmet_need_limit('(denominator - numerator)', 'estimate_lower_95', 'estimate_upper_95',
                                side) }}
        )
        {%- endif %}
    end
{%- endmacro %}
