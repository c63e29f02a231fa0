{#- R-PUB-1, R-EX-2: whether a landing event, joined to its person record's link, reaches the restricted person
    timeline: its person is linked and it has an event date. The one definition int_landing_events_linked (the
    timeline's events) and landing_reconciliation (which counts them as in the marts) share. landing_reconciliation
    applies it once per row and once per person record, to their latest event date: that stands for all their
    events only while the date enters this condition as `is not null`; a bound on the date would need it applied
    per event again. -#}
{% macro reaches_person_timeline(person_key, event_date) -%}
    ({{ person_key }} is not null and {{ event_date }} is not null)
{%- endmacro %}
