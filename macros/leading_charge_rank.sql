{#- SPEC R-CHG-3: the order that makes the first charge the leading charge — felony before misdemeanor (before
    unknown severity), then the docket with the earliest filing date, then the lowest charge number (ties broken
    by docket number and charge id so the choice is deterministic). Used by every model that picks a leading
    charge, so the rule lives here once. Expects columns severity, filing_date, charge_number, docket_number and
    source_charge_id. -#}
{% macro leading_charge_order() -%}
    case when severity = 'Felony' then 1 when severity = 'Misdemeanor' then 2 else 3 end,
    filing_date nulls last,
    charge_number nulls last,
    docket_number nulls last,
    source_charge_id
{%- endmacro %}
