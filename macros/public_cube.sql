{#-
    R-PUB-1..4: a cohort's public cube, from its restricted cells. The one place where published values are
    protected; every cube is this macro over its definition (crosstrack/contract/cubes.yml):
    - a cell of fewer than `threshold` records is suppressed whole: every value null, `is_suppressed` (R-PUB-2);
    - a count (records, enrollments, releases with an outcome) is withheld (null) when its true value is under
      the threshold, and an outcome count also when the count without the outcome is, so no group's shared
      outcome and no count of 1-4 is ever published; otherwise it gets the noise of its own key and never falls
      under the threshold (R-PUB-3, R-PUB-4); an outcome count also stays at least the threshold under the
      published record count (withheld when that cannot be), so neither it nor its rate ever says "all" or "none";
    - a rate is the published outcome count over the published record count, withheld with its count: it says
      nothing the two counts do not;
    - a mean or median gets noise of 0.1 times the cell's longest stay over its record count per step of the same
      two-sided noise (the cell-key method for magnitudes: a small cell, where one stay weighs most, gets the most
      noise), rounded to whole days and never under 1.
    No person-level column, no exact date but the cohort's January 1 snapshot dates.
-#}
{% macro public_cube(cohort) %}
    {%- set cube = public_cubes()[cohort] -%}
    {%- set threshold = public_suppression_threshold() -%}
    {%- set noisy = cube.metrics | rejectattr('protect', 'equalto', 'rate') | list -%}
with

cells as (
    select * from {{ ref(cube.records | replace('_records', '_cells')) }}
),

drawn as (
    select
        *,
        {%- for metric in noisy %}
        {%- set key = metric.key_column if metric.protect == 'count' else 'record_fingerprint' %}
        {{ public_key_uniform(key, metric.name) }} as {{ metric.name }}_u{{ ',' if not loop.last }}
        {%- endfor %}
    from cells
),

protected as (
    select
        *,
        {%- for metric in noisy %}
        {%- set noise = public_noise(metric.name ~ '_u') %}
        {%- if metric.protect == 'count' %}
        case
            when {{ metric.name }} >= {{ threshold }}
                {%- if metric.get('complement') %}
                and record_count - {{ metric.name }} >= {{ threshold }}
                {%- endif %}
                then cast(greatest({{ metric.name }} + {{ noise }}, {{ threshold }}) as bigint)
        end as published_{{ metric.name }}{{ ',' if not loop.last }}
        {%- else %}
        cast(greatest(round({{ metric.name }} + ({{ noise }}) * 0.1 * {{ metric.scale.name }} / record_count, 0), 1) as double)
            as published_{{ metric.name }}{{ ',' if not loop.last }}
        {%- endif %}
        {%- endfor %}
    from drawn
),

final as (
    select
        {%- for partition in cube.partitions %}
        {{ partition.name }},
        {%- endfor %}
        dimensions,
        {%- for dimension in cube.dimensions %}
        {{ dimension.name }},
        {%- endfor %}
        {%- set bounded = {} %}
        {%- for metric in cube.metrics if metric.get('complement') %}
        {#- between the threshold and the published record count less the threshold: never "all" or "none" -#}
        {%- do bounded.update({metric.name: 'case when published_' ~ metric.name ~ ' is not null and published_record_count >= ' ~ 2 * threshold ~ ' then greatest(' ~ threshold ~ ', least(published_' ~ metric.name ~ ', published_record_count - ' ~ threshold ~ ')) end'}) %}
        {%- endfor %}
        {%- for metric in cube.metrics %}
        {%- if metric.protect == 'rate' %}
        {%- set numerator = bounded.get(metric.numerator, 'published_' ~ metric.numerator) %}
        {%- set value = 'cast(round(1.0 * (' ~ numerator ~ ') / published_record_count, 4) as double)' %}
        {%- else %}
        {%- set value = bounded.get(metric.name, 'published_' ~ metric.name) %}
        {%- endif %}
        {{ suppress('record_count', metric.name, value_expr=value, threshold=threshold, flag=false) }},
        {%- endfor %}
        {{ suppression_condition('record_count', threshold) }} as is_suppressed
    from protected
)

select * from final
{% endmacro %}
