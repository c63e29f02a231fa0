{#-
    SPEC R-PUB-3: consistent perturbation of a published count (the cell-key method of statistical agencies'
    table builders, with two-sided geometric noise). Every record carries a fixed pseudo-random fingerprint
    (record_fingerprint macro, restricted, keyed); a cell's key is the sum of its records' fingerprints, mixed
    with `metric_index` so that each count of a cell gets its own noise, reduced to a uniform u in (0, 1). The
    noise n is drawn from u by inverting the two-sided geometric law P(n = k) = (1 - a) / (1 + a) * a^|k|, with
    a = public_noise_ratio() (0.5: n is 0 a third of the time, +-1 a third, +-2 a sixth, ...; mean 0, standard
    deviation 2, no bound, so no published number ever pins a suppressed one exactly).

    The same records give the same key, so a cell gets the same published value from every query and every cube
    that holds it: asking again, or another way, averages nothing out. A published count never falls below
    `floor` (the suppression threshold for record counts: a shown count is never under 5; 0 for enrollments).
    Threat model and limits: docs/public_layer.md.
-#}
{% macro public_noise_ratio() %}{{ return(0.5) }}{% endmacro %}

{% macro perturb_count(count_expr, fingerprint_expr, metric_index=0, floor=0) -%}
    {%- set a = public_noise_ratio() -%}
    {%- set p0 = (1 - a) / (1 + a) -%}
    {%- set u -%}
        (((({{ fingerprint_expr }}) % 1048576) * {{ 2 * (metric_index * 40503 + 1) + 1 }} + {{ 7919 * metric_index }}) % 1048576 + 0.5) / 1048576.0
    {%- endset -%}
    {#- r: where u falls in the part of (0, 1) left after P(0), rescaled to (0, 1); below 1/2 the noise is negative. -#}
    {%- set r -%}
        (({{ u }} - {{ p0 }}) / {{ 1 - p0 }})
    {%- endset -%}
    greatest(
        {{ count_expr }}
        + case
            when {{ u }} < {{ p0 }} then 0
            when {{ r }} < 0.5 then -(1 + floor(ln(1 - 2 * {{ r }}) / ln({{ a }})))
            else 1 + floor(ln(2 - 2 * {{ r }}) / ln({{ a }}))
        end,
        {{ floor }}
    )
{%- endmacro %}
