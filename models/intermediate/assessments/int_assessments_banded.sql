-- R-RISK-2: the risk level of every assessment, decided in this one place. A score is banded by the
-- risk_score_bands seed keyed by (instrument, version, assigned sex, source system), bounds inclusive; a level
-- delivered as a code is mapped by risk_level_codes. A score outside its instrument's range (LS/CMI 44), a
-- missing score or an unknown code is flagged invalid with the reason, never banded silently.
with

assessments as (
    select * from {{ ref('int_assessments_unioned') }}
),

score_bands as (
    select * from {{ ref('risk_score_bands') }}
),

level_codes as (
    select * from {{ ref('risk_level_codes') }}
),

band_ranges as (
    select
        instrument,
        version,
        assigned_sex,
        source_system,
        min(min_score) as range_min_score,
        max(max_score) as range_max_score
    from score_bands
    group by instrument, version, assigned_sex, source_system
),

delivered_levels as (
    select distinct
        instrument,
        source_system
    from level_codes
),

matched as (
    select
        assessments.assessment_key,
        assessments.source_person_key,
        assessments.agency_code,
        assessments.assessment_date,
        assessments.instrument,
        assessments.version,
        assessments.assigned_sex,
        assessments.source_system,
        assessments.score,
        assessments.level_code,
        band_ranges.range_min_score,
        band_ranges.range_max_score,
        delivered_levels.instrument is not null as is_level_delivered,
        score_bands.risk_level as score_risk_level,
        level_codes.risk_level as code_risk_level
    from assessments
    left join band_ranges
        on
            assessments.instrument = band_ranges.instrument
            and assessments.version = band_ranges.version
            and assessments.source_system = band_ranges.source_system
            and band_ranges.assigned_sex in (assessments.assigned_sex, 'All')
    left join score_bands
        on
            band_ranges.instrument = score_bands.instrument
            and band_ranges.version = score_bands.version
            and band_ranges.source_system = score_bands.source_system
            and band_ranges.assigned_sex = score_bands.assigned_sex
            and assessments.score between score_bands.min_score and score_bands.max_score
    left join delivered_levels
        on
            assessments.instrument = delivered_levels.instrument
            and assessments.source_system = delivered_levels.source_system
    left join level_codes
        on
            assessments.instrument = level_codes.instrument
            and assessments.source_system = level_codes.source_system
            and assessments.level_code = level_codes.source_code
),

judged as (
    select
        *,
        case
            when instrument is null then 'instrument not in reference data'
            when is_level_delivered and level_code is null then 'missing risk level'
            when is_level_delivered and code_risk_level is null then 'unknown risk level code'
            when is_level_delivered then null
            when range_min_score is null then 'no score bands for the instrument, version, sex and system'
            when score is null then 'missing score'
            when score < range_min_score or score > range_max_score
                then {{ dbt.concat([
                    "'score outside the instrument range '",
                    "cast(range_min_score as " ~ dbt.type_string() ~ ")",
                    "'-'",
                    "cast(range_max_score as " ~ dbt.type_string() ~ ")",
                ]) }}
            when score_risk_level is null then 'score in no band'
        end as invalid_score_reason
    from matched
),

final as (
    select
        assessment_key,
        source_person_key,
        agency_code,
        assessment_date,
        instrument,
        version,
        assigned_sex,
        source_system,
        score,
        level_code,
        invalid_score_reason is null as is_valid_score,
        invalid_score_reason,
        case
            when invalid_score_reason is null then coalesce(code_risk_level, score_risk_level)
        end as risk_level
    from judged
)

select * from final
