"""Linkage measured against the generator's ground truth (`make linkage-report`; docs/identity.md, "Measured").

For each delivery given (generated with truth/, e.g. `crosstrack generate --profile legacy`), builds the identity
models twice, with the deterministic rules and with the splink link stage (a partial build: the gate, the link
stage, dbt up to int_person_records_linked), and scores both against truth/record_links: pairwise precision,
recall and F1, B-cubed, false merges and splits, overall, per system (the pairs with a record of the system: a
file with one record per person has no pairs of its own) and per identity-noise kind; the stages' runtime.
With --cohorts the build goes on to the five cohort marts: their rows and the 3-year reincarceration rate for each
linker beside the truth's. --reuse-gate reads the gate's output beside the delivery (DATA/quality) instead of
running the gate (the delivery's folders are only read). Writes JSON and prints tables.

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
from crosstrack.pipeline import LINKERS, Build, BuildResult, stage  # noqa: E402
from crosstrack.settings import Settings  # noqa: E402

COHORTS = ("admissions", "custodial_snapshots", "releases", "recidivism", "risk_and_needs")
LINKED = "int_person_records_linked"


def truth_links(data: Path) -> pd.DataFrame:
    """(source_system, source_record_id) -> person_id for the person records, and each record's noise kinds."""
    links = pd.read_parquet(data / "truth" / "record_links.parquet")
    stems = {(system, Path(relative).stem) for system, relative, _ in person_files()}
    links = links[[(s, Path(f).stem) in stems for s, f in zip(links["system"], links["file"], strict=True)]]
    links = links.rename(columns={"system": "source_system", "record_id": "source_record_id"})
    links = links.drop_duplicates(["source_system", "source_record_id"])[
        ["source_system", "source_record_id", "person_id"]
    ]
    noise_file = data / "truth" / "identity_noise.parquet"
    if not noise_file.is_file():  # a delivery generated before the identity-noise profiles: no noise kinds
        links["kinds"] = [()] * len(links)
        return links
    noise = pd.read_parquet(noise_file)
    noise = noise.rename(columns={"system": "source_system", "record_id": "source_record_id"})
    per_record = noise.groupby(["source_system", "source_record_id"])["noise_kind"].agg(tuple)
    index = pd.MultiIndex.from_frame(links[["source_system", "source_record_id"]])
    links["kinds"] = [k if isinstance(k, tuple) else () for k in per_record.reindex(index).to_numpy()]
    return links


def _reused_gate(data: Path, quality: Path) -> None:
    """`quality` as the gate left DATA/quality (its files linked, not copied), without a link stage's output."""
    quality.mkdir(parents=True)
    for item in sorted((data / "quality").iterdir()):
        if item.name != "linkage":
            (quality / item.name).symlink_to(item.resolve())


def build_links(data: Path, work: Path, linker: str, as_of: str, reuse_gate: bool, cohorts: bool) -> tuple:
    """A partial build with `linker`: its linked records, the stages' figures and (with `cohorts`) the cohorts."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    selected = [f"+{model}" for model in (*COHORTS, LINKED)] if cohorts else [f"+{LINKED}"]
    build = Build(
        landing_dir=data / "landing",
        warehouse=work / "warehouse.duckdb",
        as_of=as_of,
        quality_dir=work / "quality",
        # the tests of the selected models alone (not one that also reads a model left out)
        dbt_args=("--select", *selected, "--exclude", "test_type:unit", "--indirect-selection", "cautious"),
        settings=Settings(key_registry=work / "registry.parquet"),
        linker=linker,
    )
    build.check()
    result = BuildResult(warehouse=build.warehouse)
    if reuse_gate:
        _reused_gate(data, build.gate_dir)
    else:
        with stage("validate", result, quiet=True):
            build.validate()
    if linker == "splink":
        with stage("link", result, quiet=True):
            build.link()
    with stage("dbt build", result, quiet=True):
        build.dbt_build()
    build.install()
    con = duckdb.connect(str(build.warehouse), read_only=True)
    try:
        frame = con.execute(
            f"select source_system, source_record_id, link_anchor, match_method from intermediate.{LINKED}"
        ).df()
        cohort_figures = cohort_rows(con) if cohorts else {}
    finally:
        con.close()
    stages = {s.name: {"seconds": round(s.seconds, 1), "peak_rss_mib": round(s.peak_rss_mib)} for s in result.stages}
    return frame, stages, cohort_figures


def cohort_rows(con: duckdb.DuckDBPyConnection) -> dict:
    """Rows of each cohort mart, the releases cohort's window, and the 3-year reincarceration rate of the recidivism
    cohort (complete follow-up)."""
    figures = {name: con.execute(f"select count(*) from cohorts.{name}").fetchall()[0][0] for name in COHORTS}
    first, last = con.execute("select min(release_date), max(release_date) from cohorts.releases").fetchall()[0]
    followed, rate = con.execute(
        "select count(is_reincarceration_within_3y), avg(is_reincarceration_within_3y::int) from cohorts.recidivism"
    ).fetchall()[0]
    figures.update(
        release_window=[str(first), str(last)], recidivism_followed_3y=followed, reincarceration_3y_rate=rate
    )
    return figures


def truth_cohort(data: Path, window: list[str]) -> dict:
    """The truth's releases (not excluded) in the releases cohort's window, and the 3-year reincarceration rate of
    those to the community with a complete 3-year follow-up (the recidivism cohort's releases)."""
    releases = pd.read_parquet(data / "truth" / "releases.parquet")
    dates = pd.to_datetime(releases["release_date"])
    kept = releases[
        releases["exclusion_reason"].isna() & dates.between(pd.Timestamp(window[0]), pd.Timestamp(window[1]))
    ]
    followed = kept[kept["is_to_community"].astype(bool) & kept["followup_3y_complete"].astype(bool)]
    return {
        "releases": len(kept),
        "recidivism_followed_3y": len(followed),
        "reincarceration_3y_rate": float(followed["reincarceration_3y_date"].notna().mean()),
    }


def pairs_with_system(frame: pd.DataFrame, system: str) -> dict:
    """Pairwise figures over the pairs with at least one record of `system`: all pairs less those without one."""
    everything, others = score_clusters(frame), score_clusters(frame[frame["source_system"] != system])
    true = everything.true_pairs - others.true_pairs
    predicted = everything.predicted_pairs - others.predicted_pairs
    correct = everything.correct_pairs - others.correct_pairs
    precision = correct / predicted if predicted else 1.0
    recall = correct / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"true_pairs": true, "predicted_pairs": predicted, "precision": precision, "recall": recall, "f1": f1}


def scores_by(frame: pd.DataFrame) -> dict:
    """Overall, per system, per noise kind (the true persons with a record of that kind, all their records)."""
    out = {"overall": score_clusters(frame).as_dict(), "by_system": {}, "by_noise_kind": {}}
    for system in sorted(frame["source_system"].unique()):
        out["by_system"][system] = pairs_with_system(frame, system)
    exploded = frame[["person_id", "kinds"]].explode("kinds").dropna()
    for kind, persons in exploded.groupby("kinds")["person_id"]:
        involved = frame["person_id"].isin(set(persons))
        touched = frame["cluster"].isin(set(frame.loc[involved, "cluster"].dropna()))
        out["by_noise_kind"][kind] = score_clusters(frame[involved | touched]).as_dict()
    return out


def report(
    data: Path, work: Path, as_of: str, reuse_gate: bool = False, cohorts: bool = False, linkers=LINKERS
) -> dict:
    truth = truth_links(data)
    result: dict = {"data": str(data), "manifest": json.loads((data / "manifest.json").read_text())["arguments"]}
    for linker in linkers:
        started = time.perf_counter()
        links, stages, cohort_figures = build_links(data, work / linker, linker, as_of, reuse_gate, cohorts)
        frame = truth.merge(links, on=["source_system", "source_record_id"], how="inner")
        frame["cluster"] = frame["link_anchor"]
        result[linker] = {"stages": stages, "build_seconds": round(time.perf_counter() - started, 1)}
        if cohorts:
            result[linker]["cohorts"] = cohort_figures
            result["truth_cohort"] = truth_cohort(data, cohort_figures["release_window"])
        result[linker].update(scores_by(frame))
    return result


def print_table(results: list[dict]) -> None:
    print(f"{'delivery':<40} {'linker':<14} {'precision':>10} {'recall':>9} {'F1':>8} {'merges':>7} {'splits':>7}")
    for result in results:
        for linker in (linker for linker in LINKERS if linker in result):
            o = result[linker]["overall"]
            print(
                f"{result['data']:<40} {linker:<14} {o['precision']:10.5f} {o['recall']:9.5f} {o['f1']:8.5f} "
                f"{o['false_merges']:7d} {o['false_splits']:7d}"
            )
    for result in results:
        if "truth_cohort" not in result:
            continue
        print(f"\ncohorts of {result['data']}: rows per mart; 3-year reincarceration rate (complete follow-up)")
        print(f"{'':<14}" + "".join(f"{name:>20}" for name in (*COHORTS, "followed 3y", "rate 3y")))
        rows = [(linker, result[linker]["cohorts"]) for linker in LINKERS if linker in result]
        rows.append(("truth", result["truth_cohort"]))
        for name, figures in rows:
            counts = "".join(f"{figures.get(c, ''):>20}" for c in (*COHORTS, "recidivism_followed_3y"))
            print(f"{name:<14}{counts}{figures['reincarceration_3y_rate']:20.4f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, action="append", required=True, help="a generated delivery (repeat)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/crosstrack-linkage-report"))
    parser.add_argument("--as-of", default="2026-07-01")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    parser.add_argument("--reuse-gate", action="store_true", help="read the gate's output in DATA/quality")
    parser.add_argument("--cohorts", action="store_true", help="build and compare the five cohort marts too")
    parser.add_argument("--linker", choices=LINKERS, action="append", help="one linker only (repeat; default both)")
    args = parser.parse_args(argv)
    linkers = tuple(args.linker or LINKERS)
    results = [
        report(data, args.work / data.name, args.as_of, args.reuse_gate, args.cohorts, linkers) for data in args.data
    ]
    print_table(results)
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
