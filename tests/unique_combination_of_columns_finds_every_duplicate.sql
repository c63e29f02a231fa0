-- The generic test unique_combination_of_columns reports, on this engine, exactly the duplicates the plain GROUP BY
-- reports: on rows with duplicates (nulls included), with no duplicate, and with a duplicate that differs only in
-- one column, both forms return the same combinations and counts. A row is a combination one form reports and the
-- other does not (or with another count), or a duplicate the fixture holds that neither reports.
with

fixture as (
    select
        rows_given.source_system,
        rows_given.file_name,
        rows_given.source_event_id,
        rows_given.event_type
    from (
        values
        ('ims', 'A.csv', 'A1', 'admission'),
        ('ims', 'A.csv', 'A1', 'admission'),
        ('ims', 'A.csv', 'A1', 'release'),
        ('ims', 'A.csv', 'A2', 'admission'),
        ('ims', 'B.csv', 'A2', 'admission'),
        ('oms', 'A.csv', null, 'charge'),
        ('oms', 'A.csv', null, 'charge'),
        ('oms', 'A.csv', null, 'charge'),
        ('oms', null, 'C1', 'charge')
    ) as rows_given (source_system, file_name, source_event_id, event_type)
),

engine_failures as (
    {{ adapter.dispatch('unique_combination_of_columns_failures', 'crosstrack')(
        'fixture', ['source_system', 'file_name', 'source_event_id', 'event_type']) }}
),

plain_failures as (
    {{ default__unique_combination_of_columns_failures(
        'fixture', ['source_system', 'file_name', 'source_event_id', 'event_type']) }}
),

expected_failures as (
    select
        rows_expected.source_system,
        rows_expected.file_name,
        rows_expected.source_event_id,
        rows_expected.event_type,
        rows_expected.occurrences
    from (
        values
        ('ims', 'A.csv', 'A1', 'admission', 2),
        ('oms', 'A.csv', null, 'charge', 3)
    ) as rows_expected (source_system, file_name, source_event_id, event_type, occurrences)
),

differences as (
    (select 'engine' as side, * from engine_failures except select 'engine' as side, * from expected_failures)
    union all
    (select 'expected' as side, * from expected_failures except select 'expected' as side, * from engine_failures)
    union all
    (select 'plain' as side, * from plain_failures except select 'plain' as side, * from expected_failures)
    union all
    (select 'expected' as side, * from expected_failures except select 'expected' as side, * from plain_failures)
),

final as (
    select * from differences
)

select * from final
