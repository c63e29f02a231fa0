-- R-CHG-1, R-CHG-5: every sentence to incarceration the Trial Court recorded on a charge, original or imposed
-- later (probation revoked, a suspended sentence imposed after a violation, a violated continuance without a
-- finding): a disposition that is a conviction with a sentence type of incarceration, dated at that decision.
with

court_dispositions as (
    select * from {{ ref('stg_masscourts__dispositions') }}
),

disposition_codes as (
    select * from {{ ref('court_dispositions') }}
),

sentence_type_codes as (
    select * from {{ ref('court_sentence_types') }}
),

charge_first_dispositions as (
    select
        masscourts_charge_id,
        min(disposition_date) as first_disposition_date
    from court_dispositions
    group by masscourts_charge_id
),

final as (
    select
        court_dispositions.masscourts_disposition_id,
        court_dispositions.masscourts_charge_id,
        court_dispositions.disposition_code,
        court_dispositions.disposition_date as sentence_date,
        court_dispositions.sentence_type_code,
        court_dispositions.sentence_days,
        -- imposed after the charge's first disposition (on a violation, R-CHG-5)
        court_dispositions.disposition_date > charge_first_dispositions.first_disposition_date
            as is_imposed_later
    from court_dispositions
    inner join disposition_codes
        on court_dispositions.disposition_code = disposition_codes.disposition_code
    inner join sentence_type_codes
        on court_dispositions.sentence_type_code = sentence_type_codes.sentence_type_code
    inner join charge_first_dispositions
        on court_dispositions.masscourts_charge_id = charge_first_dispositions.masscourts_charge_id
    where
        disposition_codes.is_conviction
        and sentence_type_codes.is_incarceration
        and court_dispositions.disposition_date is not null
)

select * from final
