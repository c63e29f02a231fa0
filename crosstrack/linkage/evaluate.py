"""Linkage measured against the generator's ground truth: pairwise precision, recall and F1, B-cubed, false merges
and splits (scripts/linkage_report.py; docs/identity.md, "Probabilistic linkage")."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pandas as pd


@dataclass
class Scores:
    records: int
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int
    precision: float
    recall: float
    f1: float
    bcubed_precision: float
    bcubed_recall: float
    false_merges: int  # predicted persons holding records of more than one true person
    false_splits: int  # true persons whose records fall in more than one predicted person

    def as_dict(self) -> dict:
        return asdict(self)


def _pairs(sizes: pd.Series) -> int:
    return int((sizes * (sizes - 1) // 2).sum())


def score_clusters(frame: pd.DataFrame) -> Scores:
    """`frame`: one row per record with `person_id` (the truth) and `cluster` (the prediction; null = a person of
    its own)."""
    frame = frame[["person_id", "cluster"]].copy()
    alone = frame["cluster"].isna()
    frame.loc[alone, "cluster"] = "alone:" + frame.index[alone].astype(str)
    frame["cluster"] = frame["cluster"].astype(str)
    truth_sizes = frame.groupby("person_id").size()
    cluster_sizes = frame.groupby("cluster").size()
    cell_sizes = frame.groupby(["cluster", "person_id"]).size()
    true_pairs, predicted_pairs, correct = _pairs(truth_sizes), _pairs(cluster_sizes), _pairs(cell_sizes)
    precision = correct / predicted_pairs if predicted_pairs else 1.0
    recall = correct / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    cells = cell_sizes.rename("cell").reset_index()
    cells["cluster_size"] = cells["cluster"].map(cluster_sizes)
    cells["truth_size"] = cells["person_id"].map(truth_sizes)
    n = len(frame)
    bcubed_precision = float((cells["cell"] ** 2 / cells["cluster_size"]).sum() / n) if n else 1.0
    bcubed_recall = float((cells["cell"] ** 2 / cells["truth_size"]).sum() / n) if n else 1.0
    persons_per_cluster = cells.groupby("cluster").size()
    clusters_per_person = cells.groupby("person_id").size()
    return Scores(
        records=n,
        true_pairs=true_pairs,
        predicted_pairs=predicted_pairs,
        correct_pairs=correct,
        precision=precision,
        recall=recall,
        f1=f1,
        bcubed_precision=bcubed_precision,
        bcubed_recall=bcubed_recall,
        false_merges=int((persons_per_cluster > 1).sum()),
        false_splits=int((clusters_per_person > 1).sum()),
    )
