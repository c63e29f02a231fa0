"""The project's layers run one way (a dbt-project-evaluator-style check over the project's manifest, the one the
session's build wrote: what `dbt parse` writes, without a second parse of the project).

sources -> base -> staging -> intermediate -> marts (core, then cohorts and restricted) -> publication -> public, with
utilities (the date spine) readable from every layer. A model's layer is its folder under models/. The check fails
on a model outside every layer, an edge to a later layer (a backward edge), an edge a layer may not take (a mart
reading staging or another non-core mart, a public model reading a mart), a source() outside staging, and a model
without a primary-key test (unique and not_null on one column, or unique_combination_of_columns on its grain; base
models, which number the rows of their file, excepted).

The rules are checked on the project's own manifest and, so that the check is seen to fail, on manifests altered
to break each rule once.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.warehouse  # the manifest is the session build's

# The layers in the order data flows through them; the folder (under models/) that holds each.
LAYER_FOLDERS = (
    ("utilities", "models/utilities/"),
    ("base", "models/staging/*/base/"),
    ("staging", "models/staging/"),
    ("intermediate", "models/intermediate/"),
    ("core", "models/marts/core/"),
    ("marts", "models/marts/cohorts/"),
    ("marts", "models/marts/restricted/"),
    ("publication", "models/publication/"),
    ("public", "models/public/"),
)
LAYER_ORDER = ("utilities", "base", "staging", "intermediate", "core", "marts", "publication", "public")

# The layers each layer reads (besides seeds). Marts read intermediate models and the core dimensions, never staging
# or one another; the publication prepares what the public layer shows from the marts.
READS = {
    "utilities": {"utilities"},
    "base": {"utilities"},
    "staging": {"utilities", "base", "staging"},
    "intermediate": {"utilities", "staging", "intermediate"},
    "core": {"utilities", "intermediate", "core"},
    "marts": {"utilities", "intermediate", "core"},
    "publication": {"utilities", "intermediate", "core", "marts", "publication"},
    "public": {"utilities", "publication", "public"},
}
SOURCE_LAYERS = {"base", "staging"}
# Layers whose models need no primary-key test of their own. A base model holds the rows of one landing file as the
# gate typed them, keyed by the gate's landing_row (one per line of the file); every row is accounted for by
# restricted.landing_reconciliation and its test, and the staging model read from it carries the key tests.
KEYED_BY_CONSTRUCTION = {"base"}
# Models whose key is proven by the tests of the models they are made of, where a test of their own would compute a
# large relation again. Each is listed with why; the check fails when one of them is gone or gains a test of its own.
KEYED_THROUGH_PARENTS = {
    "int_landing_events_linked": (
        "a view: the rows of int_landing_events (keyed on source_system, file_name, source_event_id, event_type) "
        "joined to the one record of int_person_records_linked (keyed on source_system, source_record_id) they "
        "belong to; a test of its own would compute the join of some 18 million events again (scale 1.0)"
    ),
}


@dataclass(frozen=True)
class Findings:
    unplaced: list[str]  # models in no layer's folder
    backward_edges: list[str]  # a model reading a later layer
    forbidden_edges: list[str]  # a model reading an earlier layer it may not read (a mart reading staging, ...)
    misplaced_sources: list[str]  # a source() outside staging
    without_primary_key: list[str]  # a model with no primary-key test

    def all(self) -> list[str]:
        return [
            *self.unplaced,
            *self.backward_edges,
            *self.forbidden_edges,
            *self.misplaced_sources,
            *self.without_primary_key,
        ]


def layer_of(path: str) -> str | None:
    """The layer of a model from its file path (original_file_path in the manifest), None when in none."""
    parts = Path(path).parts
    for layer, folder in LAYER_FOLDERS:
        pattern = Path(folder).parts
        if len(parts) > len(pattern) and all(p == "*" or p == q for p, q in zip(pattern, parts, strict=False)):
            return layer
    return None


def _models(manifest: dict) -> dict[str, dict]:
    return {key: node for key, node in manifest["nodes"].items() if node["resource_type"] == "model"}


def primary_keyed_models(manifest: dict) -> set[str]:
    """The models with a primary-key test: unique and not_null on one column (a not_null constraint of an enforced
    contract stands for the not_null test), or unique_combination_of_columns. A test limited by a `where` says
    nothing of the whole model."""
    unique: set[tuple[str, str]] = set()
    not_null: set[tuple[str, str]] = set()
    keyed: set[str] = set()
    for key, node in manifest["nodes"].items():
        if node["resource_type"] == "model" and node["config"].get("contract", {}).get("enforced"):
            for column in node["columns"].values():
                if any(constraint["type"] == "not_null" for constraint in column.get("constraints", [])):
                    not_null.add((key, column["name"]))
        metadata = node.get("test_metadata") if node["resource_type"] == "test" else None
        model = node.get("attached_node")
        if not metadata or not model or (node.get("config") or {}).get("where"):
            continue
        if metadata["name"] == "unique_combination_of_columns":
            keyed.add(model)
        elif metadata["name"] in ("unique", "not_null"):
            (unique if metadata["name"] == "unique" else not_null).add((model, node["column_name"]))
    return keyed | {model for model, column in unique & not_null}


def check_layers(manifest: dict) -> Findings:
    models = _models(manifest)
    layers = {key: layer_of(node["original_file_path"]) for key, node in models.items()}
    keyed = primary_keyed_models(manifest)
    findings = Findings([], [], [], [], [])
    for key, node in sorted(models.items()):
        name, layer = node["name"], layers[key]
        if layer is None:
            findings.unplaced.append(f"{name}: {node['original_file_path']} is in no layer's folder")
            continue
        for parent in node["depends_on"]["nodes"]:
            if parent.startswith("source.") and layer not in SOURCE_LAYERS:
                findings.misplaced_sources.append(f"{name} ({layer}) reads the source {parent}")
            parent_layer = layers.get(parent)
            if parent_layer is None or parent_layer in READS[layer]:
                continue
            edge = f"{name} ({layer}) reads {models[parent]['name']} ({parent_layer})"
            if LAYER_ORDER.index(parent_layer) > LAYER_ORDER.index(layer):
                findings.backward_edges.append(edge)
            else:
                findings.forbidden_edges.append(edge)
        if key not in keyed and layer not in KEYED_BY_CONSTRUCTION and name not in KEYED_THROUGH_PARENTS:
            findings.without_primary_key.append(f"{name} ({layer}) has no primary-key test")
    return findings


def dag_depth(manifest: dict) -> int:
    """Models on the longest path through the models' DAG."""
    models = _models(manifest)
    depth: dict[str, int] = {}

    def visit(key: str) -> int:
        if key not in depth:
            parents = [p for p in models[key]["depends_on"]["nodes"] if p in models]
            depth[key] = 1 + max((visit(p) for p in parents), default=0)
        return depth[key]

    return max((visit(key) for key in models), default=0)


@pytest.fixture(scope="module")
def manifest(built_warehouse) -> dict:
    """The session build's manifest.json (dbt writes it whole, every node parsed, whatever it then runs)."""
    return json.loads((built_warehouse.target / "manifest.json").read_text(encoding="utf-8"))


# ---- the project ----------------------------------------------------------------------------------------------


def test_every_model_is_in_a_layer(manifest):
    assert check_layers(manifest).unplaced == []


def test_no_model_reads_a_later_layer(manifest):
    assert check_layers(manifest).backward_edges == []


def test_no_model_reads_a_layer_it_may_not(manifest):
    assert check_layers(manifest).forbidden_edges == []


def test_sources_are_read_in_staging_only(manifest):
    assert check_layers(manifest).misplaced_sources == []


def test_every_model_has_a_primary_key_test(manifest):
    assert check_layers(manifest).without_primary_key == []


def test_the_models_keyed_through_their_parents_exist_and_have_no_key_test_of_their_own(manifest):
    keyed = primary_keyed_models(manifest)
    models = {node["name"]: key for key, node in _models(manifest).items()}
    assert {name: name in models and models[name] not in keyed for name in KEYED_THROUGH_PARENTS} == dict.fromkeys(
        KEYED_THROUGH_PARENTS, True
    )


# ---- the check fails on what it must catch (the project's manifest, altered) -----------------------------------


def _model_key(manifest: dict, name: str) -> str:
    (key,) = [key for key, node in _models(manifest).items() if node["name"] == name]
    return key


def _with_edge(manifest: dict, child: str, parent: str) -> dict:
    altered = copy.deepcopy(manifest)
    parent_key = parent if parent.startswith("source.") else _model_key(manifest, parent)
    altered["nodes"][_model_key(manifest, child)]["depends_on"]["nodes"].append(parent_key)
    return altered


@pytest.mark.parametrize(
    ("child", "parent", "finding"),
    [
        ("int_cohort_rows_described", "custodial_snapshots", "backward_edges"),  # intermediate reads a mart
        ("int_public_admission_records", "pub_admissions", "backward_edges"),  # publication reads public
        ("stg_ims__offenders", "int_person_records_unioned", "backward_edges"),  # staging reads intermediate
        ("custodial_snapshots", "stg_ims__admissions", "forbidden_edges"),  # a mart reads staging
        ("releases", "admissions", "forbidden_edges"),  # a mart reads another mart
        ("pub_admissions", "admissions", "forbidden_edges"),  # public reads a mart, not the publication
        ("int_custody_admissions_unioned", "base_ims__admissions", "forbidden_edges"),  # intermediate reads base
    ],
)
def test_an_edge_against_the_layers_is_found(manifest, child, parent, finding):
    findings = check_layers(_with_edge(manifest, child, parent))
    assert [edge for edge in getattr(findings, finding) if edge.startswith(f"{child} ")] != []
    assert len(findings.all()) == len(check_layers(manifest).all()) + 1


def test_a_source_read_outside_staging_is_found(manifest):
    source = next(key for key in manifest["sources"])
    findings = check_layers(_with_edge(manifest, "int_custody_admissions_unioned", source))
    assert findings.misplaced_sources == [f"int_custody_admissions_unioned (intermediate) reads the source {source}"]


def test_a_model_outside_every_layer_is_found(manifest):
    altered = copy.deepcopy(manifest)
    altered["nodes"][_model_key(manifest, "admissions")]["original_file_path"] = "models/misc/admissions.sql"
    assert check_layers(altered).unplaced == ["admissions: models/misc/admissions.sql is in no layer's folder"]


@pytest.mark.parametrize("kept", ["unique", "not_null", None])
def test_a_model_without_a_primary_key_test_is_found(manifest, kept):
    """admissions keeps at most one half of its unique + not_null pair on admission_key."""
    admissions = _model_key(manifest, "admissions")
    altered = copy.deepcopy(manifest)
    for key, node in manifest["nodes"].items():
        metadata = node.get("test_metadata") or {}
        if node.get("attached_node") == admissions and metadata.get("name") != kept:
            del altered["nodes"][key]
    assert check_layers(altered).without_primary_key == ["admissions (marts) has no primary-key test"]


def test_a_unique_test_limited_by_where_is_no_primary_key(manifest):
    admissions = _model_key(manifest, "admissions")
    altered = copy.deepcopy(manifest)
    for node in altered["nodes"].values():
        if node.get("attached_node") == admissions and node["resource_type"] == "test":
            node["config"] = {**(node.get("config") or {}), "where": "admission_date >= '2020-01-01'"}
    assert check_layers(altered).without_primary_key == ["admissions (marts) has no primary-key test"]


def test_dag_depth_counts_the_longest_path():
    manifest = {
        "nodes": {
            f"model.p.{name}": {"resource_type": "model", "name": name, "depends_on": {"nodes": parents}}
            for name, parents in {
                "a": [],
                "b": ["model.p.a"],
                "c": ["model.p.b", "model.p.a"],
                "d": ["model.p.a"],
            }.items()
        }
    }
    assert dag_depth(manifest) == 3
