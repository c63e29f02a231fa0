-- R-RCD-2: the three recidivism events, each defined here and only here, one row per event of a linked
-- person. `key_date` is what makes an event follow a release (it must be after the release date); `event_date` is
-- the date the event counts on (the follow-up window, R-RCD-3).
--   re-arraignment:   an arraignment in the Trial Court on a docket filed after the release; key = filing date,
--                     event = the docket's first arraignment date;
--   reconviction:     a conviction on such a docket; key = filing date, event = the docket's first conviction date;
--   reincarceration:  a new admission to DOC or a county custodial agency as a sentenced person or a parole or
--                     probation violator: the admission holding the first sentenced status (sentenced, violator)
--                     of a continuous custody episode across agencies (int_custody_periods_normalized); key =
--                     event = that admission's date. A pretrial hold that ends without a sentence has no sentenced
--                     status and is not one; a hold that ends in a sentence is (at the admission where the person
--                     is first held as sentenced: the same booking, or DOC after a transfer from the county); a
--                     transfer of a person already serving the sentence (DOC to county step-down, county to DOC)
--                     is not a new admission.
-- Events after as_of are not known yet and are left out.
with

dockets as (
    select * from {{ ref('stg_masscourts__dockets') }}
),

court_events as (
    select * from {{ ref('stg_masscourts__events') }}
),

court_charges as (
    select * from {{ ref('stg_masscourts__charges') }}
),

dispositions as (
    select * from {{ ref('stg_masscourts__dispositions') }}
),

court_dispositions as (
    select * from {{ ref('court_dispositions') }}
),

linked as (
    select * from {{ ref('int_person_records_linked') }}
),

periods as (
    select * from {{ ref('int_custody_periods_normalized') }}
),

docket_persons as (
    select
        dockets.docket_number,
        dockets.filing_date,
        linked.person_key
    from dockets
    inner join linked
        on
            linked.source_system = 'masscourts'
            and dockets.docket_number = linked.source_record_id
    where linked.person_key is not null
),

arraignments as (
    select
        docket_number,
        min(event_date) as arraignment_date
    from court_events
    where
        event_type_code = 'ARR'
        and event_date <= cast('{{ var("as_of") }}' as date)
    group by docket_number
),

convictions as (
    select
        court_charges.docket_number,
        min(dispositions.disposition_date) as conviction_date
    from dispositions
    inner join court_dispositions
        on dispositions.disposition_code = court_dispositions.disposition_code
    inner join court_charges
        on dispositions.masscourts_charge_id = court_charges.masscourts_charge_id
    where
        court_dispositions.is_conviction
        and dispositions.disposition_date <= cast('{{ var("as_of") }}' as date)
    group by court_charges.docket_number
),

sentenced_periods as (
    select
        person_key,
        admission_key,
        admission_date,
        row_number() over (
            partition by person_key, custody_episode_number
            order by period_start_date, status_key
        ) as sentenced_period_rank
    from periods
    where
        is_usable_period
        and offender_status = 'Sentenced'
        and admission_date <= cast('{{ var("as_of") }}' as date)
),

new_sentenced_admissions as (
    select
        person_key,
        admission_key,
        admission_date
    from sentenced_periods
    where sentenced_period_rank = 1
),

events as (
    select
        'rearraignment' as event_type,
        docket_persons.person_key,
        docket_persons.docket_number as event_source_key,
        docket_persons.filing_date as key_date,
        arraignments.arraignment_date as event_date
    from docket_persons
    inner join arraignments
        on docket_persons.docket_number = arraignments.docket_number

    union all

    select
        'reconviction' as event_type,
        docket_persons.person_key,
        docket_persons.docket_number as event_source_key,
        docket_persons.filing_date as key_date,
        convictions.conviction_date as event_date
    from docket_persons
    inner join convictions
        on docket_persons.docket_number = convictions.docket_number

    union all

    select
        'reincarceration' as event_type,
        person_key,
        admission_key as event_source_key,
        admission_date as key_date,
        admission_date as event_date
    from new_sentenced_admissions
),

final as (
    select
        {{ dbt.concat(["event_type", "':'", "event_source_key"]) }} as recidivism_event_key,
        event_type,
        person_key,
        event_source_key,
        key_date,
        event_date
    from events
    where key_date is not null and event_date is not null
)

select * from final
