{#- Parse text with a strftime-style format into a date; null when it does not parse. Engine-specific. -#}
{% macro try_parse_date(text, format) %}
    {{ return(adapter.dispatch('try_parse_date', 'crosstrack')(text, format)) }}
{% endmacro %}

{% macro default__try_parse_date(text, format) %}
    {{ exceptions.raise_compiler_error("try_parse_date has no implementation for adapter " ~ adapter.type()) }}
{% endmacro %}

{% macro duckdb__try_parse_date(text, format) -%}
    cast(try_strptime({{ text }}, '{{ format }}') as date)
{%- endmacro %}

{#- Trino's date_parse takes MySQL-style specifiers, which agree with strftime for %Y %m %d %H %i. -#}
{% macro trino__try_parse_date(text, format) -%}
    cast(try(date_parse({{ text }}, '{{ format | replace("%M", "%i") | replace("%S", "%s") }}')) as date)
{%- endmacro %}
