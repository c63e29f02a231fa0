"""The closing lines of `make demo`: where everything is, and a few headline counts from the built warehouse."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import duckdb


def _table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    rows = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()
    return rows[0][0] > 0


def headline_counts(warehouse: Path) -> list[tuple[str, str]]:
    """(label, value) pairs read from the warehouse, opened read-only."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        lines: list[tuple[str, str]] = []
        staged = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'staging' and table_name like 'stg\\_%' escape '\\'"
        ).fetchall()[0][0]
        lines.append(("staging models", str(staged)))
        if _table_exists(con, "staging", "stg_landing__rejects"):
            rejected = con.execute(
                "select rejected_by, count(*) from staging.stg_landing__rejects group by 1 order by 1"
            ).fetchall()
            text = ", ".join(f"{n:,} by {who}" for who, n in rejected) or "none"
            lines.append(("landing rows rejected", text))
        if _table_exists(con, "cohorts", "custodial_snapshots"):
            rows = con.execute(
                "select snapshot_date, count(*) from cohorts.custodial_snapshots group by 1 order by 1"
            ).fetchall()
            lines.append(("in custody on January 1", ", ".join(f"{d.year}: {n:,}" for d, n in rows)))
        return lines
    finally:
        con.close()


def landing_rows(data: Path) -> int:
    manifest = data / "manifest.json"
    if not manifest.exists():
        return 0
    counts = json.loads(manifest.read_text(encoding="utf-8")).get("row_counts", {})
    return sum(int(n) for n in counts.values())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--docs", type=Path, required=True)
    parser.add_argument("--published", type=Path, help="the published public layer")
    parser.add_argument("--site", type=Path, help="the docs site's folder (make docs)")
    args = parser.parse_args(argv)
    print()
    print("Cross-Tracking demo finished.")
    print(f"  warehouse (DuckDB):   {args.warehouse.resolve()}")
    if args.site is not None:
        site = args.site / "index.html"
        shown = f"{site.resolve()}  (opens from disk)" if site.exists() else "not built: make docs"
        print(f"  docs site:            {shown}")
    print(f"  dbt docs:             {(args.docs / 'index.html').resolve()}  (serve: .venv/bin/dbt docs serve)")
    print(f"  data-quality report:  {(args.docs / 'data_quality_report.html').resolve()}")
    print(f"  extracts (landing):   {(args.data / 'landing').resolve()}")
    print(f"  ground truth:         {(args.data / 'truth').resolve()}")
    print(f"  gate output:          {(args.data / 'quality').resolve()}  (quarantine, manifest, reconciliation)")
    if args.published:
        print(f"  public release:       {(args.published / 'crosstrack_public.duckdb').resolve()}  (+ parquet/)")
        print("  API + query builder:  make serve, then http://127.0.0.1:8000/")
    total = landing_rows(args.data)
    if total:
        print(f"  landing rows:         {total:,}")
    for label, value in headline_counts(args.warehouse):
        print(f"  {label + ':':<21} {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
