{#- Tests of change, written once. Each returns a z statistic (or, for the trend, a
    chi-squared statistic with 1 degree of freedom) that is NULL where the test is undefined;
    the Python reference implementation (pipelines/transform/interval_reference.py) holds the
    independent versions the tests compare them with.
    A positive z means the later value is the larger. -#}

{#- The two-sided 95% critical value of z, and the chi-squared (1 df) critical value of the
    recent-trend test at 99.9%: Fingertips' trend markers test at that level, a stricter bar
    than one comparison because a trend marker is read on every indicator at once. -#}
{% macro change_z_critical() -%}1.959964{%- endmacro %}
{% macro trend_chi_squared_critical() -%}10.827566{%- endmacro %}

{#- Two proportions x1/n1 (later) and x2/n2 (earlier): the pooled z test. -#}
{% macro two_proportions_z(x1, n1, x2, n2) -%}
    case
        when {{ n1 }} > 0 and {{ n2 }} > 0
            and {{ x1 }} + {{ x2 }} > 0 and {{ x1 }} + {{ x2 }} < {{ n1 }} + {{ n2 }}
            then ({{ x1 }} * 1.0 / {{ n1 }} - {{ x2 }} * 1.0 / {{ n2 }})
            / sqrt(
                (({{ x1 }} + {{ x2 }}) * 1.0 / ({{ n1 }} + {{ n2 }}))
                * (1.0 - ({{ x1 }} + {{ x2 }}) * 1.0 / ({{ n1 }} + {{ n2 }}))
                * (1.0 / {{ n1 }} + 1.0 / {{ n2 }})
            )
    end
{%- endmacro %}

{#- Two Poisson counts o1 and o2 over exposures e1 and e2 (1 for a plain count, the
    population for a crude rate): the z test with the pooled rate under no change. For two
    counts it is (o1 - o2) / sqrt(o1 + o2). -#}
{% macro two_poisson_z(o1, e1, o2, e2) -%}
    case
        when {{ e1 }} > 0 and {{ e2 }} > 0 and {{ o1 }} + {{ o2 }} > 0
            then ({{ o1 }} * 1.0 / {{ e1 }} - {{ o2 }} * 1.0 / {{ e2 }})
            / sqrt(
                (({{ o1 }} + {{ o2 }}) * 1.0 / ({{ e1 }} + {{ e2 }}))
                * (1.0 / {{ e1 }} + 1.0 / {{ e2 }})
            )
    end
{%- endmacro %}

{#- Two directly standardised rates with their variances: z = difference / sqrt(sum of
    variances). -#}
{% macro two_dsrs_z(dsr1, variance1, dsr2, variance2) -%}
    case
        when {{ variance1 }} + {{ variance2 }} > 0
            then ({{ dsr1 }} - {{ dsr2 }}) / sqrt({{ variance1 }} + {{ variance2 }})
    end
{%- endmacro %}
