-- SPEC R-RPT-1: the quarterly recidivism report. Re-arraignment, reconviction and reincarceration rates at 1, 2
-- and 3 years after a sentenced release to the community (R-RCD-1..3), overall and by race, ethnicity, gender
-- (gender identity, R-SEX-1) and age group (R-AGE-1), from the restricted recidivism mart. A rate is computed only
-- on releases whose whole follow-up window has passed by as_of (the mart's flags are null otherwise) and is
-- suppressed with its count when fewer than 5 releases meet the selection (R-PUB-2, suppress macro).
-- Compile with `dbt compile --select quarterly_recidivism_report --vars '{as_of: "YYYY-MM-DD"}'` at the end of
-- each quarter and run the SQL in target/compiled against the warehouse.
with

recidivism as (
    select * from {{ ref('recidivism') }}
),

by_dimension as (
    select
        'All releases' as dimension,
        'All' as dimension_value,
        *
    from recidivism

    union all

    select
        'Race' as dimension,
        race as dimension_value,
        *
    from recidivism

    union all

    select
        'Ethnicity' as dimension,
        ethnicity as dimension_value,
        *
    from recidivism

    union all

    select
        'Gender' as dimension,
        gender_identity as dimension_value,
        *
    from recidivism

    union all

    select
        'Age group' as dimension,
        age_group as dimension_value,
        *
    from recidivism
),

final as (
    select
        dimension,
        dimension_value,
        {{ suppress('count(*)', 'release_count') }},
        {{ suppress('sum(case when has_complete_followup_1y then 1 else 0 end)', 'releases_followed_1y') }},
        {{ suppress(
            'sum(case when has_complete_followup_1y then 1 else 0 end)',
            'rearraignment_rate_1y',
            'round(avg(case when is_rearraignment_within_1y then 1.0 when is_rearraignment_within_1y = false then 0.0 end), 4)'
        ) }},
        {{ suppress(
            'sum(case when has_complete_followup_1y then 1 else 0 end)',
            'reconviction_rate_1y',
            'round(avg(case when is_reconviction_within_1y then 1.0 when is_reconviction_within_1y = false then 0.0 end), 4)'
        ) }},
        {{ suppress(
            'sum(case when has_complete_followup_1y then 1 else 0 end)',
            'reincarceration_rate_1y',
            'round(avg(case when is_reincarceration_within_1y then 1.0 when is_reincarceration_within_1y = false then 0.0 end), 4)'
        ) }},
        {{ suppress('sum(case when has_complete_followup_2y then 1 else 0 end)', 'releases_followed_2y') }},
        {{ suppress(
            'sum(case when has_complete_followup_2y then 1 else 0 end)',
            'rearraignment_rate_2y',
            'round(avg(case when is_rearraignment_within_2y then 1.0 when is_rearraignment_within_2y = false then 0.0 end), 4)'
        ) }},
        {{ suppress(
            'sum(case when has_complete_followup_2y then 1 else 0 end)',
            'reconviction_rate_2y',
            'round(avg(case when is_reconviction_within_2y then 1.0 when is_reconviction_within_2y = false then 0.0 end), 4)'
        ) }},
        {{ suppress(
            'sum(case when has_complete_followup_2y then 1 else 0 end)',
            'reincarceration_rate_2y',
            'round(avg(case when is_reincarceration_within_2y then 1.0 when is_reincarceration_within_2y = false then 0.0 end), 4)'
        ) }},
        {{ suppress('sum(case when has_complete_followup_3y then 1 else 0 end)', 'releases_followed_3y') }},
        {{ suppress(
            'sum(case when has_complete_followup_3y then 1 else 0 end)',
            'rearraignment_rate_3y',
            'round(avg(case when is_rearraignment_within_3y then 1.0 when is_rearraignment_within_3y = false then 0.0 end), 4)'
        ) }},
        {{ suppress(
            'sum(case when has_complete_followup_3y then 1 else 0 end)',
            'reconviction_rate_3y',
            'round(avg(case when is_reconviction_within_3y then 1.0 when is_reconviction_within_3y = false then 0.0 end), 4)'
        ) }},
        {{ suppress(
            'sum(case when has_complete_followup_3y then 1 else 0 end)',
            'reincarceration_rate_3y',
            'round(avg(case when is_reincarceration_within_3y then 1.0 when is_reincarceration_within_3y = false then 0.0 end), 4)'
        ) }}
    from by_dimension
    group by dimension, dimension_value
)

select * from final
order by dimension, dimension_value
