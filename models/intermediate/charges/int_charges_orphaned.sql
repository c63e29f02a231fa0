-- R-EX-2: custodial charges that cannot be attached to an admission because the row they hang from (an IMS
-- sentence) was rejected in staging. They are kept out of the charge rules and listed here with the reason, so
-- the reconciliation can account for them.
with

ims_charges as (
    select * from {{ ref('stg_ims__charges') }}
),

ims_sentences as (
    select * from {{ ref('stg_ims__sentences') }}
),

final as (
    select
        'ims' as source_system,
        'IMS_CHARGE.csv' as file_name,
        ims_charges.ims_charge_id as source_charge_id,
        ims_charges.landing_row,
        'sentence ' || ims_charges.ims_sentence_id || ' not staged' as exclusion_reason
    from ims_charges
    left join ims_sentences on ims_charges.ims_sentence_id = ims_sentences.ims_sentence_id
    where ims_sentences.ims_sentence_id is null
)

select * from final
