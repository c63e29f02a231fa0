-- The candidate rows of the cohorts (docs/rules.md section 3) and who is counted (section 2), decided here once:
-- one row per January 1 snapshot of a person in custody, per admission and per release in its window (R-COH-1), and per
-- January 1 of a person under Parole or Probation supervision (the risk and needs cohort),
-- with the reason a row is left out of its cohort mart, or null when it is in. R-EX-1 exclusions (the period's
-- or the admission's excluded population; under 18 at the cohort date) and records that cannot be linked to a
-- person (R-SRC-3) are kept here with their reason so the reconciliation counts them (R-EX-2).
with

periods as (
    select * from {{ ref('int_custody_periods_normalized') }}
),

calendar as (
    select * from {{ ref('util_date_spine') }}
),

parole_supervision as (
    select * from {{ ref('stg_parole__supervision_periods') }}
),

probation_supervision as (
    select * from {{ ref('stg_probation__supervision_periods') }}
),

linked as (
    select * from {{ ref('int_person_records_linked') }}
),

person_records as (
    select * from {{ ref('int_person_records_unioned') }}
),

risk_instruments as (
    select * from {{ ref('risk_instruments') }}
),

-- docs/rules.md section 3: every January 1 from 2017 to the year of as_of
snapshot_dates as (
    select date_day as snapshot_date
    from calendar
    where
        is_january_first
        and year_number between 2017 and extract(year from cast('{{ var("as_of") }}' as date))
),

-- docs/rules.md section 3: the windows of the admissions and releases cohorts
windows as (
    select
        cast('2017-01-01' as date) as window_start_date,
        -- end of the last complete (Monday to Sunday) week before as_of
        cast({{ dbt.dateadd('day', -1, dbt.date_trunc('week', "cast('" ~ var('as_of') ~ "' as date)")) }} as date)
            as admissions_window_end_date,
        -- end of the last complete year before as_of
        cast({{ dbt.dateadd('day', -1, dbt.date_trunc('year', "cast('" ~ var('as_of') ~ "' as date)")) }} as date)
            as releases_window_end_date
),

-- a person is in custody on a date from the first to the last day of a period, both included (R-INC-1);
-- several periods on one date (a transfer day, overlapping records): the most recent admission among the usable
-- ones (R-COH-1); a person known only from unusable periods is a row excluded for data quality
snapshot_candidates as (
    select
        snapshot_dates.snapshot_date,
        periods.*,
        coalesce(periods.person_key, periods.source_person_key) as counted_person_key
    from periods
    inner join snapshot_dates
        on
            periods.period_start_date <= snapshot_dates.snapshot_date
            and coalesce(periods.period_end_date, cast('9999-12-31' as date)) >= snapshot_dates.snapshot_date
    -- a period whose dates are unusable says nothing about the dates it would cover
    where coalesce(periods.period_issue, '') not in ('release_before_admission', 'end_before_start')
),

snapshot_rows as (
    select
        'custodial' as cohort,
        {{ dbt.concat(["counted_person_key", "'|'", "cast(snapshot_date as " ~ dbt.type_string() ~ ")"]) }}
            as cohort_row_key,
        snapshot_date as cohort_date,
        person_key,
        source_person_key,
        agency_code,
        status_key,
        admission_key,
        period_issue,
        status_exclusion_reason_code,
        admission_exclusion_reason_code,
        birth_date
    from (
        select
            *,
            row_number() over (
                partition by counted_person_key, snapshot_date
                order by
                    case when is_usable_period then 0 else 1 end,
                    period_start_date desc,
                    admission_date desc,
                    status_key desc
            ) as period_rank
        from snapshot_candidates
    ) as ranked
    where period_rank = 1
),

admission_rows as (
    select
        'admissions' as cohort,
        periods.admission_key as cohort_row_key,
        periods.admission_date as cohort_date,
        periods.person_key,
        periods.source_person_key,
        periods.agency_code,
        periods.status_key,
        periods.admission_key,
        periods.period_issue,
        periods.status_exclusion_reason_code,
        periods.admission_exclusion_reason_code,
        periods.birth_date
    from periods
    cross join windows
    where
        periods.is_first_status_of_admission
        and periods.admission_date between windows.window_start_date and windows.admissions_window_end_date
),

release_rows as (
    select
        'releases' as cohort,
        periods.admission_key as cohort_row_key,
        periods.release_date as cohort_date,
        periods.person_key,
        periods.source_person_key,
        periods.agency_code,
        periods.status_key,
        periods.admission_key,
        periods.period_issue,
        periods.status_exclusion_reason_code,
        periods.admission_exclusion_reason_code,
        periods.birth_date
    from periods
    cross join windows
    where
        periods.is_last_status_of_admission
        and periods.release_date between windows.window_start_date and windows.releases_window_end_date
),

-- R-COH-2 and section 3: sentenced releases to the community up to the end of the year three years
-- before as_of
recidivism_rows as (
    select
        'recidivism' as cohort,
        periods.admission_key as cohort_row_key,
        periods.release_date as cohort_date,
        periods.person_key,
        periods.source_person_key,
        periods.agency_code,
        periods.status_key,
        periods.admission_key,
        periods.period_issue,
        periods.status_exclusion_reason_code,
        periods.admission_exclusion_reason_code,
        periods.birth_date
    from periods
    cross join windows
    where
        periods.is_last_status_of_admission
        and periods.is_release_to_community
        and periods.offender_status = 'Sentenced'
        and periods.release_date between windows.window_start_date
        and cast({{ dbt.dateadd('year', -2, 'windows.releases_window_end_date') }} as date)
),

-- docs/rules.md section 3, risk and needs cohort: people under Parole or Probation supervision on January 1 from the
-- agency's first risk cohort year (seed risk_instruments); the sentenced people in custody come from the
-- custodial rows above
risk_start_years as (
    {{ risk_cohort_start_years('risk_instruments') }}
),

supervision_periods as (
    select
        'PAROLE' as agency_code,
        'parole' as source_system,
        parolee_id as source_record_id,
        {{ source_key("'parole'", 'parolee_id') }} as source_person_key,
        supervision_start_date,
        supervision_end_date
    from parole_supervision

    union all

    select
        'PROBATION' as agency_code,
        'probation' as source_system,
        probationer_id as source_record_id,
        {{ source_key("'probation'", 'probationer_id') }} as source_person_key,
        supervision_start_date,
        supervision_end_date
    from probation_supervision
),

supervision_candidates as (
    select
        snapshot_dates.snapshot_date,
        supervision_periods.agency_code,
        linked.person_key,
        supervision_periods.source_person_key,
        person_records.birth_date,
        row_number() over (
            partition by
                coalesce(linked.person_key, supervision_periods.source_person_key),
                supervision_periods.agency_code,
                snapshot_dates.snapshot_date
            order by supervision_periods.supervision_start_date desc, supervision_periods.source_record_id
        ) as supervision_rank
    from supervision_periods
    inner join snapshot_dates
        on
            supervision_periods.supervision_start_date <= snapshot_dates.snapshot_date
            and coalesce(supervision_periods.supervision_end_date, cast('9999-12-31' as date))
            >= snapshot_dates.snapshot_date
    inner join risk_start_years
        on supervision_periods.agency_code = risk_start_years.agency_code
    left join linked
        on
            supervision_periods.source_system = linked.source_system
            and supervision_periods.source_record_id = linked.source_record_id
    left join person_records
        on
            supervision_periods.source_system = person_records.source_system
            and supervision_periods.source_record_id = person_records.source_record_id
    where extract(year from snapshot_dates.snapshot_date) >= risk_start_years.risk_cohort_start_year
),

supervision_rows as (
    select
        'supervision' as cohort,
        {{ dbt.concat([
            "coalesce(person_key, source_person_key)", "'|'", "agency_code", "'|'",
            "cast(snapshot_date as " ~ dbt.type_string() ~ ")"
        ]) }} as cohort_row_key,
        snapshot_date as cohort_date,
        person_key,
        source_person_key,
        agency_code,
        cast(null as {{ dbt.type_string() }}) as status_key,
        cast(null as {{ dbt.type_string() }}) as admission_key,
        case when person_key is null then 'unlinked_person' end as period_issue,
        cast(null as {{ dbt.type_string() }}) as status_exclusion_reason_code,
        cast(null as {{ dbt.type_string() }}) as admission_exclusion_reason_code,
        birth_date
    from supervision_candidates
    where supervision_rank = 1
),

cohort_rows as (
    select * from snapshot_rows
    union all
    select * from admission_rows
    union all
    select * from release_rows
    union all
    select * from recidivism_rows
    union all
    select * from supervision_rows
),

final as (
    select
        cohort,
        cohort_row_key,
        cohort_date,
        person_key,
        source_person_key,
        agency_code,
        status_key,
        admission_key,
        -- R-EX-1 (and R-SRC-3 for an unlinked record, R-EX-2 for a record unusable as delivered)
        case
            when period_issue = 'unlinked_person' then 'unlinked_person'
            when period_issue is not null then 'data_quality'
            when status_exclusion_reason_code is not null then status_exclusion_reason_code
            when admission_exclusion_reason_code is not null then admission_exclusion_reason_code
            when {{ age_at('birth_date', 'cohort_date') }} < 18 then 'juvenile'
        end as exclusion_reason_code,
        period_issue
    from cohort_rows
)

select * from final
