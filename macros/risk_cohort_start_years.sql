{#- docs/rules.md section 3 (risk and needs cohort), R-RISK-1: each agency's first risk cohort year, the earliest
    risk_cohort_start_year of its instruments in the seed risk_instruments (`relation`: that seed or a CTE over
    it). An agency with no instrument there (Bristol) has no row, so it has no risk cohort yet. The one definition
    the risk cohort's screening, the risk and needs mart and dim_agency read. -#}
{% macro risk_cohort_start_years(relation) -%}
    select
        agency_code,
        min(risk_cohort_start_year) as risk_cohort_start_year
    from {{ relation }}
    group by agency_code
{%- endmacro %}
