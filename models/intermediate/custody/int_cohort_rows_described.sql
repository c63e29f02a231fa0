-- Every row kept in a custody cohort (int_cohort_rows_screened with no exclusion reason), described at its own
-- cohort date (docs/rules.md section 3): agency and facility type, offender status, demographics (R-AGE-1, R-RACE-1..3,
-- R-ETH-1, R-SEX-1, R-SELF-1), governing offense or leading charge (R-CHG-1..4), incarceration time (R-INC-1..3),
-- continuous custody admission date (R-CC-1) and program enrollments (R-PRG-1, R-PRG-2). The cohort marts select
-- their cohort from it, so each dimension is decided once for all of them.
with

cohort_rows as (
    select * from {{ ref('int_cohort_rows_screened') }}
    where exclusion_reason_code is null
),

periods as (
    select * from {{ ref('int_custody_periods_normalized') }}
),

demographics as (
    select * from {{ ref('int_person_demographics_conformed') }}
),

ims_placements as (
    select * from {{ ref('stg_ims__placements') }}
),

facility_type_codes as (
    select * from {{ ref('facility_type_codes') }}
),

governing_offenses as (
    select * from {{ ref('int_governing_offenses_selected') }}
),

leading_charges as (
    select * from {{ ref('int_leading_charges_selected') }}
),

charges as (
    select * from {{ ref('int_charges_conformed') }}
),

enrollments as (
    select * from {{ ref('int_program_enrollments_grouped') }}
),

-- R-CHG-5: what an admission's charges tell when no charge governs (delivered at all; docket found)
admission_charges as (
    select
        admission_key,
        {{ dbt.bool_or('filing_date is not null') }} as has_docket_found
    from charges
    group by admission_key
),

linked as (
    select * from {{ ref('int_person_records_linked') }}
),

described_rows as (
    select
        cohort_rows.cohort,
        cohort_rows.cohort_row_key,
        cohort_rows.cohort_date,
        cohort_rows.person_key,
        periods.status_key,
        periods.admission_key,
        periods.source_system,
        periods.source_person_id,
        periods.agency_code,
        periods.facility_type_code as status_facility_type_code,
        periods.offender_status,
        periods.is_parole_violator,
        periods.admission_date,
        periods.release_date,
        periods.admission_type,
        periods.release_type,
        periods.is_release_to_community,
        periods.reproductive_health_status,
        periods.primary_caretaker_status,
        {{ age_at('periods.birth_date', 'cohort_rows.cohort_date') }} as age_at_cohort_date,
        periods.most_recent_admission_date,
        periods.most_recent_admission_basis,
        periods.continuous_custody_admission_date,
        periods.custody_episode_start_date
    from cohort_rows
    inner join periods
        on cohort_rows.status_key = periods.status_key
),

-- DOC facility type: the security level of the IMS placement the person was in on the cohort date
doc_facility_types as (
    select
        described_rows.cohort_row_key,
        described_rows.cohort,
        max(facility_type_codes.facility_type_code) as facility_type_code
    from described_rows
    inner join ims_placements
        on
            described_rows.admission_key = {{ source_key("'ims'", 'ims_placements.ims_admission_id') }}
            and ims_placements.placement_start_date <= described_rows.cohort_date
            and coalesce(ims_placements.placement_end_date, cast('9999-12-31' as date)) >= described_rows.cohort_date
    inner join facility_type_codes
        on
            facility_type_codes.source_system = 'ims'
            and ims_placements.security_level_code = facility_type_codes.source_code
    group by described_rows.cohort_row_key, described_rows.cohort
),

-- R-CHG-3 narrowed to the dockets open on the cohort date (filed by then, a charge not yet disposed of);
-- the selection is the one macro leading_charge_rank (felony first, earliest filing date, lowest charge number)
pretrial_charges as (
    select
        described_rows.cohort_row_key,
        described_rows.cohort,
        described_rows.cohort_date,
        charges.source_charge_id,
        charges.docket_number,
        charges.filing_date,
        charges.charge_number,
        charges.offense_type,
        charges.offense_sub_type,
        charges.severity,
        max(coalesce(charges.first_disposition_date, cast('9999-12-31' as date))) over (
            partition by described_rows.cohort, described_rows.cohort_row_key, charges.docket_number
        ) as docket_last_disposition_date
    from described_rows
    inner join charges
        on described_rows.admission_key = charges.admission_key
    where described_rows.offender_status = 'Pretrial'
),

open_docket_charges as (
    select
        cohort_row_key,
        cohort,
        offense_type,
        offense_sub_type,
        severity,
        {{ leading_charge_rank('cohort, cohort_row_key') }} as leading_rank
    from pretrial_charges
    where
        coalesce(filing_date, cohort_date) <= cohort_date
        and docket_last_disposition_date >= cohort_date
),

-- R-PRG-1: enrollments at the agency that began between the continuous custody admission date and the
-- cohort date (snapshot or release), current and past, completed or not; R-PRG-2: counted per program group
enrollments_linked as (
    select
        enrollments.enrollment_key,
        enrollments.agency_code,
        enrollments.program_group,
        enrollments.enrollment_date,
        linked.person_key
    from enrollments
    inner join linked
        on enrollments.source_person_key = {{ source_key('linked.source_system', 'linked.source_record_id') }}
    where linked.person_key is not null
),

program_counts as (
    select
        described_rows.cohort,
        described_rows.cohort_row_key,
        {% for program_group in program_groups() %}
            sum(case when enrollments_linked.program_group = '{{ program_group }}' then 1 else 0 end)
                as {{ program_group_count_column(program_group) }},
        {% endfor %}
        count(enrollments_linked.enrollment_key) as program_enrollment_count
    from described_rows
    -- a left join (a row without enrollments counts zero either way): as an inner join DuckDB joined the rows to
    -- every record of their person first (3.4 M rows at scale 1.0) and matched the enrollments after
    left join enrollments_linked
        on
            described_rows.person_key = enrollments_linked.person_key
            and described_rows.agency_code = enrollments_linked.agency_code
            and enrollments_linked.enrollment_date
            between described_rows.continuous_custody_admission_date and described_rows.cohort_date
    where described_rows.cohort in ('custodial', 'releases', 'recidivism')
    group by described_rows.cohort, described_rows.cohort_row_key
),

-- R-AGE-1 once an age, not once a row: the macro's subquery over every row made DuckDB store the rows whole
cohort_age_groups as (
    select
        cohort_ages.age_at_cohort_date,
        {{ age_group('cohort_ages.age_at_cohort_date') }} as age_group
    from (select distinct age_at_cohort_date from described_rows) as cohort_ages
),

final as (
    select
        described_rows.cohort,
        described_rows.cohort_row_key,
        described_rows.cohort_date,
        described_rows.person_key,
        described_rows.status_key,
        described_rows.admission_key,
        described_rows.source_system,
        described_rows.agency_code,
        coalesce(doc_facility_types.facility_type_code, described_rows.status_facility_type_code)
            as facility_type_code,
        described_rows.offender_status,
        described_rows.is_parole_violator,
        described_rows.admission_date,
        described_rows.release_date,
        described_rows.admission_type,
        described_rows.release_type,
        described_rows.is_release_to_community,
        -- R-AGE-1
        described_rows.age_at_cohort_date,
        cohort_age_groups.age_group,
        -- R-SEX-1, R-RACE-3 (race as recorded by the system holding the person), R-ETH-1, R-SELF-1
        coalesce(demographics.assigned_sex, {{ unknown_value('assigned_sex') }}) as assigned_sex,
        coalesce(demographics.gender_identity, {{ unknown_value('gender_identity') }}) as gender_identity,
        coalesce(demographics.race, {{ unknown_value('race') }}) as race,
        coalesce(demographics.ethnicity, {{ unknown_value('ethnicity') }}) as ethnicity,
        described_rows.reproductive_health_status,
        described_rows.primary_caretaker_status,
        -- R-CHG-4: governing offense for the sentenced, leading charge (open dockets) for the pretrial
        case
            when described_rows.offender_status = 'Sentenced' then 'governing_offense'
            when described_rows.offender_status = 'Pretrial' then 'leading_charge'
        end as offense_basis,
        -- R-CHG-5: why a sentenced row has no governing offense (seed offense_unknown_reasons)
        case
            when described_rows.offender_status != 'Sentenced' or governing_offenses.admission_key is not null
                then null
            when admission_charges.admission_key is null then 'no_charges_delivered'
            when not admission_charges.has_docket_found then 'docket_not_found'
            else 'no_sentence_recorded'
        end as offense_unknown_reason,
        case
            when described_rows.offender_status = 'Sentenced' then governing_offenses.offense_type
            when described_rows.offender_status = 'Pretrial'
                then coalesce(open_docket_charges.offense_type, leading_charges.offense_type)
        end as offense_type,
        case
            when described_rows.offender_status = 'Sentenced' then governing_offenses.offense_sub_type
            when described_rows.offender_status = 'Pretrial'
                then coalesce(open_docket_charges.offense_sub_type, leading_charges.offense_sub_type)
        end as offense_sub_type,
        case
            when described_rows.offender_status = 'Sentenced' then governing_offenses.severity
            when described_rows.offender_status = 'Pretrial'
                then coalesce(open_docket_charges.severity, leading_charges.severity)
        end as offense_severity,
        -- R-INC-1..3: from the most recent admission to the cohort date (snapshot or release), both counted
        described_rows.most_recent_admission_date,
        described_rows.most_recent_admission_basis,
        case
            when described_rows.cohort in ('custodial', 'releases', 'recidivism')
                then {{ inclusive_days('described_rows.most_recent_admission_date', 'described_rows.cohort_date') }}
        end as incarceration_days,
        -- R-CC-1
        described_rows.continuous_custody_admission_date,
        described_rows.custody_episode_start_date,
        -- R-PRG-2: zero when none
        {% for program_group in program_groups() %}
            coalesce(program_counts.{{ program_group_count_column(program_group) }}, 0)
                as {{ program_group_count_column(program_group) }},
        {% endfor %}
        coalesce(program_counts.program_enrollment_count, 0) as program_enrollment_count
    from described_rows
    left join doc_facility_types
        on
            described_rows.cohort = doc_facility_types.cohort
            and described_rows.cohort_row_key = doc_facility_types.cohort_row_key
    left join demographics
        on
            described_rows.source_system = demographics.source_system
            and described_rows.source_person_id = demographics.source_record_id
    -- R-CHG-5: the governing offense as it stands on the cohort date (a later sentence does not count yet)
    left join governing_offenses
        on
            described_rows.admission_key = governing_offenses.admission_key
            and coalesce(governing_offenses.valid_from_date, described_rows.cohort_date) <= described_rows.cohort_date
            and (
                governing_offenses.valid_to_date is null
                or described_rows.cohort_date < governing_offenses.valid_to_date
            )
    left join cohort_age_groups
        on described_rows.age_at_cohort_date = cohort_age_groups.age_at_cohort_date
    left join admission_charges
        on described_rows.admission_key = admission_charges.admission_key
    left join leading_charges
        on described_rows.admission_key = leading_charges.admission_key
    left join open_docket_charges
        on
            described_rows.cohort = open_docket_charges.cohort
            and described_rows.cohort_row_key = open_docket_charges.cohort_row_key
            and open_docket_charges.leading_rank = 1
    left join program_counts
        on
            described_rows.cohort = program_counts.cohort
            and described_rows.cohort_row_key = program_counts.cohort_row_key
)

select * from final
