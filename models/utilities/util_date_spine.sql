-- The date spine: every day from 2010-01-01 to two years past `as_of`, from dbt's portable date spine, with its
-- calendar attributes. A utility: any layer may read it (the cohort snapshot dates, the core dimension dim_date).
with

spine as (
    {{ dbt.date_spine(
        'day',
        "cast('2010-01-01' as date)",
        "cast(" ~ dbt.dateadd('year', 2, "cast('" ~ var('as_of') ~ "' as date)") ~ " as date)",
    ) }}
),

final as (
    select
        cast(date_day as date) as date_day,
        extract(year from date_day) as year_number,
        extract(quarter from date_day) as quarter_number,
        extract(month from date_day) as month_number,
        extract(day from date_day) as day_of_month,
        cast({{ dbt.date_trunc('week', 'date_day') }} as date) as week_start_date,
        cast({{ dbt.date_trunc('year', 'date_day') }} as date) as year_start_date,
        extract(month from date_day) = 1 and extract(day from date_day) = 1 as is_january_first,
        cast(date_day as date) <= cast('{{ var("as_of") }}' as date) as is_on_or_before_as_of
    from spine
)

select * from final
