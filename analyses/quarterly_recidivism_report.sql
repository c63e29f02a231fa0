-- R-RPT-1, R-PUB-4: the quarterly recidivism report. Re-arraignment, reconviction and reincarceration rates at 1, 2
-- and 3 years after a sentenced release to the community (R-RCD-1..3), by release year, overall and by race,
-- ethnicity, gender (gender identity, R-SEX-1) and age group (R-AGE-1). A public artefact, so it reads the
-- protected public cube and computes nothing of its own: every count and rate is the published one (suppressed,
-- withheld and perturbed as everywhere else, docs/public_layer.md), and a follow-up that has not passed by as_of
-- is absent, not zero (R-RCD-3).
-- Compile with `dbt compile --select quarterly_recidivism_report --vars '{as_of: "YYYY-MM-DD"}'` at the end of
-- each quarter and run the SQL in target/compiled against the published release or the warehouse.
{#- '' is the total of all releases (dimension_value 'All'). -#}
{% set dimensions = {
    '': 'All releases', 'race': 'Race', 'ethnicity': 'Ethnicity', 'gender_identity': 'Gender', 'age_group': 'Age group'
} %}
with

recidivism as (
    select * from {{ ref('pub_recidivism') }}
),

by_dimension as (
    {%- for name, label in dimensions.items() %}
        select
            release_year,
            followup_years,
            '{{ label }}' as dimension,
            {{ name or "'All'" }} as dimension_value,
            record_count,
            rearraignment_rate,
            reconviction_rate,
            reincarceration_rate,
            is_suppressed
        from recidivism
        where dimensions = '{{ name }}'
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

final as (
    select
        release_year,
        followup_years,
        dimension,
        dimension_value,
        record_count as releases_followed,
        rearraignment_rate,
        reconviction_rate,
        reincarceration_rate,
        is_suppressed
    from by_dimension
)

select * from final
order by release_year, followup_years, dimension, dimension_value
