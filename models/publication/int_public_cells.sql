-- R-PUB-3: the cells of every public cube, one row each: where the cell sits (cohort, partition, grouped
-- dimensions and their values), its true record count and the fingerprint of its records, which keys its
-- perturbation. Restricted: the disclosure audit (tests/python/test_public_layer.py) reads it.
{% set cell_models = [
    'int_public_custodial_cells',
    'int_public_admission_cells',
    'int_public_release_cells',
    'int_public_recidivism_cells',
    'int_public_risk_cells',
] %}
with

{% for cell_model in cell_models %}
    {{ cell_model }} as (
        select * from {{ ref(cell_model) }}
    ),

{% endfor %}
unioned as (
    {%- for cell_model in cell_models %}
        select
            cohort,
            partition_key,
            dimensions,
            dimension_values,
            record_count,
            record_fingerprint
        from {{ cell_model }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

final as (
    select * from unioned
)

select * from final
