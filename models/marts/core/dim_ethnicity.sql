-- R-ETH-1: the displayed ethnicity of every (source system, ethnicity code).
with

ethnicity_codes as (
    select * from {{ ref('ethnicity_codes') }}
),

final as (
    select
        {{ dbt.concat(["source_system", "':'", "source_code"]) }} as ethnicity_key,
        source_system,
        source_code,
        source_label,
        ethnicity
    from ethnicity_codes
)

select * from final
