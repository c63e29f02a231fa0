"""Great Expectations suites generated from the landing contract, run chunk by chunk, results summed per file.

`suite_specs(plan)` lists every expectation of one file as plain data (type, kwargs, what it checks and what a
failure does). Most run in GX on each chunk through its pandas data source; the two that need the whole file
(primary key unique across chunks, row count against the previous delivery) are evaluated by the gate and
reported in the same shape, marked `evaluated_by: crosstrack`.

GX validates the frame `rows.ChunkChecker` builds: the raw columns as delivered (empty field = null) plus a
typed copy of each integer, date and timestamp column (`__parsed__<column>`), parsed with the contract format.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from crosstrack.quality.rows import neutralize, parsed_name
from crosstrack.quality.rules import FORMULA_PATTERN, INTEGER_PATTERN, FilePlan

QUARANTINE = "quarantine the row"
WARNING = "warning (row loaded, conformed downstream)"
REJECT = "reject the delivery"
GX = "great_expectations"
GATE = "crosstrack"
PARTIAL_VALUES = 10


@dataclass
class ExpectationSpec:
    type: str
    kwargs: dict[str, Any]
    check: str
    consequence: str
    evaluated_by: str = GX


@dataclass
class ExpectationResult:
    spec: ExpectationSpec
    success: bool = True
    element_count: int = 0
    unexpected_count: int = 0
    missing_count: int = 0
    partial_unexpected: list[str] = field(default_factory=list)
    error: str | None = None
    note: str | None = None

    def add(self, result: dict[str, Any], success: bool) -> None:
        self.success = self.success and success
        self.element_count += int(result.get("element_count") or 0)
        self.unexpected_count += int(result.get("unexpected_count") or 0)
        self.missing_count += int(result.get("missing_count") or 0)
        for value in result.get("partial_unexpected_list") or []:
            if len(self.partial_unexpected) < PARTIAL_VALUES:
                self.partial_unexpected.append(neutralize(str(value)))

    def as_dict(self) -> dict[str, Any]:
        kwargs = {k: (str(v) if isinstance(v, pd.Timestamp) else v) for k, v in self.spec.kwargs.items()}
        return {
            "expectation": self.spec.type,
            "kwargs": kwargs,
            "check": self.spec.check,
            "on_failure": self.spec.consequence,
            "evaluated_by": self.spec.evaluated_by,
            "success": self.success,
            "element_count": self.element_count,
            "unexpected_count": self.unexpected_count,
            "missing_count": self.missing_count,
            "partial_unexpected_list": self.partial_unexpected,
            "error": self.error,
            "note": self.note,
        }


def suite_specs(plan: FilePlan) -> list[ExpectationSpec]:
    """Every expectation of one landing file, derived from the contract."""
    settings = plan.settings
    specs = [
        ExpectationSpec(
            "expect_table_columns_to_match_set",
            {"column_set": list(plan.expected_header), "exact_match": False},
            "every contract column is present (extra and missing columns are rejected before this)",
            REJECT,
        ),
        ExpectationSpec(
            "expect_table_row_count_to_be_between",
            {"min_value": 1},
            "the file has data rows",
            REJECT,
            GATE,
        ),
        ExpectationSpec(
            "expect_column_values_to_be_unique",
            {"column": plan.primary_key},
            "primary key unique across the whole file (evaluated across chunks by the gate)",
            QUARANTINE + " (all but the first occurrence)",
            GATE,
        ),
    ]
    for column_plan in plan.columns:
        name, column = column_plan.name, column_plan.column
        specs.append(
            ExpectationSpec(
                "expect_column_value_lengths_to_be_between",
                {"column": name, "max_value": settings.max_field_chars},
                f"{name}: at most {settings.max_field_chars} characters",
                QUARANTINE,
            )
        )
        if column.required:
            specs.append(
                ExpectationSpec(
                    "expect_column_values_to_not_be_null", {"column": name}, f"{name} is required", QUARANTINE
                )
            )
        if column.type == "integer":
            specs.append(
                ExpectationSpec(
                    "expect_column_values_to_match_regex",
                    {"column": name, "regex": INTEGER_PATTERN},
                    f"{name} is an integer",
                    QUARANTINE,
                )
            )
            if column.range is not None:
                specs.append(
                    ExpectationSpec(
                        "expect_column_values_to_be_between",
                        {"column": parsed_name(name), "min_value": column.range[0], "max_value": column.range[1]},
                        f"{name} within the contract range {list(column.range)}",
                        QUARANTINE,
                    )
                )
        if column_plan.is_temporal:
            specs.append(
                ExpectationSpec(
                    "expect_column_values_to_not_be_null",
                    {
                        "column": parsed_name(name),
                        "row_condition": f"`{name}`.notnull()",
                        "condition_parser": "pandas",
                    },
                    f"{name} parses with the format {column_plan.parse_format}",
                    QUARANTINE,
                )
            )
            bounds = column_plan.date_bounds
            if bounds is not None:
                specs.append(
                    ExpectationSpec(
                        "expect_column_values_to_be_between",
                        {
                            "column": parsed_name(name),
                            "min_value": pd.Timestamp(bounds.earliest),
                            "max_value": pd.Timestamp(bounds.latest) + pd.Timedelta(days=1),
                            "strict_max": True,
                        },
                        f"{name} between {bounds.earliest} and {bounds.latest}",
                        QUARANTINE,
                    )
                )
        if column_plan.allowed_values is not None:
            specs.append(
                ExpectationSpec(
                    "expect_column_values_to_be_in_set",
                    {"column": name, "value_set": list(column_plan.allowed_values)},
                    f"{name} in {'code set ' + str(column.code_set) if column.code_set else 'the flag values'}",
                    WARNING if column.type == "code" else QUARANTINE,
                )
            )
        if column.type == "string":
            specs.append(
                ExpectationSpec(
                    "expect_column_values_to_not_match_regex",
                    {"column": name, "regex": FORMULA_PATTERN},
                    f"{name} does not look like a spreadsheet formula",
                    QUARANTINE,
                )
            )
    for pair in plan.ordering:
        specs.append(
            ExpectationSpec(
                "expect_column_pair_values_a_to_be_greater_than_b",
                {
                    "column_A": parsed_name(pair.end.name),
                    "column_B": parsed_name(pair.start.name),
                    "or_equal": True,
                    "ignore_row_if": "either_value_is_missing",
                },
                f"{pair.end.name} on or after {pair.start.name}",
                QUARANTINE,
            )
        )
    return specs


def volume_spec(low: int | None, high: int | None) -> ExpectationSpec:
    """Plausible volume: evaluated by the gate against the previous delivery's manifest."""
    return ExpectationSpec(
        "expect_table_row_count_to_be_between",
        {"min_value": low, "max_value": high},
        "row count within the configured ratio of the previous delivery's",
        WARNING,
        GATE,
    )


def spec_key(expectation_type: str, kwargs: dict[str, Any]) -> tuple[str, str]:
    """Identifies an expectation within one file's suite: its type and the column(s) it reads."""
    return expectation_type, str(kwargs.get("column") or kwargs.get("column_A") or "")


def _class_name(expectation_type: str) -> str:
    return "".join(part.title() for part in expectation_type.split("_"))


class SuiteRunner:
    """One ephemeral GX context; one suite and validation definition per landing file."""

    def __init__(self) -> None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        logging.getLogger("great_expectations").setLevel(logging.ERROR)
        self._gx = gx
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self.datasource = self.context.data_sources.add_pandas("landing")
        self._definitions: dict[str, Any] = {}
        self.version = gx.__version__

    def prepare(self, relative_path: str, specs: list[ExpectationSpec]) -> None:
        import great_expectations.expectations as gxe

        gx = self._gx
        suite = gx.ExpectationSuite(name=relative_path)
        for spec in specs:
            if spec.evaluated_by == GX:
                suite.add_expectation(getattr(gxe, _class_name(spec.type))(**spec.kwargs))
        suite = self.context.suites.add(suite)
        asset = self.datasource.add_dataframe_asset(relative_path)
        batch = asset.add_batch_definition_whole_dataframe("chunk")
        self._definitions[relative_path] = self.context.validation_definitions.add(
            gx.ValidationDefinition(name=relative_path, data=batch, suite=suite)
        )

    def validate(self, relative_path: str, frame: pd.DataFrame) -> dict[tuple[str, str], tuple[dict, bool, str | None]]:
        """(result, success, error) per GX expectation, keyed by `spec_key`."""
        outcome = self._definitions[relative_path].run(
            batch_parameters={"dataframe": frame},
            result_format={"result_format": "SUMMARY", "partial_unexpected_count": PARTIAL_VALUES},
        )
        results = {}
        for item in outcome.results:
            error = None
            if item.exception_info and item.exception_info.get("raised_exception"):
                error = str(item.exception_info.get("exception_message"))
            config = item.expectation_config
            results[spec_key(config.type, config.kwargs)] = (dict(item.result or {}), bool(item.success), error)
        return results
