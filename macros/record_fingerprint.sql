{#-
    R-PUB-3: an integer in [0, 2^43 - 1) derived from a record's identity, keyed with the deployment secret:
    HMAC-SHA256(secret, identity) by the SQL function crosstrack_keyed_hash(varchar) -> bigint. The secret is never
    rendered here: dbt-duckdb registers the function on every connection (crosstrack/dbt_plugin.py, profiles.yml
    plugins) and reads the secret file (CROSSTRACK_SECRET_FILE, crosstrack/secret.py) at run time, so no compiled
    SQL, manifest, run result, log or docs page holds it. Keep the secret for the deployment: a new one draws the
    noise of every cell anew and releases could be averaged. The sum over a cell's records is the cell's key for
    public_key_uniform: the same records give the same key in any cube. Restricted: never published.
-#}
{% macro record_fingerprint(expression) -%}
    {{ return(adapter.dispatch('record_fingerprint', 'crosstrack')(expression)) }}
{%- endmacro %}

{% macro default__record_fingerprint(expression) -%}
    {{ exceptions.raise_compiler_error("record_fingerprint: no implementation for adapter " ~ adapter.type()) }}
{%- endmacro %}

{% macro duckdb__record_fingerprint(expression) -%}
    crosstrack_keyed_hash(cast({{ expression }} as {{ dbt.type_string() }}))
{%- endmacro %}

{#- A Spark deployment registers a function of the same name and contract (HMAC-SHA256 of the value keyed with the
    deployment secret, mod 2^43 - 1, null in null out), e.g. a Python or Scala UDF reading the secret file on the
    driver; the secret never goes through dbt. -#}
{% macro spark__record_fingerprint(expression) -%}
    crosstrack_keyed_hash(cast({{ expression }} as {{ dbt.type_string() }}))
{%- endmacro %}

{#- A January 1 snapshot record's identity: the person and the date, the same in the custodial and risk cohorts. -#}
{% macro snapshot_identity(relation) -%}
    {{ dbt.concat(["cast(" ~ relation ~ ".snapshot_date as " ~ dbt.type_string() ~ ")", "'#'", relation ~ ".person_key"]) }}
{%- endmacro %}
