"""The gate's reports, from one renderer: a public one and a restricted one.

- `report_public.html` (PUBLIC_REPORT): identifies a failing row only by file, row number, field and reason (the
  rule that failed) and shows counts. It never prints a value from the delivery: no identifier, name, date or
  free text from a row, no sample value, no header name the contract does not know, no landing path; the
  gate's own dates (extract date, plausibility bounds) are named, not printed. This is the copy the pipeline publishes
  next to the dbt docs site (`data_quality_report.html`).
- `report_restricted.html` (RESTRICTED_REPORT) and `report.json`: the same plus the values (quarantined values,
  sample values of warnings and expectations, header names, the landing path). Person-level: for cleared staff,
  kept in the gate's output folder only, never published. Both say so (title, banner, `classification`).

Every value shown comes out of `rows.neutralize` (truncated, a spreadsheet formula defused with a leading
apostrophe) and is HTML-escaped, so a hostile extract cannot inject a formula or markup into the report.
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crosstrack.quality.gate import FileOutcome, GateResult
    from crosstrack.quality.rules import GateSettings

PUBLIC_REPORT = "report_public.html"
RESTRICTED_REPORT = "report_restricted.html"
JSON_REPORT = "report.json"
LEGACY_REPORT = "report.html"  # the single report of earlier versions, with values: removed when the gate runs
RESTRICTED = (
    "RESTRICTED: person-level values from the delivery (identifiers, names, dates); for cleared staff only, "
    "never to be published"
)
PUBLIC = "public: no value from the delivery (rows identified by file, row number, field and reason only)"
MAX_LISTED_FAILURES = 1000  # per file, in both reports; quarantine.parquet lists them all

# A date as the gate or an extract may write it: ISO (with a time), US month/day/year, day-month-year.
DATE_PATTERN = re.compile(r"\b(?:\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?|\d{1,2}[/-]\d{1,2}[/-]\d{4})\b")
DATE_WITHHELD = "[date withheld]"


def named_dates(settings: GateSettings) -> dict[str, str]:
    """The gate's own dates (in its reasons and checks) by what they are, for the public report."""
    return {
        settings.latest_date.isoformat(): f"extract date + {settings.future_margin_days} days",
        settings.earliest_birth_date.isoformat(): f"extract date - {settings.max_age} years",
        settings.latest_birth_date.isoformat(): f"extract date - {settings.min_age} years",
        settings.earliest_date.isoformat(): f"the earliest plausible date (year {settings.earliest_date.year})",
        settings.extract_date.isoformat(): "the extract date",
    }


def _file_report(outcome: FileOutcome) -> dict[str, Any]:
    failures = outcome.failures
    by_reason: dict[str, int] = {}
    if failures is not None and not failures.empty:
        by_reason = failures.groupby("reason")["landing_row"].nunique().sort_values(ascending=False).to_dict()
    warnings = [
        {
            "field": column,
            "reason": reason,
            "count": count,
            "samples": [{"landing_row": r, "value": v} for r, v in outcome.warnings.samples.get((column, reason), [])],
        }
        for (column, reason), count in sorted(outcome.warnings.counts.items())
    ]
    if outcome.volume_warning:
        warnings.append(
            {
                "field": "(file)",
                "reason": "implausible volume",
                "count": 1,
                "samples": [],
                "detail": outcome.volume_warning,
            }
        )
    listed = [] if failures is None else failures.head(MAX_LISTED_FAILURES).to_dict("records")
    return {
        "file": outcome.facts.relative_path,
        "source_system": outcome.landing_file.system,
        "file_name": outcome.landing_file.file_name,
        "rows_received": outcome.rows,
        "rows_quarantined": outcome.quarantined_rows,
        "rows_passed": outcome.rows - outcome.quarantined_rows,
        "failures": 0 if failures is None else len(failures),
        "failures_listed": [
            {"landing_row": int(f["landing_row"]), "field": f["field"], "reason": f["reason"], "value": f["value"]}
            for f in listed
        ],
        "quarantined_rows_by_reason": by_reason,
        "warnings": warnings,
        "bytes": outcome.facts.bytes,
        "sha256": outcome.facts.sha256,
        "columns": outcome.facts.header,
        "rows_validated_by_gx": outcome.gx_rows,
        "seconds": round(outcome.seconds, 2),
        "expectations": [e.as_dict() for e in outcome.expectations],
        "structural_problems": [p.message() for p in outcome.facts.problems],
        "structural_problems_public": [p.public_message() for p in outcome.facts.problems],
    }


def json_report(result: GateResult) -> dict[str, Any]:
    options = result.options
    files = [_file_report(o) for o in result.files]
    return {
        "classification": RESTRICTED,
        "status": "accepted" if result.accepted else "rejected",
        "exit_code": result.exit_code,
        "landing_dir": str(options.landing_dir),
        "extract_date": str(options.settings.extract_date),
        "settings": {k: str(v) for k, v in vars(options.settings).items()},
        "named_dates": named_dates(options.settings),
        "chunk_rows": options.chunk_rows,
        "great_expectations": result.gx_version or "not run",
        "gx_max_rows_per_file": options.gx_max_rows,
        "seconds": round(result.seconds, 2),
        "structural_problems": [p.message() for p in result.problems],
        "structural_problems_public": [p.public_message() for p in result.problems],
        "unexpected_files_ignored": result.unexpected_files,
        "totals": {
            "rows_received": sum(f["rows_received"] for f in files),
            "rows_quarantined": sum(f["rows_quarantined"] for f in files),
            "warnings": sum(w["count"] for f in files for w in f["warnings"]),
        },
        "files": files,
    }


class _View:
    """What one audience may see: every cell of the page goes through `text`."""

    def __init__(self, report: dict[str, Any], restricted: bool) -> None:
        self.restricted = restricted
        self.dates = report.get("named_dates", {})

    def text(self, value: Any) -> str:
        """Escaped; in the public report a date is named (the gate's own) or withheld (any other)."""
        text = str(value)
        if not self.restricted:
            text = DATE_PATTERN.sub(lambda m: self.dates.get(m.group(0), DATE_WITHHELD), text)
        return html.escape(text, quote=True)

    def table(self, headers: list[str], rows: list[list[Any]]) -> str:
        head = "".join(f"<th>{self.text(h)}</th>" for h in headers)
        body = "".join("<tr>" + "".join(f"<td>{self.text(c)}</td>" for c in row) + "</tr>" for row in rows)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    def problems(self, entry: dict[str, Any]) -> list[str]:
        if self.restricted:
            return entry["structural_problems"]
        return entry.get("structural_problems_public", [])


def _expectation_rows(view: _View, expectations: list[dict[str, Any]]) -> list[list[Any]]:
    rows = []
    for e in expectations:
        if e["success"]:
            status = "pass"
        elif e["error"]:  # an exception message may quote the data
            status = "error: " + e["error"] if view.restricted else "error (message in the restricted report)"
        else:
            status = "FAIL"
        row = [
            status,
            e["expectation"],
            e["check"],
            e["evaluated_by"],
            f"{e['unexpected_count']} / {e['element_count']}",
            e["on_failure"],
        ]
        if view.restricted:
            row.append(", ".join(e["partial_unexpected_list"][:5]) or (e["note"] or ""))
        else:
            row.append(e["note"] or "")  # the gate's own words: row counts, "not checked"
        rows.append(row)
    return rows


def _failures_section(view: _View, f: dict[str, Any]) -> list[str]:
    listed = f.get("failures_listed", [])
    if not listed:
        return []
    headers = ["row", "field", "reason"] + (["value"] if view.restricted else [])
    rows = [[x["landing_row"], x["field"], x["reason"]] + ([x["value"]] if view.restricted else []) for x in listed]
    parts = ["<h3>Quarantined rows (row, field, reason)</h3>", view.table(headers, rows)]
    if f["failures"] > len(listed):
        parts.append(
            f"<p>First {len(listed)} of {f['failures']} failures listed; quarantine.parquet (restricted) lists all.</p>"
        )
    return parts


def _warning_detail(view: _View, w: dict[str, Any]) -> str:
    if w.get("detail"):
        return w["detail"]  # the gate's own words (row counts)
    if view.restricted:
        return "; ".join(f"row {s['landing_row']}: {s['value']}" for s in w["samples"])
    return ", ".join(str(s["landing_row"]) for s in w["samples"])


def _file_section(view: _View, f: dict[str, Any]) -> str:
    parts = [f"<h2 id='{view.text(f['file'])}'>{view.text(f['file'])}</h2>"]
    parts.append(
        view.table(
            ["rows received", "quarantined", "passed", "warnings", "bytes", "sha256"],
            [
                [
                    f["rows_received"],
                    f["rows_quarantined"],
                    f["rows_passed"],
                    sum(w["count"] for w in f["warnings"]),
                    f["bytes"],
                    f["sha256"][:16],
                ]
            ],
        )
    )
    problems = view.problems(f)
    if problems:
        items = "".join(f"<li>{view.text(p)}</li>" for p in problems)
        parts.append(f"<h3>Structural problems</h3><ul>{items}</ul>")
    if f["quarantined_rows_by_reason"]:
        parts.append("<h3>Quarantined rows by reason</h3>")
        parts.append(view.table(["reason", "rows"], [[r, n] for r, n in f["quarantined_rows_by_reason"].items()]))
    parts += _failures_section(view, f)
    if f["warnings"]:
        parts.append("<h3>Warnings (rows loaded)</h3>")
        rows = [[w["field"], w["reason"], w["count"], _warning_detail(view, w)] for w in f["warnings"]]
        samples = "samples (row: value)" if view.restricted else "sample rows"
        parts.append(view.table(["field", "reason", "count", samples], rows))
    if f["expectations"]:
        parts.append(f"<h3>Expectations ({f['rows_validated_by_gx']} rows validated by Great Expectations)</h3>")
        last = "sample values" if view.restricted else "note"
        parts.append(
            view.table(
                ["result", "expectation", "check", "evaluated by", "unexpected / rows", "on failure", last],
                _expectation_rows(view, f["expectations"]),
            )
        )
    return "\n".join(parts)


STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
.accepted { color: #116611; } .rejected { color: #aa1111; }
.restricted { border: 3px solid #aa1111; background: #fdecea; color: #aa1111; padding: 0.75rem; font-weight: bold; }
.public { border: 1px solid #ccc; background: #f7f7f7; padding: 0.5rem; }
"""


def _preamble(view: _View, report: dict[str, Any]) -> list[str]:
    status = report["status"]
    if view.restricted:
        return [
            "<h1>RESTRICTED: Cross-Tracking data-quality gate (person-level values)</h1>",
            f"<p class='restricted'>{view.text(RESTRICTED)}. This report shows the values of failing rows "
            f"and sample values as delivered. Keep it with the gate's outputs; the report that may be shown "
            f"beside the docs site is {view.text(PUBLIC_REPORT)}.</p>",
            f"<p class='{status}'><strong>Delivery {view.text(status)}</strong> (exit code {report['exit_code']}); "
            f"landing {view.text(report['landing_dir'])}; extract date {view.text(report['extract_date'])}; "
            f"Great Expectations {view.text(report['great_expectations'])}; {report['seconds']} s.</p>",
        ]
    return [
        "<h1>Cross-Tracking data-quality gate</h1>",
        "<p class='public'>Public report: a failing row is identified by file, row number, field and reason only; "
        "no value from the delivery is shown (the gate's own dates are named). The values are in the restricted "
        "report kept with the gate's outputs.</p>",
        f"<p class='{status}'><strong>Delivery {view.text(status)}</strong> (exit code {report['exit_code']}); "
        f"extract month {view.text(str(report['extract_date'])[:7])}; "
        f"Great Expectations {view.text(report['great_expectations'])}; {report['seconds']} s.</p>",
    ]


def html_report(report: dict[str, Any], *, restricted: bool) -> str:
    """One renderer, two audiences: `restricted=False` is the public report (no value from the delivery)."""
    view = _View(report, restricted)
    summary_rows = [
        [
            f["file"],
            f["rows_received"],
            f["rows_quarantined"],
            sum(w["count"] for w in f["warnings"]),
            sum(1 for e in f["expectations"] if not e["success"]),
        ]
        for f in report["files"]
    ]
    problems = "".join(f"<li>{view.text(p)}</li>" for p in view.problems(report))
    ignored = report["unexpected_files_ignored"]
    if ignored and restricted:
        ignored_note = "<p>Files not in the contract, ignored: " + view.text(", ".join(ignored)) + "</p>"
    elif ignored:  # a file name is whatever the sender chose
        ignored_note = f"<p>Files not in the contract, ignored: {len(ignored)} (named in the restricted report)</p>"
    else:
        ignored_note = ""
    body = [
        *_preamble(view, report),
        f"<h2>Structural problems</h2><ul>{problems}</ul>" if problems else "",
        ignored_note,
        f"<p>Rows received {report['totals']['rows_received']}, quarantined {report['totals']['rows_quarantined']}, "
        f"warnings {report['totals']['warnings']}.</p>",
        view.table(["file", "rows received", "quarantined", "warnings", "failed expectations"], summary_rows),
    ]
    body += [_file_section(view, f) for f in report["files"]]
    title = "RESTRICTED: data-quality gate report (person-level values)" if restricted else "Data-quality gate report"
    robots = "<meta name='robots' content='noindex, nofollow'>" if restricted else ""
    return (
        f"<!doctype html><html><head><meta charset='utf-8'>{robots}<title>{view.text(title)}</title>"
        f"<style>{STYLE}</style></head><body>" + "\n".join(body) + "</body></html>\n"
    )
