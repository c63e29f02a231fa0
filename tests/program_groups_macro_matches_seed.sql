-- R-PRG-2: the program groups the macro program_groups() names columns after are the seed program_groups'
-- groups, in its sort order. A row is a group in one and not the other, or at another position.
with

macro_groups as (
    {% for program_group in program_groups() %}
        select
            '{{ program_group }}' as program_group,
            {{ loop.index }} as group_position
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

seed_groups as (
    select
        program_group,
        row_number() over (order by sort_order) as group_position
    from {{ ref('program_groups') }}
),

final as (
    select
        coalesce(macro_groups.program_group, seed_groups.program_group) as program_group,
        macro_groups.group_position as macro_position,
        seed_groups.group_position as seed_position
    from macro_groups
    full outer join seed_groups
        on
            macro_groups.program_group = seed_groups.program_group
            and macro_groups.group_position = seed_groups.group_position
    where macro_groups.program_group is null or seed_groups.program_group is null
)

select * from final
