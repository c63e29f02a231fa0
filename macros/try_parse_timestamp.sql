{#- Parse text with a strftime-style format into a timestamp; null when it does not parse. Engine-specific. -#}
{% macro try_parse_timestamp(text, format) %}
    {{ return(adapter.dispatch('try_parse_timestamp', 'crosstrack')(text, format)) }}
{% endmacro %}

{% macro default__try_parse_timestamp(text, format) %}
    {{ exceptions.raise_compiler_error("try_parse_timestamp has no implementation for adapter " ~ adapter.type()) }}
{% endmacro %}

{% macro duckdb__try_parse_timestamp(text, format) -%}
    try_strptime({{ text }}, '{{ format }}')
{%- endmacro %}

{% macro trino__try_parse_timestamp(text, format) -%}
    try(date_parse({{ text }}, '{{ format | replace("%M", "%i") | replace("%S", "%s") }}'))
{%- endmacro %}
