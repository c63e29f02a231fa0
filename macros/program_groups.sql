{#- R-PRG-2: the program groups of the seed program_groups, in its sort order, for the models whose columns
    are one per group (<group>_enrollment_count). Columns are named when a model compiles, before any seed is
    loaded, so the codes are listed here once, and the data test program_groups_macro_matches_seed fails a build
    whose seed says otherwise. -#}
{% macro program_groups() -%}
    {{ return(['Beh', 'Edu', 'Sup', 'Work', 'Reinvestment', 'Religious']) }}
{%- endmacro %}

{#- The count column of a program group: beh_enrollment_count, ... -#}
{% macro program_group_count_column(program_group) -%}
    {{ program_group | lower }}_enrollment_count
{%- endmacro %}
