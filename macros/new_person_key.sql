{#-
    A new person key: `pk_` and 32 random hex digits (a version 4 UUID without its dashes). Never a function of an
    identifier, so a key reveals nothing about the person; int_person_keys_assigned draws one per new person and
    the person-key registry keeps it across builds. Engine-specific.
-#}
{% macro new_person_key() -%}
    {{ return(adapter.dispatch('new_person_key', 'crosstrack')()) }}
{%- endmacro %}

{% macro default__new_person_key() -%}
    {{ exceptions.raise_compiler_error("new_person_key: no implementation for adapter " ~ adapter.type()) }}
{%- endmacro %}

{% macro duckdb__new_person_key() -%}
    'pk_' || replace(cast(uuid() as varchar), '-', '')
{%- endmacro %}

{% macro spark__new_person_key() -%}
    concat('pk_', replace(uuid(), '-', ''))
{%- endmacro %}
