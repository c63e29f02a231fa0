-- R-OFF-1..4: every offense a charge can be classified as: each citation of the statute map, and, for a
-- citation the map does not know, its chapter's fallback (the chapter's default type, sub-type "Other <type>").
-- The key is the citation, or `fallback:<chapter>` (`fallback:OTHER` for any chapter not listed).
with

statute_map as (
    select * from {{ ref('statute_offense_map') }}
),

statute_chapters as (
    select * from {{ ref('statute_chapters') }}
),

offense_sub_types as (
    select * from {{ ref('offense_sub_types') }}
),

other_chapter as (
    select * from statute_chapters where chapter = 'OTHER'
),

mapped_offenses as (
    select
        statute_map.statute_citation as offense_key,
        statute_map.statute_citation,
        statute_map.chapter,
        statute_map.section,
        statute_map.subsection,
        statute_map.description,
        statute_map.offense_type,
        statute_map.offense_sub_type,
        statute_map.severity,
        false as is_fallback,
        statute_map.offense_type != coalesce(statute_chapters.offense_type, other_chapter.offense_type)
            as is_type_override,
        statute_map.rationale
    from statute_map
    left join statute_chapters
        on statute_map.chapter = statute_chapters.chapter
    cross join other_chapter
),

fallback_offenses as (
    select
        {{ dbt.concat(["'fallback:'", "statute_chapters.chapter"]) }} as offense_key,
        cast(null as {{ dbt.type_string() }}) as statute_citation,
        statute_chapters.chapter,
        cast(null as {{ dbt.type_string() }}) as section,
        cast(null as {{ dbt.type_string() }}) as subsection,
        {{ dbt.concat(["'Citation not in the statute map: '", "statute_chapters.chapter_title"]) }} as description,
        statute_chapters.offense_type,
        statute_chapters.fallback_offense_sub_type as offense_sub_type,
        cast(null as {{ dbt.type_string() }}) as severity,
        true as is_fallback,
        false as is_type_override,
        cast(null as {{ dbt.type_string() }}) as rationale
    from statute_chapters
),

offenses as (
    select * from mapped_offenses
    union all
    select * from fallback_offenses
),

final as (
    select
        offenses.*,
        offense_sub_types.sort_order as offense_sub_type_sort_order
    from offenses
    left join offense_sub_types
        on
            offenses.offense_type = offense_sub_types.offense_type
            and offenses.offense_sub_type = offense_sub_types.offense_sub_type
)

select * from final
