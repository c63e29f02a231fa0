{#-
    Prints the YAML of the public layer's models (their columns, contracts and tests) from the cube definition,
    so that the definition stays the single source:
        dbt run-operation public_models_yaml --args '{layer: public}'        > models/public/_public__models.yml
        dbt run-operation public_models_yaml --args '{layer: publication}'   > models/publication/_public_cells__models.yml
    (`make render` does both). A stale file fails the build: the public contracts are enforced, and a test
    asserts that every model and column is described.
-#}
{% macro public_models_yaml(layer) %}
    {%- set cubes = public_cubes() -%}
    {%- set inputs = {
        'incarceration_days': 'Days from the most recent admission to the cohort date or the release, both ends counted (R-INC-1, R-INC-2).',
        'program_enrollment_count': 'Program enrollments begun in the window of R-PRG-1.',
        'is_rearraignment': 'Re-arraigned within the follow-up window (R-RCD-2, R-RCD-3).',
        'is_reconviction': 'Reconvicted within the follow-up window (R-RCD-2, R-RCD-3).',
        'is_reincarceration': 'Reincarcerated within the follow-up window (R-RCD-2, R-RCD-3).',
    } -%}
    {%- for group in ['beh', 'edu', 'sup', 'work', 'reinvestment', 'religious'] -%}
        {%- do inputs.update({group ~ '_enrollment_count': 'Enrollments in the ' ~ group.capitalize() ~ ' program group begun in the window of R-PRG-1.'}) -%}
    {%- endfor -%}
    {%- set fingerprint = {'name': 'record_fingerprint', 'description': 'Sum of the records\' fingerprints (record_fingerprint macro): the cell key of its perturbation (perturb_count, R-PUB-3); the same records give the same sum in any cube. Restricted.'} -%}
    {%- set models = [] -%}
    {%- set unit_tests = [] -%}

    {%- if layer == 'public' -%}
        {%- for cohort, cube in cubes.items() -%}
            {%- set columns = [] -%}
            {%- for partition in cube.partitions -%}
                {%- do columns.append({'name': partition.name, 'data_type': partition.type, 'description': partition.description ~ ' Every cell carries it.', 'constraints': [{'type': 'not_null'}]}) -%}
            {%- endfor -%}
            {%- do columns.append({'name': 'dimensions', 'data_type': 'varchar', 'description': 'The grouping set of the cell: the grouped dimensions, sorted and comma-separated; empty for the total of the partition.', 'constraints': [{'type': 'not_null'}]}) -%}
            {%- for dimension in cube.dimensions -%}
                {%- do columns.append({'name': dimension.name, 'data_type': 'varchar', 'description': dimension.description ~ ' Null when the cell is not grouped by it (all values).'}) -%}
            {%- endfor -%}
            {%- for metric in cube.metrics -%}
                {%- set protection = {
                    'count': ' Withheld (null) when under ' ~ public_suppression_threshold() ~ '; otherwise perturbed (two-sided geometric noise, standard deviation 3.9) with the key of the records it counts, the same wherever the same records are counted, never under ' ~ public_suppression_threshold() ~ ' (R-PUB-3, R-PUB-4).',
                    'rate': ' The published count over the published record count, rounded to 4 decimals; withheld with the count (R-PUB-4).',
                    'magnitude': ' Perturbed in proportion to the longest stay over the record count, rounded to whole days (R-PUB-4).',
                }[metric.protect] -%}
                {%- do columns.append({'name': metric.name, 'data_type': 'bigint' if metric.protect == 'count' else 'double', 'description': metric.description ~ protection ~ ' Null when the cell is suppressed (R-PUB-2).'}) -%}
            {%- endfor -%}
            {%- do columns.append({'name': 'is_suppressed', 'data_type': 'boolean', 'description': 'True when fewer than ' ~ public_suppression_threshold() ~ ' records meet the cell: the cell and every value computed from it are suppressed, null, never 0 (R-PUB-2).', 'constraints': [{'type': 'not_null'}]}) -%}
            {%- do models.append({
                'name': cube.table,
                'description': 'SPEC R-PUB-1..3, R-API-3. ' ~ cube.label ~ ': ' ~ cube.description ~ ' One row per cell of every grouping set of at most ' ~ public_max_dimensions() ~ ' dimensions, within each ' ~ (cube.partitions | map(attribute='name') | join(' and ')) ~ '; no row means no record. Counts and statistics pass through the suppress macro; counts of shown cells are perturbed consistently (R-PUB-3, docs/public_layer.md). Generated from macros/public_cubes.sql.',
                'config': {'contract': {'enforced': true}},
                'columns': columns,
                'data_tests': [
                    {'unique_combination_of_columns': {'arguments': {'columns': (cube.partitions | map(attribute='name') | list) + ['dimensions'] + (cube.dimensions | map(attribute='name') | list)}}},
                    {'public_cells_respect_threshold': {'arguments': {'threshold': public_suppression_threshold()}}},
                ],
            }) -%}
        {%- endfor -%}
        {%- do models.append({
            'name': 'pub_cohorts',
            'description': 'SPEC R-API-1. The cohorts the public layer offers (catalog read by the API and the query builder).',
            'config': {'contract': {'enforced': true}},
            'columns': [
                {'name': 'cohort', 'data_type': 'varchar', 'description': 'Cohort name, as the API takes it.', 'constraints': [{'type': 'not_null'}], 'data_tests': ['unique']},
                {'name': 'table_name', 'data_type': 'varchar', 'description': 'The public cube table of the cohort.', 'constraints': [{'type': 'not_null'}]},
                {'name': 'label', 'data_type': 'varchar', 'description': 'Display name.'},
                {'name': 'description', 'data_type': 'varchar', 'description': 'What a record of the cohort is (SPEC section 3).'},
                {'name': 'partition_columns', 'data_type': 'varchar', 'description': 'The columns every cell of the cube carries, comma-separated (not counted as dimensions).'},
                {'name': 'max_dimensions', 'data_type': 'integer', 'description': 'The most dimensions a query may group and filter by together.'},
                {'name': 'cohort_order', 'data_type': 'integer', 'description': 'Display order.'},
            ],
        }) -%}
        {%- do models.append({
            'name': 'pub_dimensions',
            'description': 'SPEC R-API-1, R-CHG-4. Every dimension of each cube and the values it takes (catalog); the API accepts a filter value only if it is listed here.',
            'config': {'contract': {'enforced': true}},
            'columns': [
                {'name': 'cohort', 'data_type': 'varchar', 'description': 'Cohort name.', 'constraints': [{'type': 'not_null'}]},
                {'name': 'dimension', 'data_type': 'varchar', 'description': 'Dimension (a column of the cube).', 'constraints': [{'type': 'not_null'}]},
                {'name': 'label', 'data_type': 'varchar', 'description': 'Display name of the dimension.'},
                {'name': 'description', 'data_type': 'varchar', 'description': 'What the dimension means.'},
                {'name': 'is_partition', 'data_type': 'boolean', 'description': 'A partition column: every cell carries it; filtering by it does not count as a dimension.'},
                {'name': 'requires_offender_status', 'data_type': 'varchar', 'description': 'The offender status a query must be narrowed to before this dimension is offered (R-CHG-4: Sentenced for the governing offense, Pretrial for the leading charge); null when none.'},
                {'name': 'value', 'data_type': 'varchar', 'description': 'A value of the dimension, as text.', 'constraints': [{'type': 'not_null'}]},
                {'name': 'dimension_order', 'data_type': 'integer', 'description': 'Display order of the dimension within the cohort.'},
                {'name': 'value_order', 'data_type': 'bigint', 'description': 'Display order of the value within the dimension (Unknown and similar last).'},
            ],
            'data_tests': [{'unique_combination_of_columns': {'arguments': {'columns': ['cohort', 'dimension', 'value']}}}],
        }) -%}
        {%- do models.append({
            'name': 'pub_metrics',
            'description': 'SPEC R-API-1, R-API-3. The metrics of each cube (catalog).',
            'config': {'contract': {'enforced': true}},
            'columns': [
                {'name': 'cohort', 'data_type': 'varchar', 'description': 'Cohort name.', 'constraints': [{'type': 'not_null'}]},
                {'name': 'metric', 'data_type': 'varchar', 'description': 'Metric (a column of the cube).', 'constraints': [{'type': 'not_null'}]},
                {'name': 'label', 'data_type': 'varchar', 'description': 'Display name.'},
                {'name': 'description', 'data_type': 'varchar', 'description': 'What the metric measures, with its rule.'},
                {'name': 'unit', 'data_type': 'varchar', 'description': 'records, days, enrollments or proportion.'},
                {'name': 'metric_order', 'data_type': 'integer', 'description': 'Display order.'},
            ],
            'data_tests': [{'unique_combination_of_columns': {'arguments': {'columns': ['cohort', 'metric']}}}],
        }) -%}
        {%- do models.append({
            'name': 'pub_grouping_sets',
            'description': 'R-API-1, R-PUB-4. The grouping sets each cube publishes (catalog): a query is answered for these only. A set of three dimensions holds at most one detailed dimension (many values), and gender identity is crossed with at most one other dimension, so that the cubes stay useful under suppression.',
            'config': {'contract': {'enforced': true}},
            'columns': [
                {'name': 'cohort', 'data_type': 'varchar', 'description': 'Cohort name.', 'constraints': [{'type': 'not_null'}]},
                {'name': 'dimensions', 'data_type': 'varchar', 'description': 'The grouped dimensions, sorted and comma-separated, as in the cube; empty for the total.', 'constraints': [{'type': 'not_null'}]},
                {'name': 'dimension_count', 'data_type': 'integer', 'description': 'How many dimensions the set groups by.'},
            ],
            'data_tests': [{'unique_combination_of_columns': {'arguments': {'columns': ['cohort', 'dimensions']}}}],
        }) -%}
        {%- do models.append({
            'name': 'pub_release',
            'description': 'SPEC section 10. The publication: its as_of date, when it was built and its disclosure-control parameters.',
            'config': {'contract': {'enforced': true}},
            'columns': [
                {'name': 'as_of', 'data_type': 'date', 'description': 'The date the cohort windows are relative to (SPEC section 3).', 'constraints': [{'type': 'not_null'}], 'data_tests': ['unique']},
                {'name': 'published_at', 'data_type': 'timestamp with time zone', 'description': 'When the publication was built.'},
                {'name': 'suppression_threshold', 'data_type': 'integer', 'description': 'Smallest number of records a published value is computed from (R-PUB-2).'},
                {'name': 'max_dimensions', 'data_type': 'integer', 'description': 'The most dimensions a query may group and filter by together.'},
            ],
        }) -%}
    {%- else -%}
        {%- for cohort, cube in cubes.items() -%}
            {%- set record_columns = [{'name': 'record_key', 'description': 'The key of the record in its cohort mart (with the partitions, the grain of this model). Restricted.', 'data_tests': ['not_null']}] -%}
            {%- set cell_columns = [
                {'name': 'cohort', 'description': 'Cohort name.'},
                {'name': 'partition_key', 'description': 'The partition values as text, joined by |.'},
            ] -%}
            {%- for partition in cube.partitions -%}
                {%- do record_columns.append({'name': partition.name, 'description': partition.description}) -%}
                {%- do cell_columns.append({'name': partition.name, 'description': partition.description}) -%}
            {%- endfor -%}
            {%- do cell_columns.append({'name': 'dimensions', 'description': 'The grouped dimensions, sorted and comma-separated; empty for the total.'}) -%}
            {%- do cell_columns.append({'name': 'dimension_values', 'description': 'The values of the grouped dimensions in the same order, joined by |.'}) -%}
            {%- for dimension in cube.dimensions -%}
                {%- do record_columns.append({'name': dimension.name, 'description': dimension.description ~ ' A public label, never null.', 'data_tests': ['not_null']}) -%}
                {%- do cell_columns.append({'name': dimension.name, 'description': dimension.description ~ ' Null when not grouped.'}) -%}
            {%- endfor -%}
            {%- for metric in cube.metrics -%}
                {%- do cell_columns.append({'name': metric.name, 'description': metric.description ~ ' True value, before suppression.'}) -%}
            {%- endfor -%}
            {%- for column in public_cell_protection_columns(cube) if column.name != 'record_fingerprint' -%}
                {%- do cell_columns.append({'name': column.name, 'description': column.description}) -%}
            {%- endfor -%}
            {%- for name, description in inputs.items() -%}
                {%- if name in (cube.metrics | map(attribute='sql') | join(' ')) -%}
                    {%- do record_columns.append({'name': name, 'description': description}) -%}
                {%- endif -%}
            {%- endfor -%}
            {%- do record_columns.append({'name': 'record_fingerprint', 'description': 'The record\'s fingerprint (record_fingerprint macro) from its identity (R-PUB-3). Restricted.'}) -%}
            {%- do cell_columns.append(fingerprint) -%}
            {%- do models.append({'name': cube.records, 'description': 'SPEC section 10. ' ~ cube.label ~ ': one row per record of the cohort as its public cube reads it, every dimension a public label. Restricted.', 'columns': record_columns, 'data_tests': [{'unique_combination_of_columns': {'arguments': {'columns': ['record_key'] + (cube.partitions | map(attribute='name') | list)}}}]}) -%}
            {%- do models.append({'name': cube.records | replace('_records', '_cells'), 'description': 'SPEC R-PUB-2, R-PUB-3. Every cell of the ' ~ cohort ~ ' cube (grouping sets of at most ' ~ public_max_dimensions() ~ ' dimensions within each partition) with its true count and statistics. Restricted: ' ~ cube.table ~ ' publishes them suppressed and perturbed.', 'columns': cell_columns, 'data_tests': [{'unique_combination_of_columns': {'arguments': {'columns': ['partition_key', 'dimensions', 'dimension_values']}}}]}) -%}
        {%- endfor -%}
        {%- do models.append({
            'name': 'int_public_cells',
            'description': 'SPEC R-PUB-3. The cells of every public cube, one row each: where the cell sits, its true record count and the fingerprint of its records (which keys its perturbation). Restricted; the disclosure audit (tests/python/test_public_layer.py) reads it.',
            'columns': [
                {'name': 'cohort', 'description': 'Cohort name.'},
                {'name': 'partition_key', 'description': 'The partition values as text, joined by |.'},
                {'name': 'dimensions', 'description': 'The grouped dimensions, sorted and comma-separated.'},
                {'name': 'dimension_values', 'description': 'Their values in the same order, joined by |.'},
                {'name': 'record_count', 'description': 'True number of records in the cell.'},
                fingerprint,
            ],
            'data_tests': [{'unique_combination_of_columns': {'arguments': {'columns': ['cohort', 'partition_key', 'dimensions', 'dimension_values']}}}],
        }) -%}
    {%- endif -%}
    {{ print('# Generated from macros/public_cubes.sql by the public_models_yaml macro (make render). Do not edit.') }}
    {{ print(toyaml({'version': 2, 'models': models}, sort_keys=false)) }}
{% endmacro %}
