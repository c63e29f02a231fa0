{#-
    R-PUB-3, R-PUB-4: the noise of the cell-key method (the method of statistical agencies' table builders).
    Every record carries a secret-keyed fingerprint (record_fingerprint macro, restricted). The key of a published
    value is the sum of the fingerprints of the records it is computed from: all the cell's records for the record
    count, a mean or a median; only the records with the outcome for a count of people with an outcome; only the
    enrolled records for an enrollment count. The same records give the same key, so a value gets the same noise
    in every query, cube and release that publishes it (asking again, or another way, averages nothing out), and a
    different subset (the 2-year reoffenders beside the 1-year ones) gets noise of its own.

    public_key_uniform mixes a key with the value's name into u in (0, 1); public_noise turns u into two-sided
    geometric noise, P(n = k) = (1 - a) / (1 + a) * a^|k| with a = public_noise_ratio() = 0.7: n is 0 18% of the
    time, +-1 25%, +-2 17%, ...; mean 0, standard deviation 3.9, no bound, so no published value ever pins a
    hidden one. The public_cube macro applies both to every published value; the rules are in docs/public_layer.md.
-#}
{% macro public_noise_ratio() %}{{ return(0.7) }}{% endmacro %}

{#- u in (0, 1) from a key and the published value's name (20 bits of a hash of both). -#}
{% macro public_key_uniform(key_expr, name) -%}
    (({{ adapter.dispatch('public_key_hash', 'crosstrack')(dbt.concat(['cast(' ~ key_expr ~ ' as ' ~ dbt.type_string() ~ ')', "'|" ~ name ~ "'"])) }} % 1048576) + 0.5) / 1048576.0
{%- endmacro %}

{% macro default__public_key_hash(expression) -%}
    {{ exceptions.raise_compiler_error("public_key_hash: no implementation for adapter " ~ adapter.type()) }}
{%- endmacro %}

{% macro duckdb__public_key_hash(expression) -%}
    hash({{ expression }})
{%- endmacro %}

{% macro spark__public_key_hash(expression) -%}
    pmod(xxhash64({{ expression }}), 9223372036854775807)
{%- endmacro %}

{#- The integer noise drawn by u (a column or expression computed once, from public_key_uniform). -#}
{% macro public_noise(u) -%}
    {%- set a = public_noise_ratio() -%}
    {%- set p0 = (1 - a) / (1 + a) -%}
    {#- r: where u falls in the part of (0, 1) left after P(0), rescaled to (0, 1); below 1/2 the noise is negative. -#}
    {%- set r -%}
        (({{ u }} - {{ p0 }}) / {{ 1 - p0 }})
    {%- endset -%}
    case
        when {{ u }} < {{ p0 }} then 0
        when {{ r }} < 0.5 then -(1 + floor(ln(1 - 2 * {{ r }}) / ln({{ a }})))
        else 1 + floor(ln(2 - 2 * {{ r }}) / ln({{ a }}))
    end
{%- endmacro %}
