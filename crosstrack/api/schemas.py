"""Response shapes, for the OpenAPI document (/openapi.json, /docs) and the schema checks of the tests."""

from __future__ import annotations

from pydantic import BaseModel, Field

Cell = str | int | float | bool | None


class ErrorResponse(BaseModel):
    error: str = Field(description="What is wrong and, where it helps, what is offered instead.")
    parameter: str | None = Field(description="The query parameter, path parameter or header at fault.")

    model_config = {
        "json_schema_extra": {
            "examples": [{"error": "unknown cohort 'jail'; offered: custodial, ...", "parameter": "cohort"}]
        }
    }


class HealthResponse(BaseModel):
    status: str = Field(description="`ok` when the catalog and a row of every cube of the public release were read.")
    as_of: str | None = Field(description="Cohort reference date of the public release.")
    published_at: str | None = Field(description="When the public release was published.")
    cubes: int = Field(description="How many cube tables were read (one row each).")
    release: str | None = Field(None, description="The id of the release read (null: a publish folder without one).")


class CatalogDimension(BaseModel):
    dimension: str
    label: str
    description: str
    is_partition: bool = Field(description="A partition column: every row carries it; it can be filtered, not grouped.")
    requires_offender_status: str | None = Field(
        description="R-CHG-4: the dimension is offered only with the filter offender_status:<this value>."
    )
    values: list[str] = Field(description="The values a filter may name, in display order.")


class CatalogMetric(BaseModel):
    metric: str
    label: str
    description: str
    unit: str = Field(description="records, days, enrollments or proportion.")


class CatalogCohort(BaseModel):
    cohort: str
    label: str
    description: str
    table: str = Field(description="The public table (also published as Parquet) the cohort is read from.")
    partition_columns: list[str]
    max_dimensions: int = Field(description="Most non-partition dimensions (grouped or filtered) in one query.")
    dimensions: list[CatalogDimension]
    metrics: list[CatalogMetric]


class CatalogResponse(BaseModel):
    as_of: str | None = Field(description="Cohort reference date of the release.")
    published_at: str | None
    suppression_threshold: int | None = Field(description="R-PUB-2: fewer records than this are suppressed.")
    max_dimensions: int | None
    release: str | None = Field(None, description="The id of the release described (null: no releases folder).")
    cohorts: list[CatalogCohort]


class QueryColumn(BaseModel):
    name: str
    label: str
    role: str = Field(description="partition, dimension, metric or suppression.")
    unit: str | None


class Suppression(BaseModel):
    threshold: int | None
    note: str


class QueryResponse(BaseModel):
    cohort: str
    dimensions: list[str] = Field(description="The grouped dimensions, as requested.")
    filters: dict[str, str] = Field(description="dimension -> value.")
    metrics: list[str]
    grouping_set: list[str] = Field(description="Requested and filtered non-partition dimensions, sorted.")
    columns: list[QueryColumn]
    rows: list[dict[str, Cell]] = Field(
        description="One object per published cell: partition columns, dimensions, metrics, is_suppressed."
    )
    row_count: int = Field(description="Rows in this answer (at most one page).")
    total_row_count: int = Field(description="Rows of the whole table, over every page.")
    page: int = Field(description="This page's number, from 1.")
    next_url: str | None = Field(description="The next page, or null on the last one.")
    as_of: str | None
    suppression: Suppression
    query_url: str = Field(description="This query as a URL that can be saved and run again (R-API-1).")
    csv_url: str = Field(description="The same query as a CSV download (R-API-2).")


class PersonCandidate(BaseModel):
    person_key: str
    score: float = Field(description="How well the person's identifiers match the search, 0 to 1.")


class PersonSearchResponse(BaseModel):
    candidate_count: int
    candidates: list[PersonCandidate] = Field(description="Candidate persons, best first.")


class TimelineResponse(BaseModel):
    person_key: str
    event_count: int
    events: list[dict[str, Cell]] = Field(description="Rows of restricted.person_timeline, in event_sequence order.")
