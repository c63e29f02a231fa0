-- R-EX-1, R-EX-2: every candidate row of a cohort left out of its mart, with the reason: an R-EX-1
-- population (civil commitment, juvenile at the cohort date, federal or interstate compact, safe keep), a record
-- that cannot be linked to a person (R-SRC-3), or a record unusable as delivered (data_quality, with the issue).
-- Together with the cohort marts this accounts for every candidate row (cohort_exclusion_counts).
with

screened as (
    select * from {{ ref('int_cohort_rows_screened') }}
    where exclusion_reason_code is not null
),

exclusion_reasons as (
    select * from {{ ref('exclusion_reasons') }}
),

final as (
    select
        screened.cohort,
        screened.cohort_row_key,
        screened.cohort_date,
        screened.person_key,
        screened.source_person_key,
        screened.agency_code,
        screened.admission_key,
        screened.status_key,
        screened.exclusion_reason_code,
        coalesce(
            exclusion_reasons.exclusion_reason,
            case screened.exclusion_reason_code
                when 'unlinked_person' then 'Record not linked to a person with confidence (R-SRC-3)'
                when 'data_quality' then 'Record unusable as delivered (R-EX-2)'
            end
        ) as exclusion_reason,
        screened.period_issue
    from screened
    left join exclusion_reasons
        on screened.exclusion_reason_code = exclusion_reasons.exclusion_reason_code
)

select * from final
