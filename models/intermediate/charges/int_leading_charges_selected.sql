-- R-CHG-3 (with R-OFF-5): the leading charge of each admission, for pretrial people.
-- The first felony charge on the docket with the earliest filing date and the lowest charge number; if there is
-- none, the first misdemeanor charge, same ordering. The citation reported is the amended one when amended.
with

charges as (
    select * from {{ ref('int_charges_conformed') }}
),

ranked as (
    select
        *,
        {{ charge_severity_tier('severity') }} as selection_tier,
        {{ leading_charge_rank('admission_key') }} as selection_rank
    from charges
),

final as (
    select
        {% for column in selected_charge_columns() %}
            {{ column }},
        {% endfor %}
        {{ charge_severity_basis('selection_tier') }} as selection_basis
    from ranked
    where selection_rank = 1
)

select * from final
