-- R-RACE-2, R-ETH-1, R-SEX-1, R-SELF-1: the unknown value of each person dimension with a code seed (seed
-- unknown_values) is a value of that dimension, one its code seed maps some code to. A row is an unknown value no
-- code maps to.
{%- set code_seeds = {
    "race": "race_codes",
    "ethnicity": "ethnicity_codes",
    "assigned_sex": "assigned_sex_codes",
    "gender_identity": "gender_identity_codes",
    "self_report_status": "self_report_codes",
} %}
with

mapped_values as (
    {% for dimension, seed in code_seeds.items() %}
        select distinct
            '{{ dimension }}' as dimension,
            {{ dimension }} as mapped_value
        from {{ ref(seed) }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select
        unknown_values.dimension,
        unknown_values.unknown_value
    from {{ ref('unknown_values') }} as unknown_values
    where
        unknown_values.dimension in (select mapped_values.dimension from mapped_values)
        and not exists (
            select 1
            from mapped_values
            where
                mapped_values.dimension = unknown_values.dimension
                and mapped_values.mapped_value = unknown_values.unknown_value
        )
)

select * from final
