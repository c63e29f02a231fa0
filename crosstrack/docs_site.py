"""The docs site (`make docs`): one folder that works opened from disk (file://) and served over HTTP.

    .venv/bin/python -m crosstrack.docs_site --target target --quality-dir data/demo/quality \
        --public-db warehouse/public/crosstrack_public.duckdb [--audit FILE] --out site

- the narrative pages of docs/ with mkdocs-material (mkdocs.yml: page links end in .html, search from a local
  index, no font or script from the network);
- the dbt docs as one self-contained page (`dbt docs generate --static`, written by the build) at dbt/index.html;
- pages of the latest build under build/: the public data-quality report (no value from the delivery), the
  landing reconciliation, the disclosure-audit figures, a summary of the dbt test results by layer, and the
  public quarterly recidivism report: the copy archived with the release --public-db names (the current one
  through the stable name), or, for a published file outside a release folder, written from it.

Nothing person-level goes in: the pages hold counts and the names of files, models and tests. The restricted
SID capture report is never placed here. The site is built beside the destination and moved into place; a site
that holds the deployment secret is refused.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crosstrack.pipeline import BUILD_RUN_RESULTS
from crosstrack.settings import PROJECT_DIR

CONFIG_FILE = PROJECT_DIR / "mkdocs.yml"
DOCS_DIR = PROJECT_DIR / "docs"
BUILD_PAGES = "build"  # the generated pages' folder inside the site
DBT_PAGE = "dbt/index.html"
QUALITY_PAGE = "data_quality_report.html"
REPORTS_DIR = "reports"
# The layers of the project in the order data flows (models/overview.md); a test belongs to its model's layer.
LAYERS = ("staging", "utilities", "intermediate", "marts", "publication", "public")
STATUSES = ("pass", "warn", "fail", "error", "skipped")


class DocsSiteError(RuntimeError):
    """The site cannot be built: the message names the missing input and the command that makes it."""


@dataclass(frozen=True)
class SiteInputs:
    target: Path  # dbt's target folder of the latest build: static_index.html, manifest, run results
    quality_dir: Path | None = None  # the gate's folder: report_public.html, reconciliation.json
    public_db: Path | None = None  # the published release, for the public report
    audit: Path | None = None  # the text of `make audit` (scripts/audit_disclosure.py), if recorded


# ---- the generated pages --------------------------------------------------------------------------------------


def _markdown_table(header: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    header = list(header)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _layer(node: dict[str, Any], nodes: dict[str, Any]) -> str:
    """The layer of a model, seed or snapshot (its folder), or of a test (the layer of the model it tests)."""
    if node.get("resource_type") == "seed":
        return "seeds"
    if node.get("resource_type") in ("test", "unit_test"):
        parents = [nodes[name] for name in node.get("depends_on", {}).get("nodes", []) if name in nodes]
        layers = {_layer(parent, nodes) for parent in parents if parent.get("resource_type") in ("model", "seed")}
        if len(layers) == 1:
            return layers.pop()
        return "across layers" if layers else "sources"
    fqn = node.get("fqn", [])
    return fqn[1] if len(fqn) > 2 and fqn[1] in LAYERS else "other"


def _status(result: dict[str, Any]) -> str:
    status = str(result.get("status", "")).lower()
    return "pass" if status == "success" else status


def test_results(target: Path) -> tuple[Counter[tuple[str, str, str]], list[tuple[str, str, str]]]:
    """Counts by (kind, layer, status) of the build's run results, and the tests that did not pass (kind, name,
    status). Kind is 'data test', 'unit test', 'model' or 'seed'."""
    results_file = target / BUILD_RUN_RESULTS
    if not results_file.exists():
        results_file = target / "run_results.json"
    manifest_file = target / "manifest.json"
    if not results_file.exists() or not manifest_file.exists():
        raise DocsSiteError(f"no dbt run results in {target}: run the build first (make demo or crosstrack build)")
    manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    nodes = {**manifest.get("nodes", {}), **manifest.get("unit_tests", {})}
    kinds = {"test": "data test", "unit_test": "unit test", "model": "model", "seed": "seed"}
    counts: Counter[tuple[str, str, str]] = Counter()
    not_passed: list[tuple[str, str, str]] = []
    for result in json.loads(results_file.read_text(encoding="utf-8")).get("results", []):
        node = nodes.get(result.get("unique_id", ""))
        if node is None or node.get("resource_type") not in kinds:
            continue
        kind, status = kinds[node["resource_type"]], _status(result)
        counts[(kind, _layer(node, nodes), status)] += 1
        if status not in ("pass", "skipped"):
            not_passed.append((kind, node.get("name", ""), status))
    return counts, sorted(not_passed)


def test_results_page(target: Path) -> str:
    counts, not_passed = test_results(target)
    layers = [
        layer
        for layer in (*LAYERS, "seeds", "sources", "across layers", "other")
        if any(key[1] == layer for key in counts)
    ]
    sections = [
        "# dbt test results",
        "",
        "The latest `dbt build`'s run results, counted by layer (a test belongs to the layer of the model it tests).",
    ]
    for kind in ("data test", "unit test", "model", "seed"):
        rows = [
            [layer, *(counts[(kind, layer, status)] for status in STATUSES)]
            for layer in layers
            if any(counts[(kind, layer, status)] for status in STATUSES)
        ]
        if not rows:
            continue
        totals = ["**total**", *(sum(counts[(kind, layer, status)] for layer in layers) for status in STATUSES)]
        sections += ["", f"## {kind.capitalize()}s", "", _markdown_table(["layer", *STATUSES], [*rows, totals])]
    sections += ["", "## Not passed", ""]
    if not_passed:
        sections.append(_markdown_table(["kind", "name", "status"], not_passed))
    else:
        sections.append("Every test passed.")
    return "\n".join(sections) + "\n"


def reconciliation_page(quality_dir: Path | None) -> str:
    """Counts per file only: the reasons are left out (a gate reason can quote a delivered value)."""
    lines = [
        "# Landing reconciliation",
        "",
        "Every received row is staged, quarantined by the gate or rejected by staging (R-EX-2), and every staged row "
        "reached a mart or is excluded with its reason ([data quality](../data_quality.md#reconciliation-and-sid-"
        "capture)).",
        "",
    ]
    source = quality_dir / "reconciliation.json" if quality_dir else None
    if source is None or not source.exists():
        lines.append("No reconciliation was recorded with this build (`crosstrack validate --reconcile`).")
        return "\n".join([*lines, ""])
    payload = json.loads(source.read_text(encoding="utf-8"))
    header = ["file", "received", "quarantined", "rejected", "staged", "in marts", "excluded", "balances"]
    rows = [
        [
            entry["file"],
            *(_count(entry.get(name)) for name in ("received", "quarantined", "rejected", "staged", "in_marts")),
            _count(None if entry.get("excluded_by_reason") is None else sum(entry["excluded_by_reason"].values())),
            "yes" if entry.get("balanced") else "**no**",
        ]
        for entry in payload["files"]
    ]
    verdict = "Every file balances." if payload.get("balanced") else "**Some files do not balance.**"
    return "\n".join([*lines, verdict, "", _markdown_table(header, rows), ""])


def _count(value: int | None) -> str:
    return "not yet available" if value is None else f"{value:,}"


def disclosure_audit_page(audit: Path | None, public_db: Path | None = None) -> str:
    lines = [
        "# Disclosure audit",
        "",
        "The attacks of the disclosure audit on the published release, intruder "
        "against blind guess ([public layer](../public_layer.md#attacks-and-what-they-recover)).",
        "",
    ]
    if audit is None or not audit.exists():
        return "\n".join(
            [
                *lines,
                "No audit was recorded with this build: `make audit` prints it for the latest "
                "release. The last recorded figures, at scales 0.1 and 1.0, are in the [public layer's "
                "table](../public_layer.md#attacks-and-what-they-recover).",
                "",
            ]
        )
    if public_db is not None and public_db.exists() and audit.stat().st_mtime < public_db.stat().st_mtime:
        lines += [
            "!!! warning",
            "    Recorded before the latest publication: run `make audit` again for its figures.",
            "",
        ]
    return "\n".join(
        [
            *lines,
            f"Output of `make audit` ({audit.name}):",
            "",
            "```text",
            audit.read_text(encoding="utf-8").rstrip(),
            "```",
            "",
        ]
    )


def quality_page(has_report: bool) -> str:
    lines = [
        "# Data-quality report",
        "",
        "The gate's public report of the latest delivery: rows by file, row "
        "number, field and reason, no value from the delivery ([data quality](../data_quality.md)).",
        "",
    ]
    if has_report:
        lines.append(f"[Open the data-quality report]({QUALITY_PAGE})")
    else:
        lines.append("No data-quality report was recorded with this build.")
    return "\n".join([*lines, ""])


def reports_page(written: list[Path], release_id: str | None = None) -> str:
    lines = [
        "# Quarterly recidivism report",
        "",
        "Re-arraignment, reconviction and reincarceration rates at 1, 2 "
        "and 3 years by release year, overall and by race, ethnicity, gender and age group (R-RPT-1), from the "
        "published release's protected values (`crosstrack report quarterly-recidivism`).",
        "",
    ]
    if not written:
        return "\n".join([*lines, "No published release was given to this build of the site.", ""])
    if release_id is not None:
        lines += [
            f"The files archived with release `{release_id}` (its `reports/` folder, listed with their sha256 in its "
            f"`release.json`); the API serves them at `/downloads/{release_id}/<file>` and lists them on /downloads.",
            "",
        ]
    links = [f"- [{path.name}]({REPORTS_DIR}/{path.name})" for path in written]
    return "\n".join([*lines, *links, ""])


def site_reports(public_db: Path, out_dir: Path) -> tuple[list[Path], str | None]:
    """The public report for the site: a copy of the one archived with the release `public_db` is (the current
    release, through the stable name), and its id; for a published file outside a release folder, written from it."""
    from crosstrack.releases import RELEASE_FILE
    from crosstrack.reports.quarterly_recidivism import write_quarterly_recidivism

    folder = public_db.resolve().parent
    if (folder / RELEASE_FILE).is_file():
        record = json.loads((folder / RELEASE_FILE).read_text(encoding="utf-8"))
        archived = sorted(record.get("reports") or {})
        if archived:
            out_dir.mkdir(parents=True, exist_ok=True)
            copies = [out_dir / Path(name).name for name in archived]
            for name, copy in zip(archived, copies, strict=True):
                shutil.copyfile(folder / name, copy)
            return copies, record["id"]
    return write_quarterly_recidivism(public_db, out_dir), None


def index_page(inputs: SiteInputs) -> str:
    return "\n".join(
        [
            "# Latest build",
            "",
            "Pages generated from the latest build by `make docs`:",
            "",
            "- [Data-quality report](data_quality.md)",
            "- [Landing reconciliation](reconciliation.md)",
            "- [Disclosure audit](disclosure_audit.md)",
            "- [dbt test results](test_results.md)",
            "- [Quarterly recidivism report](reports.md)",
            f"- [dbt docs and lineage](../{DBT_PAGE}): every model, column, test and exposure",
            "",
        ]
    )


# ---- assembling and building -----------------------------------------------------------------------------------


# Two references in dbt-docs' page that a browser requests before the page's script has run: an SVG icon's
# `xlink:href="{{ ... }}"` (an Angular template, requested as a URL: AngularJS sets `ng-attr-href` only once it is
# interpolated) and a favicon link left as a build-time placeholder. Each is a failed request and a console error.
DBT_PAGE_FIXES = {
    '<use xlink:href="{{ ': '<use ng-attr-href="{{ ',
    """<link rel="shortcut icon" href="${require('./assets/favicons/favicon.ico')}"/>""": (
        '<link rel="icon" href="data:,"/>'
    ),
}


def dbt_docs_page(static_html: str) -> str:
    """`dbt docs generate --static`'s page with DBT_PAGE_FIXES applied."""
    for broken, fixed in DBT_PAGE_FIXES.items():
        static_html = static_html.replace(broken, fixed)
    return static_html


def write_build_pages(inputs: SiteInputs, docs: Path) -> None:
    """The generated pages and files into `docs/build/` and `docs/dbt/` of the staged docs folder."""
    static = inputs.target / "static_index.html"
    if not static.exists():
        raise DocsSiteError(f"no {static}: build with docs (make demo) or run `dbt docs generate --static`")
    (docs / DBT_PAGE).parent.mkdir(parents=True)
    (docs / DBT_PAGE).write_text(dbt_docs_page(static.read_text(encoding="utf-8")), encoding="utf-8")
    pages = docs / BUILD_PAGES
    pages.mkdir()
    report = inputs.quality_dir / "report_public.html" if inputs.quality_dir else None
    if report is not None and report.exists():
        shutil.copyfile(report, pages / QUALITY_PAGE)
    written, release_id = [], None
    if inputs.public_db is not None and inputs.public_db.exists():
        written, release_id = site_reports(inputs.public_db, pages / REPORTS_DIR)
    contents = {
        "index.md": index_page(inputs),
        "data_quality.md": quality_page(report is not None and report.exists()),
        "reconciliation.md": reconciliation_page(inputs.quality_dir),
        "disclosure_audit.md": disclosure_audit_page(inputs.audit, inputs.public_db),
        "test_results.md": test_results_page(inputs.target),
        "reports.md": reports_page(written, release_id),
    }
    for name, text in contents.items():
        (pages / name).write_text(text, encoding="utf-8")


def nav_pages(nav: list[Any]) -> list[str]:
    """Every page file mkdocs.yml's nav names, in order."""
    pages: list[str] = []
    for item in nav:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        pages += nav_pages(value) if isinstance(value, list) else [value]
    return pages


def _nav_present(nav: list[Any], docs: Path) -> list[Any]:
    """The nav without the pages that are not in the docs folder (one another part of the project has not written
    yet), each reported."""
    kept: list[Any] = []
    for item in nav:
        title, value = next(iter(item.items())) if isinstance(item, dict) else (None, item)
        if isinstance(value, list):
            value = _nav_present(value, docs)
            if not value:
                continue
        elif not (docs / value).exists():
            print(f"docs site: {value} is in mkdocs.yml's nav but not in docs/; left out", file=sys.stderr)
            continue
        kept.append({title: value} if title is not None else value)
    return kept


def build_site(inputs: SiteInputs, out: Path) -> Path:
    """Build the site into `out` (replaced whole); returns the path of its front page."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".docs-", dir=out.parent) as scratch:
        docs = Path(scratch) / "docs"
        shutil.copytree(DOCS_DIR, docs)
        write_build_pages(inputs, docs)
        shutil.copyfile(theme_favicon(), docs / "favicon.ico")  # what a browser asks a server for by default
        built = Path(scratch) / "site"
        config = load_config(str(CONFIG_FILE), docs_dir=str(docs), site_dir=str(built))
        config["nav"] = _nav_present(config["nav"], docs)
        build(config)
        refuse_secret(built)
        previous = Path(scratch) / "previous"
        if out.exists():
            out.rename(previous)
        built.rename(out)
    return out / "index.html"


def theme_favicon() -> Path:
    import material

    return Path(material.__file__).parent / "templates" / "assets" / "images" / "favicon.png"


def refuse_secret(site: Path) -> None:
    """Stop when a file of the site holds the deployment secret (when this machine has one)."""
    from crosstrack.secret import SecretError, load_secret
    from crosstrack.settings import Settings

    try:
        key = load_secret(Settings().secret_file)
    except SecretError:
        return
    needles = [key.hex().encode(), key.hex().upper().encode(), key]
    for path in site.rglob("*"):
        if path.is_file() and any(needle in path.read_bytes() for needle in needles):
            raise DocsSiteError(f"{path.relative_to(site)} holds the deployment secret; the site was not installed")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", type=Path, default=PROJECT_DIR / "target", help="dbt's target folder")
    parser.add_argument("--quality-dir", type=Path, help="the gate's output folder of the latest delivery")
    parser.add_argument("--public-db", type=Path, help="the published release")
    parser.add_argument("--audit", type=Path, help="a recorded `make audit` output")
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "site")
    args = parser.parse_args(argv)
    inputs = SiteInputs(target=args.target, quality_dir=args.quality_dir, public_db=args.public_db, audit=args.audit)
    try:
        index = build_site(inputs, args.out)
    except DocsSiteError as exc:
        print(f"docs site: error: {exc}", file=sys.stderr)
        return 2
    print(f"docs site: {index}  (opens from disk; or serve: python -m http.server -d {args.out})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
