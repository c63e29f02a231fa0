{{ config(materialized='view') }}
-- R-EX-2: every landing row that could not be staged (stg_landing__rejects: quarantined by the data-quality gate
-- or refused by staging), with its file and reason, as the marts account for it (landing_reconciliation). The
-- offending value stays in staging.
with

rejects as (
    select * from {{ ref('stg_landing__rejects') }}
),

final as (
    select
        source_system,
        file_name,
        landing_row,
        reject_field,
        reject_reason,
        rejected_by
    from rejects
)

select * from final
