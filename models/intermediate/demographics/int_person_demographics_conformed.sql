-- R-RACE-1..3, R-ETH-1, R-SEX-1: the conformed demographics of every person-bearing record of every system,
-- keyed like the identity model's records (source_system, source_record_id). Each code is mapped by its system's
-- seed; a missing code shows as the "unknown" value of its dimension, and an unmapped code too, flagged. The
-- records and their codes as staged come from the one union of the person tables (int_person_records_unioned).
with

records as (
    select * from {{ ref('int_person_records_unioned') }}
),

race_codes as (
    select * from {{ ref('race_codes') }}
),

ethnicity_codes as (
    select * from {{ ref('ethnicity_codes') }}
),

assigned_sex_codes as (
    select * from {{ ref('assigned_sex_codes') }}
),

gender_identity_codes as (
    select * from {{ ref('gender_identity_codes') }}
),

final as (
    select
        records.source_system,
        records.source_record_id,
        records.race_code,
        -- R-RACE-2: a race not properly identified (missing or unknown code) is Other / Unknown
        coalesce(race_codes.race, {{ unknown_value('race') }}) as race,
        records.race_code is null or race_codes.race is not null as is_race_code_known,
        records.ethnicity_code,
        coalesce(ethnicity_codes.ethnicity, {{ unknown_value('ethnicity') }}) as ethnicity,
        records.ethnicity_code is null or ethnicity_codes.ethnicity is not null as is_ethnicity_code_known,
        records.assigned_sex_code,
        coalesce(assigned_sex_codes.assigned_sex, {{ unknown_value('assigned_sex') }}) as assigned_sex,
        records.gender_identity_code,
        coalesce(gender_identity_codes.gender_identity, {{ unknown_value('gender_identity') }}) as gender_identity
    from records
    left join race_codes
        on
            records.source_system = race_codes.source_system
            and records.race_code = race_codes.source_code
    left join ethnicity_codes
        on
            records.source_system = ethnicity_codes.source_system
            and records.ethnicity_code = ethnicity_codes.source_code
    left join assigned_sex_codes
        on
            records.source_system = assigned_sex_codes.source_system
            and records.assigned_sex_code = assigned_sex_codes.source_code
    left join gender_identity_codes
        on
            records.source_system = gender_identity_codes.source_system
            and records.gender_identity_code = gender_identity_codes.source_code
)

select * from final
