-- R-RCD-1..3 and section 10: one record per release to the community and follow-up window N (1, 2, 3
-- years) whose whole window has passed by as_of; rates are never computed on incomplete follow-up. The
-- cohort is sentenced by definition, so the governing offense needs no offender-status filter (R-CHG-4).
with

recidivism as (
    select * from {{ ref('recidivism') }}
),

followups as (
    {%- for years in [1, 2, 3] %}
        select
            release_key,
            {{ years }} as followup_years,
            is_rearraignment_within_{{ years }}y as is_rearraignment,
            is_reconviction_within_{{ years }}y as is_reconviction,
            is_reincarceration_within_{{ years }}y as is_reincarceration
        from recidivism
        where has_complete_followup_{{ years }}y
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

final as (
    select
        recidivism.release_key as record_key,
        cast(extract(year from recidivism.release_date) as integer) as release_year,
        followups.followup_years,
        {{ public_place_dimensions() }},
        coalesce(recidivism.release_type, {{ unknown_value('release_type') }}) as release_type,
        {{ public_person_dimensions('recidivism') }},
        coalesce(recidivism.offense_type, {{ unknown_value('offense') }}) as governing_offense_type,
        coalesce(recidivism.offense_sub_type, {{ unknown_value('offense') }}) as governing_offense_sub_type,
        coalesce(recidivism.offense_severity, {{ unknown_value('offense') }}) as governing_offense_severity,
        followups.is_rearraignment,
        followups.is_reconviction,
        followups.is_reincarceration,
        {{ record_fingerprint('recidivism.release_key') }} as record_fingerprint
    from followups
    inner join recidivism on followups.release_key = recidivism.release_key
    {{ public_place_joins('recidivism') }}
)

select * from final
