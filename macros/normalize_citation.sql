{#-
    R-OFF-4: a statute citation in the key form of the statute map, `chapter/section/subsection`:
    upper case, no spaces, and a trailing slash when there is no subsection (`265/1` -> `265/1/`).
-#}
{% macro normalize_citation(citation) -%}
    case
        when nullif(trim({{ citation }}), '') is null then null
        when {{ dbt.length("replace(upper(trim(" ~ citation ~ ")), ' ', '')") }}
            - {{ dbt.length("replace(replace(upper(trim(" ~ citation ~ ")), ' ', ''), '/', '')") }} = 1
            then replace(upper(trim({{ citation }})), ' ', '') || '/'
        else replace(upper(trim({{ citation }})), ' ', '')
    end
{%- endmacro %}
