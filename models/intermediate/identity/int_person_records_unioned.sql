-- Every person-bearing record of every system (R-SRC-3): the one union of the six person tables. It carries
-- the identifiers used to link a record to a person, normalized for matching, and the record's codes as staged
-- (demographics, agency) that int_person_demographics_conformed and int_person_records_dated conform.
{%- set person_tables = [
    {"system": "ims", "model": "stg_ims__offenders", "id": "ims_offender_id", "agency": none, "missing": []},
    {"system": "oms", "model": "stg_oms__inmates", "id": "oms_inmate_id", "agency": "site_code", "missing": []},
    {"system": "jms", "model": "stg_jms__inmates", "id": "jms_person_id", "agency": "agency_code", "missing": []},
    {"system": "masscourts", "model": "stg_masscourts__dockets", "id": "docket_number", "agency": "court_code",
        "missing": ["ethnicity_code", "gender_identity_code"]},
    {"system": "parole", "model": "stg_parole__parolees", "id": "parolee_id", "agency": none,
        "missing": ["gender_identity_code"]},
    {"system": "probation", "model": "stg_probation__probationers", "id": "probationer_id", "agency": none,
        "missing": ["gender_identity_code"]},
] %}
{%- set no_value = "cast(null as " ~ dbt.type_string() ~ ")" %}
with

unioned as (
    {% for table in person_tables %}
        select
            '{{ table.system }}' as source_system,
            {{ table.id }} as source_record_id,
            sid,
            last_name,
            first_name,
            birth_date,
            {% for code in ["race_code", "ethnicity_code", "assigned_sex_code", "gender_identity_code"] %}
                {{ no_value if code in table.missing else code }} as {{ code }},
            {% endfor %}
            {{ table.agency or no_value }} as agency_source_code
        from {{ ref(table.model) }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select
        source_system,
        source_record_id,
        {{ source_key('source_system', 'source_record_id') }} as source_person_key,
        nullif(upper(trim(sid)), '') as sid,
        {{ normalize_name('last_name') }} as last_name_key,
        {{ normalize_name('first_name') }} as first_name_key,
        birth_date,
        race_code,
        ethnicity_code,
        assigned_sex_code,
        gender_identity_code,
        agency_source_code
    from unioned
)

select * from final
