{#-
    SPEC R-PUB-3: an integer in [0, 2^31 - 1) derived from a record's identity and a secret salt
    (CROSSTRACK_PERTURBATION_SALT: set it once for a deployment, keep it secret, never change it, or the noise of
    every cell is drawn anew and releases could be averaged). The sum over a cell's records is the cell's key for
    perturb_count: the same records give the same key in any cube. Restricted: never published.
-#}
{% macro record_fingerprint(expression) -%}
    {%- set salted = dbt.concat([expression, "'" ~ env_var('CROSSTRACK_PERTURBATION_SALT', '') | replace("'", "''") ~ "'"]) -%}
    {{ return(adapter.dispatch('record_fingerprint', 'crosstrack')(salted)) }}
{%- endmacro %}

{% macro default__record_fingerprint(expression) -%}
    {{ exceptions.raise_compiler_error("record_fingerprint: no implementation for adapter " ~ adapter.type()) }}
{%- endmacro %}

{% macro duckdb__record_fingerprint(expression) -%}
    cast(hash({{ expression }}) % 2147483647 as bigint)
{%- endmacro %}

{% macro spark__record_fingerprint(expression) -%}
    pmod(xxhash64({{ expression }}), 2147483647)
{%- endmacro %}

{#- A January 1 snapshot record's identity: the person and the date, the same in the custodial and risk cohorts. -#}
{% macro snapshot_identity(relation) -%}
    {{ dbt.concat(["cast(" ~ relation ~ ".snapshot_date as " ~ dbt.type_string() ~ ")", "'#'", relation ~ ".person_key"]) }}
{%- endmacro %}
