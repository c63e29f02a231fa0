{#- R-PUB-1, R-EX-2: whether a landing event, joined to its person record's link, reaches the restricted person
    timeline: its person is linked and it has an event date. The one definition int_landing_events_linked (the
    timeline's events) and landing_reconciliation (which counts them as in the marts) share. -#}
{% macro reaches_person_timeline(person_key, event_date) -%}
    ({{ person_key }} is not null and {{ event_date }} is not null)
{%- endmacro %}
