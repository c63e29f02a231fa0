{#- R-OFF-2: the chapter of a statute citation (`94c/32A/A` -> `94C`), which decides its offense type by default. -#}
{% macro citation_chapter(citation) -%}
    nullif({{ dbt.split_part("replace(upper(trim(" ~ citation ~ ")), ' ', '')", "'/'", 1) }}, '')
{%- endmacro %}
