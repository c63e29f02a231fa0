-- SPEC R-CHG-3 (with R-OFF-5): the leading charge of each admission, for pretrial people.
-- The first felony charge on the docket with the earliest filing date and the lowest charge number; if there is
-- none, the first misdemeanor charge, same ordering. The citation reported is the amended one when amended.
with

charges as (
    select * from {{ ref('int_charges_conformed') }}
),

candidates as (
    select
        *,
        case
            when severity = 'Felony' then 1
            when severity = 'Misdemeanor' then 2
            else 3
        end as selection_tier
    from charges
),

ranked as (
    select
        *,
        row_number() over (
            partition by admission_key
            order by {{ leading_charge_order() }}
        ) as selection_rank
    from candidates
),

final as (
    select
        admission_key,
        source_system,
        source_admission_id,
        source_charge_id,
        docket_number,
        filing_date,
        charge_number,
        statute_citation,
        amended_statute_citation,
        is_amended,
        reported_statute_citation,
        offense_key,
        offense_type,
        offense_sub_type,
        is_offense_mapped,
        severity,
        case selection_tier
            when 1 then 'first_felony'
            when 2 then 'first_misdemeanor'
            else 'first_charge_of_unknown_severity'
        end as selection_basis
    from ranked
    where selection_rank = 1
)

select * from final
