-- R-CHG-1, R-OFF-1..5: every charge a custodial agency holds against an admission (IMS sentence charges,
-- OMS and JMS booking charges), linked to the Trial Court's docket (filing date) and charge (amendment,
-- severity, disposition), with the reported citation (the amended one if amended) classified by the statute map,
-- or by its chapter's default when the map does not know it. The input of the governing and leading rules.
-- R-CHG-5: a charge is sentenced to incarceration from the date of its first court sentence to incarceration,
-- original or imposed later (int_court_incarceration_sentences); held so by the custodial agency, from admission.
with

ims_charges as (
    select * from {{ ref('stg_ims__charges') }}
),

ims_sentences as (
    select * from {{ ref('stg_ims__sentences') }}
),

oms_charges as (
    select * from {{ ref('stg_oms__charges') }}
),

jms_charges as (
    select * from {{ ref('stg_jms__charges') }}
),

court_dockets as (
    select * from {{ ref('stg_masscourts__dockets') }}
),

court_charges as (
    select * from {{ ref('stg_masscourts__charges') }}
),

court_dispositions as (
    select * from {{ ref('stg_masscourts__dispositions') }}
),

disposition_codes as (
    select * from {{ ref('court_dispositions') }}
),

severity_codes as (
    select * from {{ ref('court_severities') }}
),

statute_map as (
    select * from {{ ref('statute_offense_map') }}
),

statute_chapters as (
    select * from {{ ref('statute_chapters') }}
),

other_chapter as (
    select
        offense_type,
        fallback_offense_sub_type
    from statute_chapters
    where chapter = 'OTHER'
),

custodial_charges as (
    select
        'ims' as source_system,
        ims_sentences.ims_admission_id as source_admission_id,
        ims_charges.ims_charge_id as source_charge_id,
        coalesce(ims_charges.docket_number, ims_sentences.docket_number) as docket_number,
        ims_charges.charge_number,
        ims_charges.statute_citation,
        coalesce(ims_charges.is_governing_offense, false) as is_governing_flag,
        -- IMS holds only charges a sentence to DOC custody was imposed on
        true as is_sentenced_charge
    from ims_charges
    left join ims_sentences
        on ims_charges.ims_sentence_id = ims_sentences.ims_sentence_id

    union all

    select
        'oms' as source_system,
        oms_charges.oms_booking_id as source_admission_id,
        oms_charges.oms_charge_id as source_charge_id,
        oms_charges.docket_number,
        oms_charges.charge_number,
        oms_charges.statute_citation,
        -- OMS and JMS carry no governing offense designation (R-CHG-2)
        cast(null as boolean) as is_governing_flag,
        oms_charges.is_sentenced_charge
    from oms_charges

    union all

    select
        'jms' as source_system,
        jms_charges.jms_commitment_id as source_admission_id,
        jms_charges.jms_charge_id as source_charge_id,
        jms_charges.docket_number,
        jms_charges.charge_number,
        jms_charges.statute_citation,
        cast(null as boolean) as is_governing_flag,
        jms_charges.is_sentenced_charge
    from jms_charges
),

court_sentences as (
    select * from {{ ref('int_court_incarceration_sentences') }}
),

court_charge_sentences as (
    select
        masscourts_charge_id,
        min(sentence_date) as court_sentence_date,
        count(*) as court_sentence_count
    from court_sentences
    group by masscourts_charge_id
),

court_charge_outcomes as (
    select
        court_dispositions.masscourts_charge_id,
        min(court_dispositions.disposition_date) as first_disposition_date,
        {{ dbt.bool_or('coalesce(disposition_codes.is_conviction, false)') }} as is_convicted
    from court_dispositions
    left join disposition_codes
        on court_dispositions.disposition_code = disposition_codes.disposition_code
    group by court_dispositions.masscourts_charge_id
),

linked as (
    select
        custodial_charges.source_system,
        custodial_charges.source_admission_id,
        custodial_charges.source_charge_id,
        custodial_charges.docket_number,
        court_dockets.filing_date,
        custodial_charges.charge_number,
        court_charges.masscourts_charge_id,
        {{ normalize_citation('coalesce(custodial_charges.statute_citation, court_charges.statute_citation)') }}
            as statute_citation,
        {{ normalize_citation('court_charges.amended_statute_citation') }} as amended_statute_citation,
        severity_codes.severity as court_severity,
        custodial_charges.is_governing_flag,
        custodial_charges.is_sentenced_charge,
        court_charge_outcomes.is_convicted,
        court_charge_sentences.court_sentence_date,
        coalesce(court_charge_sentences.court_sentence_count, 0) as court_sentence_count,
        court_charge_outcomes.first_disposition_date
    from custodial_charges
    left join court_dockets
        on custodial_charges.docket_number = court_dockets.docket_number
    left join court_charges
        on
            custodial_charges.docket_number = court_charges.docket_number
            and custodial_charges.charge_number = court_charges.charge_number
    left join severity_codes
        on court_charges.severity_code = severity_codes.severity_code
    left join court_charge_outcomes
        on court_charges.masscourts_charge_id = court_charge_outcomes.masscourts_charge_id
    left join court_charge_sentences
        on court_charges.masscourts_charge_id = court_charge_sentences.masscourts_charge_id
    -- A charge whose sentence row was rejected in staging has no admission: it is listed with its reason in
    -- int_charges_orphaned, not here (R-EX-2).
    where custodial_charges.source_admission_id is not null
),

reported as (
    select
        *,
        -- R-OFF-5: if a charge was amended, the amended charge is the one reported
        amended_statute_citation is not null as is_amended,
        coalesce(amended_statute_citation, statute_citation) as reported_statute_citation
    from linked
),

-- R-OFF-4 and R-OFF-1 once a citation, not once a charge (96 citations for 1.4 M charges at scale 1.0)
citation_offenses as (
    select
        citations.reported_statute_citation,
        -- R-OFF-4: the statute map, else the chapter's default type with its "Other" sub-type
        coalesce(
            statute_map.statute_citation,
            {{ dbt.concat(["'fallback:'", "coalesce(statute_chapters.chapter, 'OTHER')"]) }}
        ) as offense_key,
        coalesce(
            statute_map.offense_type, statute_chapters.offense_type, other_chapter.offense_type
        ) as offense_type,
        coalesce(
            statute_map.offense_sub_type,
            statute_chapters.fallback_offense_sub_type,
            other_chapter.fallback_offense_sub_type
        ) as offense_sub_type,
        statute_map.statute_citation is not null as is_offense_mapped,
        statute_map.severity as statute_severity
    from (select distinct reported_statute_citation from reported) as citations
    left join statute_map
        on citations.reported_statute_citation = statute_map.statute_citation
    left join statute_chapters
        on {{ citation_chapter('citations.reported_statute_citation') }} = statute_chapters.chapter
    cross join other_chapter
),

classified as (
    select
        {{ source_key('reported.source_system', 'reported.source_admission_id') }} as admission_key,
        reported.source_system,
        reported.source_admission_id,
        reported.source_charge_id,
        reported.docket_number,
        reported.filing_date,
        reported.charge_number,
        reported.masscourts_charge_id,
        reported.statute_citation,
        reported.amended_statute_citation,
        reported.is_amended,
        reported.reported_statute_citation,
        citation_offenses.offense_key,
        citation_offenses.offense_type,
        citation_offenses.offense_sub_type,
        citation_offenses.is_offense_mapped,
        -- R-OFF-1: severity describes the statute; the court's code only where the map is silent
        coalesce(citation_offenses.statute_severity, reported.court_severity) as severity,
        reported.is_governing_flag,
        -- R-CHG-1: a conviction with a sentence of incarceration, per the custodial agency or the court
        coalesce(reported.is_sentenced_charge, false)
        or reported.court_sentence_date is not null as is_sentenced_to_incarceration,
        -- R-CHG-5: from when; null when the custodial agency holds the charge as sentenced (from admission)
        case
            when not coalesce(reported.is_sentenced_charge, false) then reported.court_sentence_date
        end as sentenced_from_date,
        reported.court_sentence_date,
        reported.court_sentence_count,
        coalesce(reported.is_convicted, false) as is_convicted,
        reported.first_disposition_date
    from reported
    -- null-safe: a charge without a citation takes the 'OTHER' chapter's default like any unmapped one
    left join citation_offenses
        on reported.reported_statute_citation is not distinct from citation_offenses.reported_statute_citation
),

final as (
    select * from classified
)

select * from final
