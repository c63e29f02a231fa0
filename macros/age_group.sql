{#-
    R-AGE-1 and R-EX-1: the age group of an age, from the age_groups seed (bounds inclusive), so the
    groups are defined in one place. Under 18 is the juvenile group, excluded from every cohort.
    A null or out-of-range age gives null. The correlated subquery is aggregated (max over at most one row)
    because some engines (Spark) accept only aggregated correlated scalar subqueries.
-#}
{% macro age_group(age) -%}
    (
        select max(age_groups.age_group)
        from {{ ref('age_groups') }} as age_groups
        where {{ age }} between age_groups.min_age and age_groups.max_age
    )
{%- endmacro %}
