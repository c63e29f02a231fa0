-- Every event of every staged row of the event-bearing landing files, with the person-bearing record it belongs
-- to (null when the parent row it hangs from was not staged) and the file it came from. The restricted person
-- timeline is its linked subset; the landing reconciliation accounts for every row through it (SPEC R-EX-2).
with

ims_admissions as (
    select * from {{ ref('stg_ims__admissions') }}
),

ims_statuses as (
    select * from {{ ref('stg_ims__statuses') }}
),

ims_placements as (
    select * from {{ ref('stg_ims__placements') }}
),

ims_sentences as (
    select * from {{ ref('stg_ims__sentences') }}
),

ims_charges as (
    select * from {{ ref('stg_ims__charges') }}
),

oms_charges as (
    select * from {{ ref('stg_oms__charges') }}
),

jms_charges as (
    select * from {{ ref('stg_jms__charges') }}
),

ims_programs as (
    select * from {{ ref('stg_ims__program_enrollments') }}
),

ims_compas as (
    select * from {{ ref('stg_ims__compas_assessments') }}
),

oms_bookings as (
    select * from {{ ref('stg_oms__bookings') }}
),

oms_statuses as (
    select * from {{ ref('stg_oms__custody_statuses') }}
),

oms_programs as (
    select * from {{ ref('stg_oms__program_enrollments') }}
),

oms_assessments as (
    select * from {{ ref('stg_oms__assessments') }}
),

oms_inmates as (
    select * from {{ ref('stg_oms__inmates') }}
),

jms_commitments as (
    select * from {{ ref('stg_jms__commitments') }}
),

jms_statuses as (
    select * from {{ ref('stg_jms__status_history') }}
),

jms_programs as (
    select * from {{ ref('stg_jms__program_enrollments') }}
),

jms_assessments as (
    select * from {{ ref('stg_jms__assessments') }}
),

jms_inmates as (
    select * from {{ ref('stg_jms__inmates') }}
),

court_dockets as (
    select * from {{ ref('stg_masscourts__dockets') }}
),

court_charges as (
    select * from {{ ref('stg_masscourts__charges') }}
),

court_events as (
    select * from {{ ref('stg_masscourts__events') }}
),

court_dispositions as (
    select * from {{ ref('stg_masscourts__dispositions') }}
),

parole_supervision as (
    select * from {{ ref('stg_parole__supervision_periods') }}
),

parole_violations as (
    select * from {{ ref('stg_parole__violations') }}
),

parole_assessments as (
    select * from {{ ref('stg_parole__lscmi_assessments') }}
),

probation_supervision as (
    select * from {{ ref('stg_probation__supervision_periods') }}
),

probation_assessments as (
    select * from {{ ref('stg_probation__oras_assessments') }}
),

events as (
    -- DOC (IMS)
    select
        'ims' as source_system,
        'IMS_ADMISSION.csv' as file_name,
        ims_offender_id as person_record_id,
        'DOC' as agency,
        'admission' as event_type,
        admission_date as event_date,
        admission_type_code as event_code,
        ims_admission_id as source_event_id
    from ims_admissions
    union all
    select
        'ims' as source_system,
        'IMS_ADMISSION.csv' as file_name,
        ims_offender_id as person_record_id,
        'DOC' as agency,
        'release' as event_type,
        release_date as event_date,
        release_type_code as event_code,
        ims_admission_id as source_event_id
    from ims_admissions
    where release_date is not null
    union all
    select
        'ims' as source_system,
        'IMS_STATUS.csv' as file_name,
        ims_admissions.ims_offender_id as person_record_id,
        'DOC' as agency,
        'status change' as event_type,
        ims_statuses.status_start_date as event_date,
        ims_statuses.offender_status_code as event_code,
        ims_statuses.ims_status_id as source_event_id
    from ims_statuses
    left join ims_admissions on ims_statuses.ims_admission_id = ims_admissions.ims_admission_id
    union all
    select
        'ims' as source_system,
        'IMS_PLACEMENT.csv' as file_name,
        ims_admissions.ims_offender_id as person_record_id,
        'DOC' as agency,
        'placement' as event_type,
        ims_placements.placement_start_date as event_date,
        ims_placements.security_level_code as event_code,
        ims_placements.ims_placement_id as source_event_id
    from ims_placements
    left join ims_admissions on ims_placements.ims_admission_id = ims_admissions.ims_admission_id
    union all
    select
        'ims' as source_system,
        'IMS_PROGRAM.csv' as file_name,
        ims_offender_id as person_record_id,
        'DOC' as agency,
        'program enrollment' as event_type,
        enrollment_date as event_date,
        program_code as event_code,
        ims_enrollment_id as source_event_id
    from ims_programs
    union all
    select
        'ims' as source_system,
        'IMS_COMPAS.csv' as file_name,
        ims_offender_id as person_record_id,
        'DOC' as agency,
        'assessment' as event_type,
        assessment_date as event_date,
        'COMPAS ' || coalesce(risk_level_code, 'no level') as event_code,
        ims_assessment_id as source_event_id
    from ims_compas
    -- Sheriffs (OMS)
    union all
    select
        'oms' as source_system,
        'Booking.csv' as file_name,
        oms_inmate_id as person_record_id,
        site_code as agency,
        'admission' as event_type,
        booking_date as event_date,
        booking_reason_code as event_code,
        oms_booking_id as source_event_id
    from oms_bookings
    union all
    select
        'oms' as source_system,
        'Booking.csv' as file_name,
        oms_inmate_id as person_record_id,
        site_code as agency,
        'release' as event_type,
        release_date as event_date,
        release_reason_code as event_code,
        oms_booking_id as source_event_id
    from oms_bookings
    where release_date is not null
    union all
    select
        'oms' as source_system,
        'CustodyStatus.csv' as file_name,
        oms_bookings.oms_inmate_id as person_record_id,
        oms_bookings.site_code as agency,
        'status change' as event_type,
        oms_statuses.status_start_date as event_date,
        oms_statuses.custody_status_code as event_code,
        oms_statuses.oms_status_id as source_event_id
    from oms_statuses
    left join oms_bookings on oms_statuses.oms_booking_id = oms_bookings.oms_booking_id
    union all
    select
        'oms' as source_system,
        'ProgramEnrollment.csv' as file_name,
        oms_bookings.oms_inmate_id as person_record_id,
        oms_bookings.site_code as agency,
        'program enrollment' as event_type,
        oms_programs.enrollment_date as event_date,
        oms_programs.program_code as event_code,
        oms_programs.oms_enrollment_id as source_event_id
    from oms_programs
    left join oms_bookings on oms_programs.oms_booking_id = oms_bookings.oms_booking_id
    union all
    select
        'oms' as source_system,
        'Assessment.csv' as file_name,
        oms_assessments.oms_inmate_id as person_record_id,
        oms_inmates.site_code as agency,
        'assessment' as event_type,
        oms_assessments.assessment_date as event_date,
        oms_assessments.instrument_code as event_code,
        oms_assessments.oms_assessment_id as source_event_id
    from oms_assessments
    left join oms_inmates on oms_assessments.oms_inmate_id = oms_inmates.oms_inmate_id
    -- Sheriffs (JMS)
    union all
    select
        'jms' as source_system,
        'commitments.csv' as file_name,
        jms_person_id as person_record_id,
        agency_code as agency,
        'admission' as event_type,
        cast(commitment_at as date) as event_date,
        commit_reason_code as event_code,
        jms_commitment_id as source_event_id
    from jms_commitments
    union all
    select
        'jms' as source_system,
        'commitments.csv' as file_name,
        jms_person_id as person_record_id,
        agency_code as agency,
        'release' as event_type,
        cast(release_at as date) as event_date,
        release_reason_code as event_code,
        jms_commitment_id as source_event_id
    from jms_commitments
    where release_at is not null
    union all
    select
        'jms' as source_system,
        'status_history.csv' as file_name,
        jms_commitments.jms_person_id as person_record_id,
        jms_commitments.agency_code as agency,
        'status change' as event_type,
        cast(jms_statuses.status_start_at as date) as event_date,
        jms_statuses.status_code as event_code,
        jms_statuses.jms_status_history_id as source_event_id
    from jms_statuses
    left join jms_commitments on jms_statuses.jms_commitment_id = jms_commitments.jms_commitment_id
    union all
    select
        'jms' as source_system,
        'programs.csv' as file_name,
        jms_commitments.jms_person_id as person_record_id,
        jms_commitments.agency_code as agency,
        'program enrollment' as event_type,
        jms_programs.enrollment_date as event_date,
        jms_programs.program_code as event_code,
        jms_programs.jms_enrollment_id as source_event_id
    from jms_programs
    left join jms_commitments on jms_programs.jms_commitment_id = jms_commitments.jms_commitment_id
    union all
    select
        'jms' as source_system,
        'assessments.csv' as file_name,
        jms_assessments.jms_person_id as person_record_id,
        jms_inmates.agency_code as agency,
        'assessment' as event_type,
        jms_assessments.assessment_date as event_date,
        jms_assessments.instrument_name as event_code,
        jms_assessments.jms_assessment_id as source_event_id
    from jms_assessments
    left join jms_inmates on jms_assessments.jms_person_id = jms_inmates.jms_person_id
    -- Trial Court (MassCourts): the docket is the person-bearing record
    union all
    select
        'masscourts' as source_system,
        'dockets.csv' as file_name,
        docket_number as person_record_id,
        court_code as agency,
        'docket filed' as event_type,
        filing_date as event_date,
        null as event_code,
        docket_number as source_event_id
    from court_dockets
    union all
    select
        'masscourts' as source_system,
        'events.csv' as file_name,
        court_dockets.docket_number as person_record_id,
        court_dockets.court_code as agency,
        'court event' as event_type,
        court_events.event_date,
        court_events.event_type_code as event_code,
        court_events.masscourts_event_id as source_event_id
    from court_events
    left join court_dockets on court_events.docket_number = court_dockets.docket_number
    union all
    select
        'masscourts' as source_system,
        'dispositions.csv' as file_name,
        court_dockets.docket_number as person_record_id,
        court_dockets.court_code as agency,
        'disposition' as event_type,
        court_dispositions.disposition_date as event_date,
        court_dispositions.disposition_code as event_code,
        court_dispositions.masscourts_disposition_id as source_event_id
    from court_dispositions
    left join court_charges on court_dispositions.masscourts_charge_id = court_charges.masscourts_charge_id
    left join court_dockets on court_charges.docket_number = court_dockets.docket_number
    -- Parole
    union all
    select
        'parole' as source_system,
        'supervision.csv' as file_name,
        parolee_id as person_record_id,
        'Parole' as agency,
        'supervision start' as event_type,
        supervision_start_date as event_date,
        null as event_code,
        parole_supervision_id as source_event_id
    from parole_supervision
    union all
    select
        'parole' as source_system,
        'supervision.csv' as file_name,
        parolee_id as person_record_id,
        'Parole' as agency,
        'supervision end' as event_type,
        supervision_end_date as event_date,
        supervision_end_code as event_code,
        parole_supervision_id as source_event_id
    from parole_supervision
    where supervision_end_date is not null
    union all
    select
        'parole' as source_system,
        'violations.csv' as file_name,
        parole_supervision.parolee_id as person_record_id,
        'Parole' as agency,
        'violation' as event_type,
        parole_violations.violation_date as event_date,
        parole_violations.violation_type_code as event_code,
        parole_violations.parole_violation_id as source_event_id
    from parole_violations
    left join parole_supervision
        on parole_violations.parole_supervision_id = parole_supervision.parole_supervision_id
    union all
    select
        'parole' as source_system,
        'lscmi.csv' as file_name,
        parolee_id as person_record_id,
        'Parole' as agency,
        'assessment' as event_type,
        assessment_date as event_date,
        'LS/CMI' as event_code,
        parole_assessment_id as source_event_id
    from parole_assessments
    -- Probation
    union all
    select
        'probation' as source_system,
        'SUPERVISION.csv' as file_name,
        probationer_id as person_record_id,
        'Probation' as agency,
        'supervision start' as event_type,
        supervision_start_date as event_date,
        supervision_type_code as event_code,
        probation_supervision_id as source_event_id
    from probation_supervision
    union all
    select
        'probation' as source_system,
        'SUPERVISION.csv' as file_name,
        probationer_id as person_record_id,
        'Probation' as agency,
        'supervision end' as event_type,
        supervision_end_date as event_date,
        supervision_end_code as event_code,
        probation_supervision_id as source_event_id
    from probation_supervision
    where supervision_end_date is not null
    union all
    select
        'probation' as source_system,
        'ORAS_ASSESSMENT.csv' as file_name,
        probationer_id as person_record_id,
        'Probation' as agency,
        'assessment' as event_type,
        assessment_date as event_date,
        instrument_code as event_code,
        probation_assessment_id as source_event_id
    from probation_assessments
    union all
    select
        'ims' as source_system,
        'IMS_SENTENCE.csv' as file_name,
        ims_admissions.ims_offender_id as person_record_id,
        'DOC' as agency,
        'sentence' as event_type,
        coalesce(ims_sentences.sentence_date, ims_admissions.admission_date) as event_date,
        null as event_code,
        ims_sentences.ims_sentence_id as source_event_id
    from ims_sentences
    left join ims_admissions on ims_sentences.ims_admission_id = ims_admissions.ims_admission_id
    union all
    select
        'ims' as source_system,
        'IMS_CHARGE.csv' as file_name,
        ims_admissions.ims_offender_id as person_record_id,
        'DOC' as agency,
        'charge' as event_type,
        coalesce(ims_sentences.sentence_date, ims_admissions.admission_date) as event_date,
        ims_charges.statute_citation as event_code,
        ims_charges.ims_charge_id as source_event_id
    from ims_charges
    left join ims_sentences on ims_charges.ims_sentence_id = ims_sentences.ims_sentence_id
    left join ims_admissions on ims_sentences.ims_admission_id = ims_admissions.ims_admission_id
    union all
    select
        'oms' as source_system,
        'Charge.csv' as file_name,
        oms_bookings.oms_inmate_id as person_record_id,
        oms_bookings.site_code as agency,
        'charge' as event_type,
        oms_bookings.booking_date as event_date,
        oms_charges.statute_citation as event_code,
        oms_charges.oms_charge_id as source_event_id
    from oms_charges
    left join oms_bookings on oms_charges.oms_booking_id = oms_bookings.oms_booking_id
    union all
    select
        'jms' as source_system,
        'charges.csv' as file_name,
        jms_commitments.jms_person_id as person_record_id,
        jms_commitments.agency_code as agency,
        'charge' as event_type,
        cast(jms_commitments.commitment_at as date) as event_date,
        jms_charges.statute_citation as event_code,
        jms_charges.jms_charge_id as source_event_id
    from jms_charges
    left join jms_commitments on jms_charges.jms_commitment_id = jms_commitments.jms_commitment_id
    union all
    select
        'masscourts' as source_system,
        'charges.csv' as file_name,
        court_dockets.docket_number as person_record_id,
        court_dockets.court_code as agency,
        'charge' as event_type,
        court_dockets.filing_date as event_date,
        coalesce(court_charges.amended_statute_citation, court_charges.statute_citation) as event_code,
        court_charges.masscourts_charge_id as source_event_id
    from court_charges
    left join court_dockets on court_charges.docket_number = court_dockets.docket_number
),

final as (
    select * from events
)

select * from final
