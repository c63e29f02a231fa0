-- R-CHG-2 (with R-OFF-5): the governing offense of each admission, for sentenced people.
-- Where IMS flags one, that one. Otherwise the first felony charge that resulted in a sentence to incarceration,
-- on the docket with the earliest filing date and the lowest docket number; if there is none, the first
-- misdemeanor charge on the docket with the earliest filing date, lowest charge number. The citation reported
-- is the amended one when the charge was amended.
with

charges as (
    select * from {{ ref('int_charges_conformed') }}
),

candidates as (
    select
        *,
        -- 0: flagged by IMS; then the severity tier (felony 1, misdemeanor 2, unknown 3)
        case when is_governing_flag then 0 else {{ charge_severity_tier('severity') }} end as selection_tier
    from charges
    where
        is_governing_flag
        or is_sentenced_to_incarceration
),

ranked as (
    select
        *,
        row_number() over (
            partition by admission_key
            order by
                selection_tier,
                filing_date nulls last,
                -- felonies: lowest docket number first; misdemeanors: lowest charge number first
                case when selection_tier = 2 then charge_number end nulls last,
                docket_number nulls last,
                charge_number nulls last,
                source_charge_id
        ) as selection_rank
    from candidates
),

final as (
    select
        {% for column in selected_charge_columns() %}
            {{ column }},
        {% endfor %}
        case
            when selection_tier = 0 then 'ims_governing_flag'
            else {{ charge_severity_basis('selection_tier') }}
        end as selection_basis
    from ranked
    where selection_rank = 1
)

select * from final
