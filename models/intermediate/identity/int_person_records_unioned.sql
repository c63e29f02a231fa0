-- Every person-bearing record of every system, with the identifiers used to link it to a person (SPEC R-SRC-3).
with

ims_offenders as (
    select * from {{ ref('stg_ims__offenders') }}
),

oms_inmates as (
    select * from {{ ref('stg_oms__inmates') }}
),

jms_inmates as (
    select * from {{ ref('stg_jms__inmates') }}
),

masscourts_dockets as (
    select * from {{ ref('stg_masscourts__dockets') }}
),

parole_parolees as (
    select * from {{ ref('stg_parole__parolees') }}
),

probation_probationers as (
    select * from {{ ref('stg_probation__probationers') }}
),

unioned as (
    select
        'ims' as source_system,
        ims_offender_id as source_record_id,
        sid,
        last_name,
        first_name,
        birth_date
    from ims_offenders
    union all
    select
        'oms' as source_system,
        oms_inmate_id as source_record_id,
        sid,
        last_name,
        first_name,
        birth_date
    from oms_inmates
    union all
    select
        'jms' as source_system,
        jms_person_id as source_record_id,
        sid,
        last_name,
        first_name,
        birth_date
    from jms_inmates
    union all
    select
        'masscourts' as source_system,
        docket_number as source_record_id,
        sid,
        last_name,
        first_name,
        birth_date
    from masscourts_dockets
    union all
    select
        'parole' as source_system,
        parolee_id as source_record_id,
        sid,
        last_name,
        first_name,
        birth_date
    from parole_parolees
    union all
    select
        'probation' as source_system,
        probationer_id as source_record_id,
        sid,
        last_name,
        first_name,
        birth_date
    from probation_probationers
),

final as (
    select
        source_system,
        source_record_id,
        nullif(upper(trim(sid)), '') as sid,
        {{ normalize_name('last_name') }} as last_name_key,
        {{ normalize_name('first_name') }} as first_name_key,
        birth_date
    from unioned
)

select * from final
