{#- The typed value of one trimmed landing text value, per its contract type; null when it does not parse. -#}
{% macro landing_typed_value(column, raw, flag_true, flag_false) %}
    {%- if column.type == 'string' -%}
        {{ raw }}
    {%- elif column.type == 'code' -%}
        upper({{ raw }})
    {%- elif column.type == 'integer' -%}
        {{ try_cast_integer(raw) }}
    {%- elif column.type == 'date' -%}
        {{ try_parse_date(raw, column.format) }}
    {%- elif column.type == 'timestamp' -%}
        {{ try_parse_timestamp(raw, column.format) }}
    {%- elif column.type == 'flag' -%}
        case upper({{ raw }}) when upper('{{ flag_true }}') then true when upper('{{ flag_false }}') then false end
    {%- else -%}
        {{ exceptions.raise_compiler_error("landing column " ~ column.name ~ " has unknown type " ~ column.type) }}
    {%- endif -%}
{% endmacro %}
