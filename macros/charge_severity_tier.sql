{#- SPEC R-CHG-2, R-CHG-3: the tier of a charge by its severity — felony 1, misdemeanor 2, unknown severity 3:
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
