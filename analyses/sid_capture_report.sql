-- R-RPT-2: the proportion of ingested records, per agency, that carry a true and correct SID, by year.
-- Compile with `dbt compile --select sid_capture_report` and run the SQL in target/compiled against the warehouse.
with

sid_capture as (
    select * from {{ ref('sid_capture_summary') }}
),

final as (
    select
        agency_code,
        activity_year,
        sum(record_count) as record_count,
        sum(records_with_sid) as records_with_sid,
        sum(records_with_consistent_sid) as records_with_consistent_sid,
        round(sum(records_with_sid) * 1.0 / sum(record_count), 4) as share_with_sid,
        round(sum(records_with_consistent_sid) * 1.0 / sum(record_count), 4) as share_with_consistent_sid
    from sid_capture
    group by agency_code, activity_year
)

select * from final
order by agency_code, activity_year
