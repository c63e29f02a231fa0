-- R-RISK-3: every needs subcomponent recorded on an assessment (COMPAS needs and identified assessments,
-- ORAS-CSST items, ORAS-CST domains, LS/CMI domains, LSI-R-SV flags), one row each, with its scale value from
-- the risk_subcomponent_scales seed: by code where the value arrives as a code, by inclusive score bounds where
-- it arrives as a score (an LSI-R-SV flag is a score of 1 or 0). A value the scale does not know is flagged.
{%- set sources = [
    {"cte": "compas", "system": "ims", "id": "ims_assessment_id", "kind": "code", "columns": [
        "need_anger_code", "need_criminal_thinking_code", "need_substance_abuse_code", "need_vocational_code",
        "need_negative_social_cognition_code", "need_parental_stress_code", "need_reentry_housing_code",
        "need_relationship_dysfunction_code", "identified_academic_code", "identified_sex_offender_code"]},
    {"cte": "oms_assessments", "system": "oms", "id": "oms_assessment_id", "kind": "flag", "columns": [
        "has_alcohol_drug_flag", "has_attitude_orientation_flag", "has_criminal_friends_flag",
        "has_criminal_history_flag", "has_juvenile_history_flag", "has_non_rewarding_parent_flag",
        "has_psych_assessment_flag", "has_unemployed_flag"]},
    {"cte": "jms_assessments", "system": "jms", "id": "jms_assessment_id", "kind": "flag", "columns": [
        "has_alcohol_drug_flag", "has_attitude_orientation_flag", "has_criminal_friends_flag",
        "has_criminal_history_flag", "has_juvenile_history_flag", "has_non_rewarding_parent_flag",
        "has_psych_assessment_flag", "has_unemployed_flag"]},
    {"cte": "lscmi", "system": "parole", "id": "parole_assessment_id", "kind": "code", "columns": [
        "domain_criminal_history_code", "domain_education_employment_code", "domain_family_marital_code",
        "domain_leisure_recreation_code", "domain_companions_code", "domain_alcohol_drug_code",
        "domain_procriminal_attitude_code", "domain_antisocial_pattern_code"]},
    {"cte": "oras", "system": "probation", "id": "probation_assessment_id", "kind": "score", "columns": [
        "csst_criminal_friends_score", "csst_employment_score", "csst_drugs_available_score",
        "csst_prior_felony_score", "csst_financial_score", "csst_drug_problems_score", "csst_education_score",
        "csst_juvenile_offense_score", "csst_prior_supervision_score", "csst_misconduct_score",
        "csst_walks_away_score", "cst_criminal_history_score", "cst_education_employment_score",
        "cst_family_support_score", "cst_neighborhood_score", "cst_substance_use_score",
        "cst_peer_associations_score", "cst_criminal_attitudes_score"]},
] %}

with

compas as (
    select * from {{ ref('stg_ims__compas_assessments') }}
),

oms_assessments as (
    select * from {{ ref('stg_oms__assessments') }}
),

jms_assessments as (
    select * from {{ ref('stg_jms__assessments') }}
),

lscmi as (
    select * from {{ ref('stg_parole__lscmi_assessments') }}
),

oras as (
    select * from {{ ref('stg_probation__oras_assessments') }}
),

assessments as (
    select * from {{ ref('int_assessments_unioned') }}
),

scales as (
    select * from {{ ref('risk_subcomponent_scales') }}
),

recorded_values as (
    {% for source in sources %}
        {% set source_loop = loop %}
        {% for column in source.columns %}
            select
                {{ source_key("'" ~ source.system ~ "'", source.id) }} as assessment_key,
                '{{ column }}' as staged_column,
                {% if source.kind == "code" %}
                    cast({{ column }} as {{ dbt.type_string() }}) as value_code,
                    cast(null as integer) as value_score
                {% elif source.kind == "flag" %}
                    cast(null as {{ dbt.type_string() }}) as value_code,
                    case when {{ column }} then 1 when not {{ column }} then 0 end as value_score
                {% else %}
                    cast(null as {{ dbt.type_string() }}) as value_code,
                    cast({{ column }} as integer) as value_score
                {% endif %}
            from {{ source.cte }}
            where {{ column }} is not null
            {% if not (source_loop.last and loop.last) %}
                union all
            {% endif %}
        {% endfor %}
    {% endfor %}
),

scaled as (
    select
        recorded_values.assessment_key,
        assessments.instrument as assessment_instrument,
        assessments.version,
        assessments.assigned_sex,
        recorded_values.staged_column,
        recorded_values.value_code,
        recorded_values.value_score,
        subcomponents.instrument as subcomponent_instrument,
        subcomponents.subcomponent,
        scales.scale_value,
        scales.scale_order
    from recorded_values
    inner join assessments
        on recorded_values.assessment_key = assessments.assessment_key
    left join (
        select distinct
            instrument,
            version,
            assigned_sex,
            staged_column,
            subcomponent
        from scales
    ) as subcomponents
        on
            recorded_values.staged_column = subcomponents.staged_column
            and subcomponents.version = assessments.version
            and subcomponents.assigned_sex in (assessments.assigned_sex, 'All')
            -- COMPAS needs carry the COMPAS instrument; its identified assessments are their own "instrument"
            and (
                subcomponents.instrument = assessments.instrument
                or (assessments.instrument = 'COMPAS' and subcomponents.instrument = 'Identified Assessment')
            )
    left join scales
        on
            subcomponents.instrument = scales.instrument
            and subcomponents.version = scales.version
            and subcomponents.assigned_sex = scales.assigned_sex
            and subcomponents.subcomponent = scales.subcomponent
            and (
                recorded_values.value_code = scales.source_code
                or recorded_values.value_score between scales.min_score and scales.max_score
            )
),

final as (
    select
        {{ dbt.concat(["assessment_key", "'|'", "staged_column"]) }} as assessment_need_key,
        assessment_key,
        coalesce(subcomponent_instrument, assessment_instrument) as instrument,
        version,
        assigned_sex,
        staged_column,
        subcomponent,
        value_code,
        value_score,
        scale_value,
        scale_order,
        scale_value is not null as is_valid_value
    from scaled
)

select * from final
