{#- R-CHG-2, R-CHG-3: the tier of a charge by its severity — felony 1, misdemeanor 2, unknown severity 3:
    felonies are chosen before misdemeanors, misdemeanors before charges of unknown severity. The one definition
    the leading-charge and governing-offense selections read. -#}
{% macro charge_severity_tier(severity='severity') -%}
    case when {{ severity }} = 'Felony' then 1 when {{ severity }} = 'Misdemeanor' then 2 else 3 end
{%- endmacro %}

{#- The selection basis a severity tier stands for (first_felony, first_misdemeanor,
    first_charge_of_unknown_severity). -#}
{% macro charge_severity_basis(tier) -%}
    case {{ tier }}
        when 1 then 'first_felony'
        when 2 then 'first_misdemeanor'
        else 'first_charge_of_unknown_severity'
    end
{%- endmacro %}

{#- The columns of a selected charge (the leading charge, the governing offense), each with its selection_basis. -#}
{% macro selected_charge_columns() -%}
    {{ return([
        "admission_key", "source_system", "source_admission_id", "source_charge_id", "docket_number", "filing_date",
        "charge_number", "statute_citation", "amended_statute_citation", "is_amended", "reported_statute_citation",
        "offense_key", "offense_type", "offense_sub_type", "is_offense_mapped", "severity",
    ]) }}
{%- endmacro %}
