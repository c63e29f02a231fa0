"""The gate's report: `report.json` (machine-readable) and `report.html` (every expectation and its result per file).

Every value shown comes out of `rows.neutralize` (truncated, a spreadsheet formula defused with a leading
apostrophe) and is HTML-escaped, so a hostile extract cannot inject a formula or markup into the report.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crosstrack.quality.gate import FileOutcome, GateResult


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
    return {
        "file": outcome.facts.relative_path,
        "source_system": outcome.landing_file.system,
        "file_name": outcome.landing_file.file_name,
        "rows_received": outcome.rows,
        "rows_quarantined": outcome.quarantined_rows,
        "rows_passed": outcome.rows - outcome.quarantined_rows,
        "failures": 0 if failures is None else len(failures),
        "quarantined_rows_by_reason": by_reason,
        "warnings": warnings,
        "bytes": outcome.facts.bytes,
        "sha256": outcome.facts.sha256,
        "columns": outcome.facts.header,
        "rows_validated_by_gx": outcome.gx_rows,
        "seconds": round(outcome.seconds, 2),
        "expectations": [e.as_dict() for e in outcome.expectations],
        "structural_problems": [p.message() for p in outcome.facts.problems],
    }


def json_report(result: GateResult) -> dict[str, Any]:
    options = result.options
    files = [_file_report(o) for o in result.files]
    return {
        "status": "accepted" if result.accepted else "rejected",
        "exit_code": result.exit_code,
        "landing_dir": str(options.landing_dir),
        "as_of": str(options.settings.as_of),
        "settings": {k: str(v) for k, v in vars(options.settings).items()},
        "chunk_rows": options.chunk_rows,
        "great_expectations": result.gx_version or "not run",
        "gx_max_rows_per_file": options.gx_max_rows,
        "seconds": round(result.seconds, 2),
        "structural_problems": [p.message() for p in result.problems],
        "unexpected_files_ignored": result.unexpected_files,
        "totals": {
            "rows_received": sum(f["rows_received"] for f in files),
            "rows_quarantined": sum(f["rows_quarantined"] for f in files),
            "warnings": sum(w["count"] for f in files for w in f["warnings"]),
        },
        "files": files,
    }


def _escape(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{_escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{_escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _expectation_rows(expectations: list[dict[str, Any]]) -> list[list[Any]]:
    rows = []
    for e in expectations:
        status = "pass" if e["success"] else ("error: " + e["error"] if e["error"] else "FAIL")
        rows.append(
            [
                status,
                e["expectation"],
                e["check"],
                e["evaluated_by"],
                f"{e['unexpected_count']} / {e['element_count']}",
                e["on_failure"],
                ", ".join(e["partial_unexpected_list"][:5]) or (e["note"] or ""),
            ]
        )
    return rows


def _file_section(f: dict[str, Any]) -> str:
    parts = [f"<h2 id='{_escape(f['file'])}'>{_escape(f['file'])}</h2>"]
    parts.append(
        _table(
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
    if f["structural_problems"]:
        parts.append(
            "<h3>Structural problems</h3><ul>"
            + "".join(f"<li>{_escape(p)}</li>" for p in f["structural_problems"])
            + "</ul>"
        )
    if f["quarantined_rows_by_reason"]:
        parts.append("<h3>Quarantined rows by reason</h3>")
        parts.append(_table(["reason", "rows"], [[r, n] for r, n in f["quarantined_rows_by_reason"].items()]))
    if f["warnings"]:
        parts.append("<h3>Warnings (rows loaded)</h3>")
        rows = [
            [
                w["field"],
                w["reason"],
                w["count"],
                w.get("detail") or "; ".join(f"row {s['landing_row']}: {s['value']}" for s in w["samples"]),
            ]
            for w in f["warnings"]
        ]
        parts.append(_table(["field", "reason", "count", "samples"], rows))
    if f["expectations"]:
        parts.append(f"<h3>Expectations ({f['rows_validated_by_gx']} rows validated by Great Expectations)</h3>")
        parts.append(
            _table(
                ["result", "expectation", "check", "evaluated by", "unexpected / rows", "on failure", "sample values"],
                _expectation_rows(f["expectations"]),
            )
        )
    return "\n".join(parts)


STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
.accepted { color: #116611; } .rejected { color: #aa1111; }
"""


def html_report(report: dict[str, Any]) -> str:
    status = report["status"]
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
    problems = "".join(f"<li>{_escape(p)}</li>" for p in report["structural_problems"])
    body = [
        "<h1>Cross-Tracking data-quality gate</h1>",
        f"<p class='{status}'><strong>Delivery {_escape(status)}</strong> (exit code {report['exit_code']}); "
        f"landing {_escape(report['landing_dir'])}; as-of {_escape(report['as_of'])}; "
        f"Great Expectations {_escape(report['great_expectations'])}; {report['seconds']} s.</p>",
        f"<h2>Structural problems</h2><ul>{problems}</ul>" if problems else "",
        (
            "<p>Files not in the contract, ignored: " + _escape(", ".join(report["unexpected_files_ignored"])) + "</p>"
            if report["unexpected_files_ignored"]
            else ""
        ),
        f"<p>Rows received {report['totals']['rows_received']}, quarantined {report['totals']['rows_quarantined']}, "
        f"warnings {report['totals']['warnings']}.</p>",
        _table(["file", "rows received", "quarantined", "warnings", "failed expectations"], summary_rows),
    ]
    body += [_file_section(f) for f in report["files"]]
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>Data-quality gate report</title>"
        f"<style>{STYLE}</style></head><body>" + "\n".join(body) + "</body></html>\n"
    )
