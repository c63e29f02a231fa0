-- docs/rules.md section 3 (risk and needs cohort) and section 8: one row per person on each January 1 from the agency's
-- first risk cohort year (seed risk_instruments: 2020 for Parole, Probation, DOC and Hampden, 2026 for the other
-- county agencies; Bristol has no row there, so it is left out until its electronic data are published) who is
-- either sentenced in that agency's custody (the custodial cohort rows of int_cohort_rows_described, R-EX-1
-- applied there) or under Parole or Probation supervision (int_cohort_rows_screened, cohort supervision, R-EX-1
-- applied there), with the latest assessment at that agency on or before the date: instrument and risk level
-- (R-RISK-2, int_assessments_banded). Never assessed: risk level "Not Assessed", a value, not a missing row
-- (R-RISK-4). The marts risk_and_needs and risk_and_needs_subcomponents read it.
with

snapshots as (
    select * from {{ ref('int_cohort_rows_described') }}
    where cohort = 'custodial'
),

risk_instruments as (
    select * from {{ ref('risk_instruments') }}
),

screened as (
    select * from {{ ref('int_cohort_rows_screened') }}
),

linked as (
    select * from {{ ref('int_person_records_linked') }}
),

person_records as (
    select
        {{ source_key('source_system', 'source_record_id') }} as source_person_key,
        birth_date
    from {{ ref('int_person_records_unioned') }}
),

demographics as (
    select
        {{ source_key('source_system', 'source_record_id') }} as source_person_key,
        assigned_sex,
        gender_identity,
        race,
        ethnicity
    from {{ ref('int_person_demographics_conformed') }}
),

assessments as (
    select * from {{ ref('int_assessments_banded') }}
),

agency_start_years as (
    {{ risk_cohort_start_years('risk_instruments') }}
),

custody_rows as (
    select
        snapshots.cohort_date as snapshot_date,
        snapshots.person_key,
        snapshots.agency_code,
        'Sentenced in custody' as population,
        snapshots.age_group,
        snapshots.assigned_sex,
        snapshots.gender_identity,
        snapshots.race,
        snapshots.ethnicity
    from snapshots
    where snapshots.offender_status = 'Sentenced'
),

-- people under Parole or Probation supervision, screened (R-EX-1, R-SRC-3, agency start years) in
-- int_cohort_rows_screened
supervision_rows as (
    select
        screened.cohort_date as snapshot_date,
        screened.person_key,
        screened.agency_code,
        'Under supervision' as population,
        {{ age_group(age_at('person_records.birth_date', 'screened.cohort_date')) }} as age_group,
        coalesce(demographics.assigned_sex, {{ unknown_value('assigned_sex') }}) as assigned_sex,
        coalesce(demographics.gender_identity, {{ unknown_value('gender_identity') }}) as gender_identity,
        coalesce(demographics.race, {{ unknown_value('race') }}) as race,
        coalesce(demographics.ethnicity, {{ unknown_value('ethnicity') }}) as ethnicity
    from screened
    left join person_records
        on screened.source_person_key = person_records.source_person_key
    left join demographics
        on screened.source_person_key = demographics.source_person_key
    where screened.cohort = 'supervision' and screened.exclusion_reason_code is null
),

cohort_rows as (
    select
        population_rows.*
    from (
        select * from custody_rows
        union all
        select * from supervision_rows
    ) as population_rows
    inner join agency_start_years
        on population_rows.agency_code = agency_start_years.agency_code
    where extract(year from population_rows.snapshot_date) >= agency_start_years.risk_cohort_start_year
),

assessments_linked as (
    select
        assessments.*,
        linked.person_key
    from assessments
    inner join linked
        on assessments.source_person_key = {{ source_key('linked.source_system', 'linked.source_record_id') }}
    where linked.person_key is not null
),

latest_assessments as (
    select
        cohort_rows.snapshot_date,
        cohort_rows.person_key,
        cohort_rows.agency_code,
        assessments_linked.assessment_key,
        assessments_linked.assessment_date,
        assessments_linked.instrument,
        assessments_linked.version,
        assessments_linked.is_valid_score,
        assessments_linked.risk_level,
        row_number() over (
            partition by cohort_rows.person_key, cohort_rows.agency_code, cohort_rows.snapshot_date
            order by assessments_linked.assessment_date desc, assessments_linked.assessment_key desc
        ) as assessment_rank
    from cohort_rows
    inner join assessments_linked
        on
            cohort_rows.person_key = assessments_linked.person_key
            and cohort_rows.agency_code = assessments_linked.agency_code
            and assessments_linked.assessment_date <= cohort_rows.snapshot_date
),

final as (
    select
        {{ dbt.concat([
            "cohort_rows.person_key", "'|'", "cohort_rows.agency_code", "'|'",
            "cast(cohort_rows.snapshot_date as " ~ dbt.type_string() ~ ")"
        ]) }} as risk_and_needs_key,
        cohort_rows.snapshot_date,
        cohort_rows.person_key,
        cohort_rows.agency_code,
        cohort_rows.population,
        cohort_rows.age_group,
        cohort_rows.assigned_sex,
        cohort_rows.gender_identity,
        cohort_rows.race,
        cohort_rows.ethnicity,
        latest_assessments.assessment_key,
        latest_assessments.assessment_date,
        latest_assessments.instrument,
        latest_assessments.version as instrument_version,
        latest_assessments.assessment_key is not null as is_assessed,
        coalesce(latest_assessments.is_valid_score, true) as is_valid_score,
        -- R-RISK-4: never assessed is a value
        case
            when latest_assessments.assessment_key is null then 'Not Assessed'
            else latest_assessments.risk_level
        end as risk_level
    from cohort_rows
    left join latest_assessments
        on
            cohort_rows.person_key = latest_assessments.person_key
            and cohort_rows.agency_code = latest_assessments.agency_code
            and cohort_rows.snapshot_date = latest_assessments.snapshot_date
            and latest_assessments.assessment_rank = 1
)

select * from final
