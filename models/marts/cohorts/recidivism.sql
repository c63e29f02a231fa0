-- docs/rules.md section 9, recidivism cohort: one row per sentenced release to the community (R-COH-2) from 2017-01-01
-- to the end of the year three years before as_of; each release counts (R-RCD-3). For each event of R-RCD-2
-- (int_recidivism_events_defined: an event keyed after the release) and N = 1, 2, 3: whether it happened in the
-- N-year follow-up window (R-RCD-3: the day after release to the same date N years later, inclusive), null when
-- that window has not wholly passed by as_of, so rates are never computed on incomplete follow-up. Event dates
-- stay in this restricted mart.
with

described as (
    select * from {{ ref('int_cohort_rows_described') }}
    where cohort = 'recidivism'
),

events as (
    select * from {{ ref('int_recidivism_events_defined') }}
),

first_events as (
    select
        described.cohort_row_key,
        min(case when events.event_type = 'rearraignment' then events.event_date end) as first_rearraignment_date,
        min(case when events.event_type = 'reconviction' then events.event_date end) as first_reconviction_date,
        min(case when events.event_type = 'reincarceration' then events.event_date end) as first_reincarceration_date
    from described
    inner join events
        on
            described.person_key = events.person_key
            and events.key_date > described.cohort_date
            and events.event_date > described.cohort_date
    group by described.cohort_row_key
),

followed_up as (
    select
        described.*,
        first_events.first_rearraignment_date,
        first_events.first_reconviction_date,
        first_events.first_reincarceration_date,
        cast({{ dbt.dateadd('year', 1, 'described.cohort_date') }} as date) as followup_1y_end_date,
        cast({{ dbt.dateadd('year', 2, 'described.cohort_date') }} as date) as followup_2y_end_date,
        cast({{ dbt.dateadd('year', 3, 'described.cohort_date') }} as date) as followup_3y_end_date
    from described
    left join first_events
        on described.cohort_row_key = first_events.cohort_row_key
),

final as (
    select
        cohort_row_key as release_key,
        cohort_date as release_date,
        person_key,
        agency_code,
        facility_type_code,
        release_type,
        offender_status,
        is_parole_violator,
        age_group,
        assigned_sex,
        gender_identity,
        race,
        ethnicity,
        reproductive_health_status,
        primary_caretaker_status,
        offense_basis,
        offense_type,
        offense_sub_type,
        offense_severity,
        offense_unknown_reason,
        admission_date,
        most_recent_admission_date,
        incarceration_days,
        continuous_custody_admission_date,
        program_enrollment_count,
        {% for program_group in program_groups() %}
            {{ program_group_count_column(program_group) }},
        {% endfor %}
        first_rearraignment_date,
        first_reconviction_date,
        first_reincarceration_date,
        -- R-RCD-3: an N-year flag is null until its whole follow-up window has passed by as_of
        -- (one expression for every window and measure; the linter cannot follow the loop's indentation)
        -- noqa: disable=LT02
        {%- for years in [1, 2, 3] %}
        followup_{{ years }}y_end_date <= cast('{{ var("as_of") }}' as date) as has_complete_followup_{{ years }}y,
            {%- set last_window = loop.last %}
            {%- for measure in ['rearraignment', 'reconviction', 'reincarceration'] %}
        case
            when followup_{{ years }}y_end_date > cast('{{ var("as_of") }}' as date) then null
            else coalesce(first_{{ measure }}_date <= followup_{{ years }}y_end_date, false)
        end as is_{{ measure }}_within_{{ years }}y{{ '' if (last_window and loop.last) else ',' }}
            {%- endfor %}
        {%- endfor %}
    -- noqa: enable=LT02
    from followed_up
)

select * from final
