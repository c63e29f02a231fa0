{#- R-CHG-3: the leading-charge selection — numbers the charges of each `partition_by` group so that the leading
    charge is 1: the severity tier first (charge_severity_tier: felony, misdemeanor, unknown), then the docket with
    the earliest filing date, then the lowest charge number (ties broken by docket number and charge id so the
    choice is deterministic). Every model that picks a leading charge (per admission, or per cohort row among the
    dockets open on its date) keeps the rows numbered 1, so the rule lives here once. Expects columns severity,
    filing_date, charge_number, docket_number and source_charge_id. -#}
{% macro leading_charge_rank(partition_by) -%}
    row_number() over (
        partition by {{ partition_by }}
        order by
            {{ charge_severity_tier('severity') }},
            filing_date nulls last,
            charge_number nulls last,
            docket_number nulls last,
            source_charge_id
    )
{%- endmacro %}
