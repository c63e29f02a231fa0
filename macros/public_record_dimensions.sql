{#-
    R-AGE-1, R-SEX-1, R-RACE-1..3, R-ETH-1, R-SELF-1: a cohort record's person dimensions as public labels,
    never null, so that a null in a public cell means "all". Reproductive health status is asked of assigned
    sex female only (Not applicable otherwise).
-#}
{% macro public_person_dimensions(relation) -%}
    {%- for dimension in ['age_group', 'assigned_sex', 'gender_identity', 'race', 'ethnicity'] %}
    coalesce({{ relation }}.{{ dimension }}, {{ unknown_value(dimension) }}) as {{ dimension }},
    {%- endfor %}
    case
        when {{ relation }}.assigned_sex = 'Female'
            then coalesce({{ relation }}.reproductive_health_status, {{ unknown_value('self_report_status') }})
        else 'Not applicable'
    end as reproductive_health_status,
    coalesce({{ relation }}.primary_caretaker_status, {{ unknown_value('self_report_status') }})
        as primary_caretaker_status
{%- endmacro %}

{#-
    R-CHG-2..4: the governing offense of a sentenced record and the leading charge of a pretrial record, as
    two families of dimensions; the other family is Not applicable. A sentenced record without a governing
    offense shows the unknown offense (seed unknown_values).
-#}
{% macro public_offense_dimensions(relation) -%}
    {%- for family, basis in [('governing_offense', 'governing_offense'), ('leading_charge', 'leading_charge')] %}
    {%- for attribute in ['type', 'sub_type', 'severity'] %}
    case
        when {{ relation }}.offense_basis = '{{ basis }}' then coalesce({{ relation }}.offense_{{ attribute }}, {{ unknown_value('offense') }})
        else 'Not applicable'
    end as {{ family }}_{{ attribute }}{{ ',' if not loop.last }}
    {%- endfor %}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#-
    R-AGY-1: a cohort record's agency (and facility type) as public labels, never null: `public_place_joins`
    joins the dimensions to the record's codes, `public_place_dimensions` selects their labels. Without
    `facility_type`, the agency alone (a cohort whose records have no facility).
-#}
{% macro public_place_joins(relation, facility_type=true) -%}
    left join {{ ref('dim_agency') }} as agencies on {{ relation }}.agency_code = agencies.agency_code
    {%- if facility_type %}
    left join {{ ref('dim_facility_type') }} as facility_types
        on {{ relation }}.facility_type_code = facility_types.facility_type_code
    {%- endif %}
{%- endmacro %}

{% macro public_place_dimensions(facility_type=true) -%}
    coalesce(agencies.agency_name, {{ unknown_value('agency') }}) as agency
    {%- if facility_type %},
    coalesce(facility_types.facility_type, {{ unknown_value('facility_type') }}) as facility_type
    {%- endif %}
{%- endmacro %}

{#- R-PRG-1, R-PRG-2: a cohort record's program enrollments, total and per program group (R-PSI-1). As bigint: the
    cells sum each of them in every grouping set, and DuckDB sums a bigint column faster than the 128-bit integers a
    sum of counts gives (the cells' sums keep their type and values). -#}
{% macro public_program_inputs(relation) -%}
    {%- set columns = ['program_enrollment_count'] %}
    {%- for group in program_groups() %}{% do columns.append(program_group_count_column(group) | trim) %}{% endfor %}
    {%- for column in columns %}
    cast({{ relation }}.{{ column }} as {{ dbt.type_bigint() }}) as {{ column }}
    {{- ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}
