-- R-RACE-1..3, R-ETH-1: the displayed race of every (source system, race code), with the conformed list's
-- order. Race and ethnicity are separate: dim_ethnicity holds the latter.
with

race_codes as (
    select * from {{ ref('race_codes') }}
),

race_order as (
    select
        race,
        row_number() over (order by race) as race_sort_order
    from (select distinct race from race_codes) as races
),

final as (
    select
        {{ dbt.concat(["race_codes.source_system", "':'", "race_codes.source_code"]) }} as race_key,
        race_codes.source_system,
        race_codes.source_code,
        race_codes.source_label,
        race_codes.race,
        race_order.race_sort_order,
        race_codes.rationale
    from race_codes
    inner join race_order
        on race_codes.race = race_order.race
)

select * from final
