{#-
    R-AGE-1, R-SEX-1, R-RACE-1..3, R-ETH-1, R-SELF-1: a cohort record's person dimensions as public labels,
    never null, so that a null in a public cell means "all". Reproductive health status is asked of assigned
    sex female only (Not applicable otherwise).
-#}
{% macro public_person_dimensions(relation) -%}
    coalesce({{ relation }}.age_group, 'Unknown') as age_group,
    coalesce({{ relation }}.assigned_sex, 'Unknown') as assigned_sex,
    coalesce({{ relation }}.gender_identity, 'Unknown') as gender_identity,
    coalesce({{ relation }}.race, 'Other / Unknown') as race,
    coalesce({{ relation }}.ethnicity, 'Unavailable') as ethnicity,
    case
        when {{ relation }}.assigned_sex = 'Female' then coalesce({{ relation }}.reproductive_health_status, 'Unknown')
        else 'Not applicable'
    end as reproductive_health_status,
    coalesce({{ relation }}.primary_caretaker_status, 'Unknown') as primary_caretaker_status
{%- endmacro %}

{#-
    R-CHG-2..4: the governing offense of a sentenced record and the leading charge of a pretrial record, as
    two families of dimensions; the other family is Not applicable. A sentenced record without a governing
    offense shows Unknown.
-#}
{% macro public_offense_dimensions(relation) -%}
    {%- for family, basis in [('governing_offense', 'governing_offense'), ('leading_charge', 'leading_charge')] %}
    {%- for attribute in ['type', 'sub_type', 'severity'] %}
    case
        when {{ relation }}.offense_basis = '{{ basis }}' then coalesce({{ relation }}.offense_{{ attribute }}, 'Unknown')
        else 'Not applicable'
    end as {{ family }}_{{ attribute }}{{ ',' if not loop.last }}
    {%- endfor %}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- R-PRG-1, R-PRG-2: a cohort record's program enrollments, total and per program group (R-PSI-1). -#}
{% macro public_program_inputs(relation) -%}
    {{ relation }}.program_enrollment_count
    {%- for group in ['beh', 'edu', 'sup', 'work', 'reinvestment', 'religious'] %},
    {{ relation }}.{{ group }}_enrollment_count
    {%- endfor %}
{%- endmacro %}
