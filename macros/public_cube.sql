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
      same key). A complement may leave another value alone, so rounds repeat until one hides nothing more: the
      fixed point, where no hidden count is alone in any relation (public_secondary_suppression, before this
      select; a build that does not reach it within public_secondary_max_rounds() rounds fails) (R-PUB-4);
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
    {%- set subsets = public_subset_counts(cube) -%}
    {%- set subset_names = subsets | map(attribute='name') | list -%}
    {%- if subsets %}
    {{- config(
        pre_hook=["{{ public_secondary_suppression('" ~ cohort ~ "') }}"],
        post_hook=["{{ public_cube_drop_stages() }}"]
    ) }}
-- the protected cells and their hidden subset counts at the fixed point, staged from
-- {{ ref(public_cube_cells(cube)) }} by public_secondary_suppression (this model's pre-hook)
with

protected as (
    select * from {{ public_cube_stage('protected') }}
),

hidden as (
    select * from {{ public_cube_stage('hidden') }}
),
    {%- else %}
with
{{ public_cube_protected(cube) }},
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
    inner join hidden on protected.cell_id = hidden.cell_id
    {%- endif %}
)

select * from final
{% endmacro %}

{#- The counts of a subset: every count but the record count, whose suppression hides the whole cell. -#}
{% macro public_subset_counts(cube) %}
    {{- return(cube.metrics | selectattr('protect', 'equalto', 'count') | rejectattr('name', 'equalto', 'record_count') | list) -}}
{% endmacro %}

{% macro public_cube_cells(cube) %}{{ return(cube.records | replace('_records', '_cells')) }}{% endmacro %}

{#- The CTEs cells .. protected: every cell numbered, with the published (primary-protected) value of every metric
    but the rates. -#}
{% macro public_cube_protected(cube) %}
    {%- set threshold = public_suppression_threshold() -%}
    {%- set noisy = cube.metrics | rejectattr('protect', 'equalto', 'rate') | list -%}
cells as (
    select * from {{ ref(public_cube_cells(cube)) }}
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
        {{ public_cell_number() }} as cell_id
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
)
{%- endmacro %}

{#- A number for every cell, unique in the stage: the stages join on it and nothing else reads it (no published value
    depends on which cell gets which number), so it follows no order; numbering in the order of the cells' keys
    sorted every cell (docs/public_layer.md, Cost). -#}
{% macro public_cell_number() %}
    {{- return(adapter.dispatch('public_cell_number', 'crosstrack')()) -}}
{% endmacro %}

{% macro default__public_cell_number() -%}
    row_number() over ()
{%- endmacro %}

{% macro spark__public_cell_number() -%}
    monotonically_increasing_id()
{%- endmacro %}

{#- The secondary suppression of a cube's subset counts, run to its fixed point (the pre-hook of the cube's model;
    the model selects its stages). Each stage is a temporary table of this model's session:
    - protected: the cells with their primarily protected values (public_cube_protected);
    - links: every relation as (child, parent, the dimension the child adds); a cell of n dimensions has n parents;
    - hidden: per cell and subset count, whether it is withheld: first what primary suppression hides, then after
      each round until a round hides nothing more;
    - changed: the cells a round must look from: first every cell primary suppression hides, then those the last
      round hid (public_secondary_round);
    - round: what a round hides that was shown, merged into hidden (public_secondary_merged).
    No round can unhide, so the number of hidden values only grows and is bounded: the loop ends. A round that hides
    nothing leaves no hidden value alone in a relation (it would have hidden its complement), which is the fixed
    point. A build that has not reached it after public_secondary_max_rounds() rounds fails: nothing short of it is
    published.
    A round looks only at the relations that hold a changed cell (semi-naive iteration), and hides the same values
    as a round over every relation: a relation with no hidden value has none alone, and one none of whose values
    changed in the last round would hide again what it hid then, which is hidden already. -#}
{% macro public_secondary_suppression(cohort) %}
    {%- if execute %}
    {%- set cube = public_cubes()[cohort] -%}
    {%- set subsets = public_subset_counts(cube) -%}
    {%- set limit = public_secondary_max_rounds() -%}
    {%- do public_cube_drop_stages() -%}
    {%- do run_query(public_temp_table(public_cube_stage('protected'), 'with ' ~ public_cube_protected(cube) ~ ' select * from protected')) -%}
    {%- do run_query(public_temp_table(public_cube_stage('links'), public_cube_links(public_cube_stage('protected')))) -%}
    {%- do run_query(public_temp_table(public_cube_stage('hidden'), public_primary_withheld(subsets, public_cube_stage('protected')))) -%}
    {%- set first_changed -%}
    select cell_id from {{ public_cube_stage('hidden') }}
    where {% for metric in subsets %}{{ metric.name }}_withheld = 1{{ ' or ' if not loop.last }}{% endfor %}
    {%- endset -%}
    {%- do run_query(public_temp_table(public_cube_stage('changed'), first_changed)) -%}
    {%- set state = namespace(rounds=0, converged=false) -%}
    {%- for round in range(1, limit + 1) if not state.converged -%}
        {%- do run_query(public_temp_table(public_cube_stage('round'), public_secondary_round(subsets, public_cube_stage('links'), public_cube_stage('hidden'), public_cube_stage('changed'), round == 1))) -%}
        {%- if public_hidden_total(subsets, public_cube_stage('round')) == 0 -%}
            {%- set state.converged = true -%}
        {%- else -%}
            {%- do run_query('drop table ' ~ public_cube_stage('changed')) -%}
            {%- do run_query(public_temp_table(public_cube_stage('changed'), 'select cell_id from ' ~ public_cube_stage('round'))) -%}
            {%- do run_query(public_temp_table(public_cube_stage('merged'), public_secondary_merged(subsets, public_cube_stage('hidden'), public_cube_stage('round')))) -%}
            {%- do run_query('drop table ' ~ public_cube_stage('hidden')) -%}
            {%- do run_query('alter table ' ~ public_cube_stage('merged') ~ ' rename to ' ~ public_cube_stage('hidden')) -%}
            {%- set state.rounds = round -%}
        {%- endif -%}
        {%- do run_query('drop table ' ~ public_cube_stage('round')) -%}
    {%- endfor -%}
    {%- if not state.converged -%}
        {%- do public_cube_drop_stages() -%}
        {{- exceptions.raise_compiler_error(
            "public_cube(" ~ cohort ~ "): secondary suppression did not reach its fixed point in " ~ limit
            ~ " rounds (public_secondary_max_rounds): a hidden count may still be alone in a relation, so the cube"
            ~ " is not published") -}}
    {%- endif -%}
    {%- do log(this.identifier ~ ": secondary suppression at its fixed point after " ~ state.rounds ~ " rounds that hid more", info=false) -%}
    {%- endif %}
{% endmacro %}

{#- The most rounds of secondary suppression a build may take to reach the fixed point (the var lowers it, to prove
    the check). -#}
{% macro public_secondary_max_rounds() %}{{ return(var('public_secondary_max_rounds', 100) | int) }}{% endmacro %}

{% macro public_cube_stage(name) %}{{ return(this.identifier ~ '__' ~ name) }}{% endmacro %}

{% macro public_cube_drop_stages() %}
    {%- if execute %}
    {%- for name in ['protected', 'links', 'hidden', 'changed', 'round', 'merged'] %}
    {%- do run_query('drop table if exists ' ~ public_cube_stage(name)) %}
    {%- endfor %}
    {%- endif %}
{% endmacro %}

{#- A temporary table of the session from a select. -#}
{% macro public_temp_table(name, sql) %}
    {{- return(adapter.dispatch('public_temp_table', 'crosstrack')(name, sql)) -}}
{% endmacro %}

{% macro default__public_temp_table(name, sql) -%}
    create temporary table {{ name }} as {{ sql }}
{%- endmacro %}

{% macro spark__public_temp_table(name, sql) -%}
    cache table {{ name }} as {{ sql }}
{%- endmacro %}

{#- The number of subset counts a stage hides. -#}
{% macro public_hidden_total(subsets, stage) %}
    {%- set total -%}
    select {% for metric in subsets %}sum({{ metric.name }}_withheld){{ ' + ' if not loop.last }}{% endfor %} from {{ stage }}
    {%- endset -%}
    {{- return(run_query(total).columns[0].values()[0] | int) -}}
{% endmacro %}

{#- Every relation of the cube (a cell and its children along one more dimension: the cell is their sum). Each
    cell's dimensions and values are split once; dropping each of its dimensions in turn names a parent (the same
    partition, the other dimensions and their values), and every parent is found in one join. -#}
{% macro public_cube_links(protected) %}
    {%- set positions = range(1, public_max_dimensions() + 1) | list %}
with

split_cells as (
    select
        cell_id,
        partition_key,
        {%- for position in positions %}
        nullif({{ dbt.split_part('dimensions', "','", position) }}, '') as dimension_{{ position }},
        {{ dbt.split_part('dimension_values', "'|'", position) }} as value_{{ position }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ protected }}
),

parent_keys as (
    {%- for position in positions %}
    {%- set others = positions | reject('equalto', position) | list %}
    select
        cell_id as child_id,
        partition_key,
        dimension_{{ position }} as dimension,
        concat_ws(',', {% for other in others %}dimension_{{ other }}{{ ', ' if not loop.last }}{% endfor %}) as parent_dimensions,
        concat_ws('|', {% for other in others %}case when dimension_{{ other }} is not null then value_{{ other }} end{{ ', ' if not loop.last }}{% endfor %}) as parent_values
    from split_cells
    where dimension_{{ position }} is not null
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

select
    parent_keys.child_id,
    parent.cell_id as parent_id,
    parent_keys.dimension
from parent_keys
inner join {{ protected }} as parent
    on
        parent_keys.partition_key = parent.partition_key
        and parent_keys.parent_dimensions = parent.dimensions
        and parent_keys.parent_values = parent.dimension_values
{% endmacro %}

{#- What primary suppression hides (the cell suppressed, the count withheld, or bounded away). -#}
{% macro public_primary_withheld(subsets, protected) %}
    {%- set threshold = public_suppression_threshold() -%}
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
    from {{ protected }}
{% endmacro %}

{#- One round: in every relation whose only hidden value is this one, a complement is hidden (the smallest shown
    child, or the parent when no child is shown), and so is every value over the same records (the same key), which
    another cell would publish. Only the relations that hold a changed cell are looked at. The first round also
    hides every value over the same records as one primary suppression hid; after it, every value over the records
    of a hidden one is hidden. The result is what the round hides that was shown: per cell that has any, 1 or 0 per
    count. -#}
{% macro public_secondary_round(subsets, links, hidden, changed, first) %}
with

touched as (
    {#- the relations that hold a changed cell, as its parent or as a child -#}
    select links.parent_id, links.dimension
    from {{ links }} as links
    inner join {{ changed }} as changed on links.child_id = changed.cell_id
    union
    select links.parent_id, links.dimension
    from {{ links }} as links
    inner join {{ changed }} as changed on links.parent_id = changed.cell_id
),

touched_links as (
    select links.*
    from {{ links }} as links
    inner join touched on links.parent_id = touched.parent_id and links.dimension = touched.dimension
),

relations as (
    select
        links.parent_id,
        links.dimension,
        {%- for metric in subsets %}
        max(parent.{{ metric.name }}_withheld) + sum(child.{{ metric.name }}_withheld) = 1 as {{ metric.name }}_alone,
        min(case when child.{{ metric.name }}_withheld = 0 then child.{{ metric.name }} end) as {{ metric.name }}_least,
        max(parent.{{ metric.name }}_withheld) as {{ metric.name }}_parent_withheld{{ ',' if not loop.last }}
        {%- endfor %}
    from touched_links as links
    inner join {{ hidden }} as child on links.child_id = child.cell_id
    inner join {{ hidden }} as parent on links.parent_id = parent.cell_id
    group by links.parent_id, links.dimension
),

complements as (
    {#- the smallest shown child of the relation -#}
    select
        links.child_id as cell_id,
        {%- for metric in subsets %}
        case
            when
                relations.{{ metric.name }}_alone
                and child.{{ metric.name }}_withheld = 0
                and child.{{ metric.name }} = relations.{{ metric.name }}_least
                then 1
            else 0
        end as {{ metric.name }}_complement{{ ',' if not loop.last }}
        {%- endfor %}
    from touched_links as links
    inner join relations
        on links.parent_id = relations.parent_id and links.dimension = relations.dimension
    inner join {{ hidden }} as child on links.child_id = child.cell_id
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
    from relations
),

{%- for metric in subsets %}

{{ metric.name }}_keys as (
    {#- the records whose {{ metric.name }} this round hides: the complements' (and first, primary suppression's) -#}
    select distinct hidden.{{ metric.key_column }} as record_key
    from {{ hidden }} as hidden
    inner join complements on hidden.cell_id = complements.cell_id
    where complements.{{ metric.name }}_complement = 1
    {%- if first %}
    union
    select {{ metric.key_column }} as record_key
    from {{ hidden }}
    where {{ metric.name }}_withheld = 1
    {%- endif %}
),
{%- endfor %}

newly as (
    select
        hidden.cell_id,
        {%- for metric in subsets %}
        case
            when hidden.{{ metric.name }}_withheld = 0 and {{ metric.name }}_keys.record_key is not null then 1 else 0
        end as {{ metric.name }}_withheld{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ hidden }} as hidden
    {%- for metric in subsets %}
    left join {{ metric.name }}_keys on hidden.{{ metric.key_column }} = {{ metric.name }}_keys.record_key
    {%- endfor %}
)

select * from newly
where {% for metric in subsets %}{{ metric.name }}_withheld = 1{{ ' or ' if not loop.last }}{% endfor %}
{% endmacro %}

{#- The hidden flags after a round: what was hidden and what the round hid. -#}
{% macro public_secondary_merged(subsets, hidden, round) %}
select
    hidden.cell_id,
    {%- for metric in subsets %}
    hidden.{{ metric.name }},
    hidden.{{ metric.key_column }},
    greatest(hidden.{{ metric.name }}_withheld, coalesce(round.{{ metric.name }}_withheld, 0)) as {{ metric.name }}_withheld{{ ',' if not loop.last }}
    {%- endfor %}
from {{ hidden }} as hidden
left join {{ round }} as round on hidden.cell_id = round.cell_id
{% endmacro %}
