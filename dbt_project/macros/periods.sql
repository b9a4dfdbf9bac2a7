{#- Window arithmetic, written once. A month end is the last day of a calendar month; its
    window is the 12 calendar months ending with the month end's own month. Built from month
    starts: "the month end minus 12 months" goes wrong around 29 February. -#}

{% macro window_start(period_end_date) -%}
    cast(date_trunc('month', {{ period_end_date }}) - interval 11 month as date)
{%- endmacro %}

{% macro month_end(any_date) -%}
    cast(last_day({{ any_date }}) as date)
{%- endmacro %}

{#- The last month end on or before a date: the date itself when it is a month end. -#}
{% macro last_complete_month_end(as_of_date) -%}
    case
        when {{ as_of_date }} = last_day({{ as_of_date }}) then cast({{ as_of_date }} as date)
        else cast(date_trunc('month', {{ as_of_date }}) - interval 1 day as date)
    end
{%- endmacro %}

{#- The last month end whose 12-month window still contains the date: the month end 11 months
    after the date's month. -#}
{% macro last_window_end_containing(any_date) -%}
    cast(last_day(date_trunc('month', {{ any_date }}) + interval 11 month) as date)
{%- endmacro %}

{% macro next_month_end(period_end_date) -%}
    cast(last_day({{ period_end_date }} + interval 1 day) as date)
{%- endmacro %}

{% macro previous_month_end(period_end_date) -%}
    cast(date_trunc('month', {{ period_end_date }}) - interval 1 day as date)
{%- endmacro %}

{#- The last month end for which an event (a start, a discharge) is a person's latest in the
    12-month window ending at that month end: 11 months after its own month, or the month end
    before the month of the person's next such event, whichever comes first (before its own
    month when both fall in one month: never the latest). -#}
{% macro latest_in_window_until(event_date, next_event_date) -%}
    case
        when {{ next_event_date }} is null then {{ last_window_end_containing(event_date) }}
        else least(
            {{ last_window_end_containing(event_date) }}, {{ previous_month_end(next_event_date) }}
        )
    end
{%- endmacro %}
