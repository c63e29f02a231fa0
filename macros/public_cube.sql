{#-
    R-PUB-1..4: a cohort's public cube, from its restricted cells. The one place where published values are
    protected; every cube is this macro over its definition (crosstrack/contract/cubes.yml):
    - a cell of fewer than `threshold` records is suppressed whole: every value null, `is_suppressed` (R-PUB-2);
    - a count (records, enrollments, releases with an outcome) is withheld (null) when its true value is under
      the threshold, and an outcome count also when the count without the outcome is, so no group's shared
      outcome and no count of 1-4 is ever published; otherwise it gets the noise of its own key and never falls
      under the threshold (R-PUB-3, R-PUB-4); an outcome count also stays at least the threshold under the
      published record count (withheld when that cannot be), so neither it nor its rate ever says "all" or "none";
    - secondary suppression of those subset counts: a hidden count is never the only hidden value of a relation
      (a cell and its children along one more dimension: the cell is their sum), else the cell less the shown
      others would estimate it, and the intruder knows it lies in 0-4. In such a relation the smallest shown child
      (the cell itself when no child is shown) is withheld too, and so is every value over the same records (the
      same key), for public_secondary_rounds() rounds, as a complement may leave another value alone (R-PUB-4);
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
    {#- the counts of a subset: every count but the record count, whose suppression hides the whole cell -#}
    {%- set subsets = noisy | selectattr('protect', 'equalto', 'count') | rejectattr('name', 'equalto', 'record_count') | list -%}
    {%- set subset_names = subsets | map(attribute='name') | list -%}
    {%- set rounds = public_secondary_rounds() if subsets else 0 -%}
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

numbered as (
    select
        *,
        row_number() over (order by partition_key, dimensions, dimension_values) as cell_id
    from drawn
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
    from numbered
),

{%- if subsets %}

{#- Every relation as (child, parent, the dimension the child adds): a cell of n dimensions has n parents. -#}
links as (
    {%- for position in range(1, public_max_dimensions() + 1) %}
    {%- set others = range(1, public_max_dimensions() + 1) | reject('equalto', position) | list %}
    select
        child.cell_id as child_id,
        parent.cell_id as parent_id,
        {{ dbt.split_part('child.dimensions', "','", position) }} as dimension
    from protected as child
    inner join protected as parent
        on
            child.partition_key = parent.partition_key
            and parent.dimensions = concat_ws(',', {% for other in others %}nullif({{ dbt.split_part('child.dimensions', "','", other) }}, ''){{ ', ' if not loop.last }}{% endfor %})
            and parent.dimension_values = concat_ws('|', {% for other in others %}case when nullif({{ dbt.split_part('child.dimensions', "','", other) }}, '') is not null then {{ dbt.split_part('child.dimension_values', "'|'", other) }} end{{ ', ' if not loop.last }}{% endfor %})
    where nullif({{ dbt.split_part('child.dimensions', "','", position) }}, '') is not null
    {%- if not loop.last %}
    union all
    {% endif %}
    {%- endfor %}
),

{#- withheld_0: what primary suppression hides (the cell suppressed, the count withheld, or bounded away). -#}
withheld_0 as (
    select
        cell_id,
        {%- for metric in subsets %}
        {{ metric.name }},
        {{ metric.key_column }},
        case
            when published_{{ metric.name }} is null or {{ suppression_condition('record_count', threshold) }}
            {%- if metric.get('complement') %}
                or published_record_count < {{ 2 * threshold }}
            {%- endif %}
                then 1
            else 0
        end as {{ metric.name }}_withheld{{ ',' if not loop.last }}
        {%- endfor %}
    from protected
),
{%- for round in range(1, rounds + 1) %}

{#- round {{ round }}: in every relation whose only hidden value is this one, a complement is hidden ... -#}
relations_{{ round }} as (
    select
        links.parent_id,
        links.dimension,
        {%- for metric in subsets %}
        max(parent.{{ metric.name }}_withheld) + sum(child.{{ metric.name }}_withheld) = 1 as {{ metric.name }}_alone,
        min(case when child.{{ metric.name }}_withheld = 0 then child.{{ metric.name }} end) as {{ metric.name }}_least,
        max(parent.{{ metric.name }}_withheld) as {{ metric.name }}_parent_withheld{{ ',' if not loop.last }}
        {%- endfor %}
    from links
    inner join withheld_{{ round - 1 }} as child on links.child_id = child.cell_id
    inner join withheld_{{ round - 1 }} as parent on links.parent_id = parent.cell_id
    group by links.parent_id, links.dimension
),

complements_{{ round }} as (
    {#- the smallest shown child of the relation -#}
    select
        links.child_id as cell_id,
        {%- for metric in subsets %}
        case
            when
                relations_{{ round }}.{{ metric.name }}_alone
                and child.{{ metric.name }}_withheld = 0
                and child.{{ metric.name }} = relations_{{ round }}.{{ metric.name }}_least
                then 1
            else 0
        end as {{ metric.name }}_complement{{ ',' if not loop.last }}
        {%- endfor %}
    from links
    inner join relations_{{ round }}
        on links.parent_id = relations_{{ round }}.parent_id and links.dimension = relations_{{ round }}.dimension
    inner join withheld_{{ round - 1 }} as child on links.child_id = child.cell_id
    union all
    {# the parent, when every child is hidden (the relation's one child) -#}
    select
        parent_id as cell_id,
        {%- for metric in subsets %}
        case
            when {{ metric.name }}_alone and {{ metric.name }}_least is null and {{ metric.name }}_parent_withheld = 0
                then 1
            else 0
        end as {{ metric.name }}_complement{{ ',' if not loop.last }}
        {%- endfor %}
    from relations_{{ round }}
),

isolated_{{ round }} as (
    select
        cell_id,
        {%- for metric in subsets %}
        max({{ metric.name }}_complement) as {{ metric.name }}_complement{{ ',' if not loop.last }}
        {%- endfor %}
    from complements_{{ round }}
    group by cell_id
),

{#- ... and so is every value over the same records, which another cell would publish -#}
withheld_{{ round }} as (
    select
        previous.cell_id,
        {%- for metric in subsets %}
        previous.{{ metric.name }},
        previous.{{ metric.key_column }},
        max(greatest(previous.{{ metric.name }}_withheld, coalesce(isolated_{{ round }}.{{ metric.name }}_complement, 0)))
            over (partition by previous.{{ metric.key_column }}) as {{ metric.name }}_withheld{{ ',' if not loop.last }}
        {%- endfor %}
    from withheld_{{ round - 1 }} as previous
    left join isolated_{{ round }} on previous.cell_id = isolated_{{ round }}.cell_id
),
{%- endfor %}
{%- endif %}

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
        {%- set count = metric.numerator if metric.protect == 'rate' else metric.name %}
        {%- if count in subset_names %}
        {%- set value = 'case when hidden.' ~ count ~ '_withheld = 0 then ' ~ value ~ ' end' %}
        {%- endif %}
        {{ suppress('record_count', metric.name, value_expr=value, threshold=threshold, flag=false) }},
        {%- endfor %}
        {{ suppression_condition('record_count', threshold) }} as is_suppressed
    from protected
    {%- if subsets %}
    inner join withheld_{{ rounds }} as hidden on protected.cell_id = hidden.cell_id
    {%- endif %}
)

select * from final
{% endmacro %}

{#- The rounds of secondary suppression (public_cube): a complement hidden in one relation may be alone in another;
    the disclosure audit counts the hidden values still alone in a relation (must be none). -#}
{% macro public_secondary_rounds() %}{{ return(6) }}{% endmacro %}
