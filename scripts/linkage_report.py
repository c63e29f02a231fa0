"""Linkage measured against the generator's ground truth (`make linkage-report`; docs/identity.md, "Measured").

For each delivery given (generated with truth/, e.g. `crosstrack generate --profile legacy`), builds the identity
models twice, with the deterministic rules and with the splink link stage (a partial build: the gate, the link
stage, dbt up to int_person_records_linked), and scores both against truth/record_links: pairwise precision,
recall and F1, B-cubed, false merges and splits, overall, per system and per identity-noise kind; the link stage's
runtime and peak memory. Writes JSON and prints a table.

    .venv/bin/python scripts/linkage_report.py --data /tmp/legacy --data /tmp/default --out /tmp/linkage_report.json
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crosstrack.linkage.evaluate import score_clusters  # noqa: E402
from crosstrack.linkage.records import person_files  # noqa: E402
from crosstrack.pipeline import LINKERS, build_warehouse  # noqa: E402
from crosstrack.settings import Settings  # noqa: E402


def truth_links(data: Path) -> pd.DataFrame:
    """(source_system, source_record_id) -> person_id for the person records, and each record's noise kinds."""
    links = pd.read_parquet(data / "truth" / "record_links.parquet")
    stems = {(system, Path(relative).stem) for system, relative, _ in person_files()}
    links = links[[(s, Path(f).stem) in stems for s, f in zip(links["system"], links["file"], strict=True)]]
    links = links.rename(columns={"system": "source_system", "record_id": "source_record_id"})
    links = links.drop_duplicates(["source_system", "source_record_id"])[
        ["source_system", "source_record_id", "person_id"]
    ]
    noise = pd.read_parquet(data / "truth" / "identity_noise.parquet")
    noise = noise.rename(columns={"system": "source_system", "record_id": "source_record_id"})
    per_record = noise.groupby(["source_system", "source_record_id"])["noise_kind"].agg(tuple)
    index = pd.MultiIndex.from_frame(links[["source_system", "source_record_id"]])
    links["kinds"] = [k if isinstance(k, tuple) else () for k in per_record.reindex(index).to_numpy()]
    return links


def build_links(data: Path, work: Path, linker: str, as_of: str) -> tuple[pd.DataFrame, dict]:
    """A partial build of the identity models with `linker`; its linked records and the stages' figures."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    settings = Settings(key_registry=work / "registry.parquet")
    result = build_warehouse(
        landing_dir=data / "landing",
        warehouse=work / "warehouse.duckdb",
        as_of=as_of,
        quality_dir=work / "quality",
        docs=False,
        quiet=True,
        dbt_args=("--select", "+int_person_records_linked", "--exclude", "test_type:unit"),
        reconcile=False,
        settings=settings,
        linker=linker,
    )
    con = duckdb.connect(str(work / "warehouse.duckdb"), read_only=True)
    try:
        frame = con.execute(
            "select source_system, source_record_id, link_anchor, match_method "
            "from intermediate.int_person_records_linked"
        ).df()
    finally:
        con.close()
    stages = {s.name: {"seconds": round(s.seconds, 1), "peak_rss_mib": round(s.peak_rss_mib)} for s in result.stages}
    return frame, stages


def scores_by(frame: pd.DataFrame) -> dict:
    """Overall, per system, per noise kind (the true persons with a record of that kind, all their records)."""
    out = {"overall": score_clusters(frame).as_dict(), "by_system": {}, "by_noise_kind": {}}
    for system, part in frame.groupby("source_system"):
        out["by_system"][system] = score_clusters(part).as_dict()
    exploded = frame[["person_id", "kinds"]].explode("kinds").dropna()
    for kind, persons in exploded.groupby("kinds")["person_id"]:
        involved = frame["person_id"].isin(set(persons))
        touched = frame["cluster"].isin(set(frame.loc[involved, "cluster"].dropna()))
        out["by_noise_kind"][kind] = score_clusters(frame[involved | touched]).as_dict()
    return out


def report(data: Path, work: Path, as_of: str) -> dict:
    truth = truth_links(data)
    result: dict = {"data": str(data), "manifest": json.loads((data / "manifest.json").read_text())["arguments"]}
    for linker in LINKERS:
        started = time.perf_counter()
        links, stages = build_links(data, work / linker, linker, as_of)
        frame = truth.merge(links, on=["source_system", "source_record_id"], how="inner")
        frame["cluster"] = frame["link_anchor"]
        result[linker] = {"stages": stages, "build_seconds": round(time.perf_counter() - started, 1)}
        result[linker].update(scores_by(frame))
    return result


def print_table(results: list[dict]) -> None:
    print(f"{'delivery':<40} {'linker':<14} {'precision':>10} {'recall':>9} {'F1':>8} {'merges':>7} {'splits':>7}")
    for result in results:
        for linker in LINKERS:
            o = result[linker]["overall"]
            print(
                f"{result['data']:<40} {linker:<14} {o['precision']:10.5f} {o['recall']:9.5f} {o['f1']:8.5f} "
                f"{o['false_merges']:7d} {o['false_splits']:7d}"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, action="append", required=True, help="a generated delivery (repeat)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/crosstrack-linkage-report"))
    parser.add_argument("--as-of", default="2026-07-01")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    args = parser.parse_args(argv)
    results = [report(data, args.work / data.name, args.as_of) for data in args.data]
    print_table(results)
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
