{#-
    The public layer's single definition (SPEC section 10): for each cohort, its cube table, the partition
    columns every cell carries, the dimensions a query may group or filter by, and the metrics with the SQL
    aggregate that computes each from the cohort's records. The cell models, the public cubes, the catalog
    tables the API reads (pub_cohorts, pub_dimensions, pub_metrics) and the docs are all generated from it.

    A cube holds every cell of every grouping set of at most `max_dimensions` dimensions (partition columns do
    not count), so that the API only ever looks cells up and never computes a new aggregate: every number it
    serves went through suppression and perturbation here (R-PUB-2, R-PUB-3).
    `requires_offender_status` (R-CHG-4): governing-offense dimensions appear only in grouping sets that also
    group by offender status, and the API offers them only when the selection is narrowed to Sentenced;
    leading-charge dimensions likewise for Pretrial. Both families never share a grouping set.
    Utility against disclosure (R-PUB-4, docs/public_layer.md): a `detailed` dimension has many values (agency,
    release type, gender identity, offense sub-types), so crossing it with more than one other dimension leaves
    most cells under the threshold; a grouping set of three dimensions holds at most one detailed dimension, and
    a `pairs_only` dimension (gender identity, 13 values) is crossed with at most one other dimension.
-#}
{% macro public_max_dimensions() %}{{ return(3) }}{% endmacro %}

{% macro public_suppression_threshold() %}{{ return(5) }}{% endmacro %}

{% macro public_cubes() %}
    {%- set agency = {'name': 'agency', 'detailed': true, 'label': 'Agency', 'description': 'The custodial or supervising agency (R-AGY-1).'} -%}
    {%- set facility_type = {'name': 'facility_type', 'label': 'Facility type', 'description': 'DOC security level or county jail / house of correction (R-AGY-1).'} -%}
    {%- set offender_status = {'name': 'offender_status', 'label': 'Offender status', 'description': 'Sentenced or Pretrial.'} -%}
    {%- set demographics = [
        {'name': 'age_group', 'label': 'Age group', 'description': 'Age at the cohort date, in the groups of R-AGE-1.'},
        {'name': 'assigned_sex', 'label': 'Assigned sex', 'description': 'Sex assigned at birth (R-SEX-1).'},
        {'name': 'gender_identity', 'detailed': true, 'pairs_only': true, 'label': 'Gender identity', 'description': 'Gender identity, a dimension apart from assigned sex (R-SEX-1).'},
        {'name': 'race', 'label': 'Race', 'description': 'Race as displayed under R-RACE-1..3.'},
        {'name': 'ethnicity', 'label': 'Ethnicity', 'description': 'Ethnicity (R-ETH-1).'},
    ] -%}
    {%- set self_reported = [
        {'name': 'reproductive_health_status', 'label': 'Reproductive health status', 'description': 'Self-reported at admission, assigned sex female only; Not applicable otherwise (R-SELF-1).'},
        {'name': 'primary_caretaker_status', 'label': 'Primary caretaker status', 'description': 'Self-reported at admission (R-SELF-1).'},
    ] -%}
    {%- set governing = [
        {'name': 'governing_offense_type', 'label': 'Governing offense type', 'description': 'Type of the governing offense (R-CHG-2, R-OFF-2); sentenced only.', 'requires_offender_status': 'Sentenced'},
        {'name': 'governing_offense_sub_type', 'detailed': true, 'label': 'Governing offense sub-type', 'description': 'Sub-type of the governing offense (R-OFF-3); sentenced only.', 'requires_offender_status': 'Sentenced'},
        {'name': 'governing_offense_severity', 'label': 'Governing offense severity', 'description': 'Felony or misdemeanor (R-OFF-1); sentenced only.', 'requires_offender_status': 'Sentenced'},
    ] -%}
    {%- set leading = [
        {'name': 'leading_charge_type', 'label': 'Leading charge type', 'description': 'Type of the leading charge (R-CHG-3, R-OFF-2); pretrial only.', 'requires_offender_status': 'Pretrial'},
        {'name': 'leading_charge_sub_type', 'detailed': true, 'label': 'Leading charge sub-type', 'description': 'Sub-type of the leading charge (R-OFF-3); pretrial only.', 'requires_offender_status': 'Pretrial'},
        {'name': 'leading_charge_severity', 'label': 'Leading charge severity', 'description': 'Felony or misdemeanor (R-OFF-1); pretrial only.', 'requires_offender_status': 'Pretrial'},
    ] -%}
    {#- The recidivism cohort is sentenced by definition, so its governing-offense dimensions need no filter. -#}
    {%- set governing_of_sentenced = [] -%}
    {%- for dimension in governing -%}
        {%- do governing_of_sentenced.append({'name': dimension.name, 'detailed': dimension.get('detailed', false), 'label': dimension.label, 'description': dimension.description}) -%}
    {%- endfor -%}

    {#-
        Each metric says how it is protected (R-PUB-4, macros/public_cube.sql):
        - `count`: a count of records or of a subset of them (enrollments, people with an outcome); withheld when
          its true value is under the threshold (and, with `complement`, when the count without the outcome is),
          otherwise perturbed with the noise of `key`, the fingerprints of exactly the records it counts, and
          never published under the threshold;
        - `rate`: the published `numerator` count over the published record count, withheld with its numerator;
        - `magnitude` (a mean or a median): perturbed by noise proportional to the largest value in the cell
          (`scale`) over the record count, rounded to whole days.
        `sql` computes the true value in the restricted cells; the published value is derived from it.
    -#}
    {%- set record_count = {'name': 'record_count', 'label': 'Records', 'unit': 'records', 'sql': 'count(*)', 'protect': 'count', 'key': 'sum(record_fingerprint)', 'key_column': 'record_fingerprint', 'description': 'Records meeting the selection (a person may count more than once, R-COH-1).'} -%}
    {%- set longest_stay = {'name': 'max_incarceration_days', 'sql': 'max(incarceration_days)', 'description': 'The longest stay in the cell: the scale of the noise on its mean and median (R-PUB-4).'} -%}
    {%- set incarceration_time = [
        {'name': 'mean_incarceration_days', 'label': 'Mean incarceration days', 'unit': 'days', 'sql': 'avg(incarceration_days)', 'protect': 'magnitude', 'scale': longest_stay, 'description': 'Mean days from the most recent admission, both ends counted (R-INC-1, R-INC-2, R-INC-4).'},
        {'name': 'median_incarceration_days', 'label': 'Median incarceration days', 'unit': 'days', 'sql': median('incarceration_days'), 'protect': 'magnitude', 'scale': longest_stay, 'description': 'Median of the same days, beside the mean (R-INC-4).'},
    ] -%}
    {%- set programs = [
        {'name': 'program_enrollments', 'label': 'Program enrollments', 'unit': 'enrollments', 'sql': 'sum(program_enrollment_count)', 'protect': 'count', 'key': 'sum(case when program_enrollment_count > 0 then record_fingerprint else 0 end)', 'description': 'Enrollments begun in the window of R-PRG-1; the record count includes people with none (R-PRG-2).'},
    ] -%}
    {%- set program_groups = {
        'beh': 'Behavioral health / mental health / substance use',
        'edu': 'Educational and vocational',
        'sup': 'Support / mentorship',
        'work': 'Work assignment',
        'reinvestment': 'Community reinvestment',
        'religious': 'Religious / spiritual',
    } -%}
    {%- for group, group_label in program_groups.items() -%}
        {%- do programs.append({'name': group ~ '_enrollments', 'label': group_label ~ ' enrollments', 'unit': 'enrollments', 'sql': 'sum(' ~ group ~ '_enrollment_count)', 'protect': 'count', 'key': 'sum(case when ' ~ group ~ '_enrollment_count > 0 then record_fingerprint else 0 end)', 'description': 'Enrollments in the ' ~ group_label ~ ' program group (R-PSI-1, R-PRG-2).'}) -%}
    {%- endfor -%}
    {%- set recidivism_outcomes = [] -%}
    {%- for measure in ['rearraignment', 'reconviction', 'reincarceration'] -%}
        {%- do recidivism_outcomes.append({'name': measure ~ '_count', 'label': 'Releases with a ' ~ measure, 'unit': 'records', 'sql': 'sum(case when is_' ~ measure ~ ' then 1 else 0 end)', 'protect': 'count', 'complement': true, 'key': 'sum(case when is_' ~ measure ~ ' then record_fingerprint else 0 end)', 'description': 'Releases with a ' ~ measure ~ ' within the follow-up window (R-RCD-2, R-RCD-3); withheld when fewer than ' ~ public_suppression_threshold() ~ ' releases have it or fewer than ' ~ public_suppression_threshold() ~ ' do not (R-PUB-4).'}) -%}
        {%- do recidivism_outcomes.append({'name': measure ~ '_rate', 'label': measure.capitalize() ~ ' rate', 'unit': 'proportion', 'sql': 'avg(case when is_' ~ measure ~ ' then 1.0 else 0.0 end)', 'protect': 'rate', 'numerator': measure ~ '_count', 'description': 'Share of the releases with a ' ~ measure ~ ' within the follow-up window (R-RCD-2, R-RCD-3): the published count with it over the published record count (R-PUB-4).'}) -%}
    {%- endfor -%}

    {{ return({
        'custodial': {
            'table': 'pub_custodial_population',
            'records': 'int_public_custodial_records',
            'label': 'People in custody on January 1',
            'description': 'A person in DOC or Sheriff custody on a January 1 from 2017 (SPEC section 3).',
            'partitions': [{'name': 'snapshot_date', 'type': 'date', 'label': 'Snapshot date', 'description': 'The January 1 of the snapshot.'}],
            'dimensions': [agency, facility_type, offender_status] + demographics + self_reported + governing + leading,
            'metrics': [record_count] + incarceration_time + programs,
        },
        'admissions': {
            'table': 'pub_admissions',
            'records': 'int_public_admission_records',
            'label': 'Admissions',
            'description': 'An admission to a custodial agency, sentenced or pretrial, from 2017 to the last complete week before as_of (SPEC section 3).',
            'partitions': [{'name': 'admission_year', 'type': 'integer', 'label': 'Admission year', 'description': 'Calendar year of the admission.'}],
            'dimensions': [agency, facility_type, {'name': 'admission_type', 'label': 'Admission type', 'description': 'Admission type (R-ADM-1).'}, offender_status] + demographics + self_reported + governing + leading,
            'metrics': [record_count],
        },
        'releases': {
            'table': 'pub_releases',
            'records': 'int_public_release_records',
            'label': 'Releases',
            'description': 'A release from a custodial placement, sentenced or pretrial, from 2017 to the end of the last complete year before as_of (SPEC section 3).',
            'partitions': [{'name': 'release_year', 'type': 'integer', 'label': 'Release year', 'description': 'Calendar year of the release.'}],
            'dimensions': [agency, facility_type, {'name': 'release_type', 'detailed': true, 'label': 'Release type', 'description': 'Release type (R-REL-1).'}, {'name': 'release_to_community', 'label': 'Released to the community', 'description': 'Yes when released to the community as R-COH-2 defines it.'}, offender_status] + demographics + self_reported + governing + leading,
            'metrics': [record_count] + incarceration_time + programs,
        },
        'recidivism': {
            'table': 'pub_recidivism',
            'records': 'int_public_recidivism_records',
            'label': 'Recidivism after release to the community',
            'description': 'A sentenced person released to the community, counted in an N-year rate only when the whole N-year follow-up has passed by as_of (R-RCD-1..3).',
            'partitions': [
                {'name': 'release_year', 'type': 'integer', 'label': 'Release year', 'description': 'Calendar year of the release.'},
                {'name': 'followup_years', 'type': 'integer', 'label': 'Follow-up years', 'description': 'The follow-up window N (1, 2 or 3 years, R-RCD-3).'},
            ],
            'dimensions': [agency, facility_type, {'name': 'release_type', 'detailed': true, 'label': 'Release type', 'description': 'Release type (R-REL-1).'}] + demographics + self_reported + governing_of_sentenced,
            'metrics': [record_count] + recidivism_outcomes,
        },
        'risk_and_needs': {
            'table': 'pub_risk_levels',
            'records': 'int_public_risk_records',
            'label': 'Risk levels on January 1',
            'description': 'A sentenced person in custody or a person under Parole or Probation supervision on January 1, with the risk level of the latest assessment; Not Assessed is a value (R-RISK-1..4).',
            'partitions': [{'name': 'snapshot_date', 'type': 'date', 'label': 'Snapshot date', 'description': 'The January 1 of the snapshot.'}],
            'dimensions': [
                agency,
                {'name': 'population', 'label': 'Population', 'description': 'Sentenced in custody, or under supervision.'},
                {'name': 'instrument', 'label': 'Instrument', 'description': 'The risk instrument of the latest assessment (R-RISK-1); Not assessed when there is none.'},
                {'name': 'risk_level', 'label': 'Risk level', 'description': 'The banded risk level (R-RISK-2); Not Assessed is a value (R-RISK-4).'},
            ] + demographics,
            'metrics': [record_count],
        },
    }) }}
{% endmacro %}

{#- The grouping sets of a cohort's cube: every set of at most max_dimensions dimensions, minus those R-CHG-4 and the
    rule on detailed dimensions (above) rule out. -#}
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
