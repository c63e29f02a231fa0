{#- The grouping sets of a cohort's cube: every set of at most max_dimensions dimensions, minus those R-CHG-4 and the
    rule on detailed dimensions (crosstrack/contract/cubes.yml) rule out. -#}
{% macro public_grouping_sets(cube) %}
    {%- set names = cube.dimensions | map(attribute='name') | list -%}
    {%- set requires = {} -%}
    {%- for dimension in cube.dimensions -%}
        {%- do requires.update({dimension.name: dimension.get('requires_offender_status')}) -%}
    {%- endfor -%}
    {%- set candidates = [[]] -%}
    {%- for i in range(names | length) -%}
        {%- do candidates.append([names[i]]) -%}
        {%- for j in range(i + 1, names | length) -%}
            {%- if public_max_dimensions() >= 2 -%}
                {%- do candidates.append([names[i], names[j]]) -%}
            {%- endif -%}
            {%- for k in range(j + 1, names | length) -%}
                {%- if public_max_dimensions() >= 3 -%}
                    {%- do candidates.append([names[i], names[j], names[k]]) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- set sets = [] -%}
    {%- for candidate in candidates -%}
        {%- set statuses = [] -%}
        {%- for name in candidate -%}
            {%- if requires[name] and requires[name] not in statuses -%}
                {%- do statuses.append(requires[name]) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- set detailed = candidate | select('in', cube.dimensions | selectattr('detailed') | map(attribute='name') | list) | list -%}
        {%- set pairs_only = candidate | select('in', cube.dimensions | selectattr('pairs_only') | map(attribute='name') | list) | list -%}
        {%- set rule_chg_4 = statuses | length == 0 or (statuses | length == 1 and 'offender_status' in candidate) -%}
        {%- set rule_detail = (candidate | length <= 2 or detailed | length <= 1) and (pairs_only | length == 0 or candidate | length <= 2) -%}
        {%- if rule_chg_4 and rule_detail -%}
            {%- do sets.append(candidate) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(sets) }}
{% endmacro %}
