-- R-CHG-2 (with R-OFF-5, R-CHG-5): the governing offense of each admission, for sentenced people, as it
-- stands from each date on. Where IMS flags one, that one. Otherwise the first felony charge that resulted in a
-- sentence to incarceration, on the docket with the earliest filing date and the lowest docket number; if there
-- is none, the first misdemeanor charge on the docket with the earliest filing date, lowest charge number. The
-- citation reported is the amended one when the charge was amended.
-- R-CHG-5: a charge is a candidate from the date of its sentence to incarceration (original, or imposed later on
-- a violation: sentenced_from_date); a charge the custodial agency holds as sentenced is one from admission. So
-- the selection can change when a sentence is imposed during the stay: one row per admission and date it starts
-- to hold (valid_from_date; null: from admission), until the next (valid_to_date, exclusive; null: no end).
with

charges as (
    select * from {{ ref('int_charges_conformed') }}
),

candidates as (
    select
        *,
        -- 0: flagged by IMS; then the severity tier (felony 1, misdemeanor 2, unknown 3)
        case when is_governing_flag then 0 else {{ charge_severity_tier('severity') }} end as selection_tier,
        -- null: flagged, or held as sentenced by the custodial agency, so a candidate from admission
        case when not coalesce(is_governing_flag, false) then sentenced_from_date end as candidate_from_date
    from charges
    where
        is_governing_flag
        or is_sentenced_to_incarceration
),

-- the dates on which the candidates of an admission change
change_dates as (
    select distinct
        admission_key,
        candidate_from_date as valid_from_date
    from candidates
),

ranked as (
    select
        change_dates.valid_from_date,
        candidates.*,
        row_number() over (
            partition by change_dates.admission_key, change_dates.valid_from_date
            order by
                candidates.selection_tier,
                candidates.filing_date nulls last,
                -- felonies: lowest docket number first; misdemeanors: lowest charge number first
                case when candidates.selection_tier = 2 then candidates.charge_number end nulls last,
                candidates.docket_number nulls last,
                candidates.charge_number nulls last,
                candidates.source_charge_id
        ) as selection_rank
    from change_dates
    inner join candidates
        on
            change_dates.admission_key = candidates.admission_key
            and (
                candidates.candidate_from_date is null
                or candidates.candidate_from_date <= change_dates.valid_from_date
            )
),

final as (
    select
        {% for column in selected_charge_columns() %}
            {{ column }},
        {% endfor %}
        case
            when selection_tier = 0 then 'ims_governing_flag'
            else {{ charge_severity_basis('selection_tier') }}
        end as selection_basis,
        valid_from_date,
        lead(valid_from_date) over (
            partition by admission_key order by valid_from_date nulls first
        ) as valid_to_date
    from ranked
    where selection_rank = 1
)

select * from final
