"""The rulebook (docs/rules.md) holds every rule the project cites, and every rule is implemented and tested.

Declarations are read two ways: from the files (crosstrack/contract/rulebook.py, what docs/rules.md lists) and, for
dbt, from the manifest dbt itself makes of the project; the two must agree, so a declaration dbt sees but the
rulebook misses (or the reverse) fails here. Citations point into the repository: no file names the outside
specification the rules were first written in, and every link into the rulebook lands on a heading of it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from crosstrack.contract.citations import OUTSIDE_NAME, rewrite_text, rewrite_tree
from crosstrack.contract.rulebook import (
    RULEBOOK,
    Declaration,
    Rule,
    Rulebook,
    Section,
    cited_rule_ids,
    declarations,
    generic_test_name,
    load_rulebook,
    parse_rulebook,
    project_files,
    python_declarations,
    render_rulebook,
    rules_text,
    slug,
    stale_exceptions,
    uncovered,
    undeclared_rules,
)

PROJECT = Path(__file__).resolve().parents[2]
# dbt resource types whose nodes implement a rule; every test node (generic, singular) and unit test tests one.
IMPLEMENTING = {"model": "model", "seed": "seed", "analysis": "analysis", "snapshot": "snapshot"}


def manifest_declarations(manifest: dict) -> set[Declaration]:
    """The rule declarations dbt sees, named as the rulebook names them (path left out)."""
    found = set()

    def add(rules: list[str] | str, role: str, what: str) -> None:
        for rule in [rules] if isinstance(rules, str) else rules:
            found.add(Declaration(rule, role, what, ""))

    for node in manifest["nodes"].values():
        rules = node["config"].get("meta", {}).get("rules") or []
        kind = node["resource_type"]
        if kind in IMPLEMENTING:
            add(rules, "implements", f"{IMPLEMENTING[kind]} `{node['name']}`")
        elif kind == "test" and node.get("test_metadata"):
            owner = manifest["nodes"][node["attached_node"]]["name"]
            where = f"{owner}.{node['column_name']}" if node.get("column_name") else owner
            add(rules, "tests", generic_test_name(node["test_metadata"]["name"], where))
        elif kind == "test":
            add(rules, "tests", f"data test `{node['name']}`")
    for test in manifest.get("unit_tests", {}).values():
        add(test["config"].get("meta", {}).get("rules") or [], "tests", f"unit test `{test['name']}`")
    for macro in manifest["macros"].values():
        if macro["package_name"] == manifest["metadata"].get("project_name", "crosstrack"):
            add(macro.get("meta", {}).get("rules") or [], "implements", f"macro `{macro['name']}`")
    return found


@pytest.fixture(scope="module")
def found() -> list[Declaration]:
    return declarations(PROJECT)


@pytest.fixture(scope="module")
def manifest(built_warehouse) -> dict:
    # The manifest of the session's build (tests/python/warehouse_build.py): the whole project as dbt parsed it.
    return json.loads((built_warehouse.target / "manifest.json").read_text(encoding="utf-8"))


# ---- the rulebook's own consistency ----------------------------------------------------------------------------


def test_every_rule_id_cited_anywhere_is_in_the_rulebook():
    unknown = {rule: files for rule, files in cited_rule_ids(PROJECT).items() if rule not in load_rulebook().ids()}
    assert unknown == {}, f"rule ids cited but not in crosstrack/contract/rules.yml: {unknown}"


def test_every_declared_rule_is_in_the_rulebook(found):
    assert undeclared_rules(load_rulebook(), found) == []


def test_every_rule_is_implemented_and_tested_or_says_why(found):
    assert uncovered(load_rulebook(), found) == []


def test_a_rule_that_says_it_is_not_implemented_has_no_implementation(found):
    assert stale_exceptions(load_rulebook(), found) == []


def test_exceptions_are_few():
    rules = load_rulebook().rules
    excepted = [r.id for r in rules if r.no_implementation or r.no_test]
    assert len(excepted) <= len(rules) // 10, excepted


def test_the_coverage_check_sees_a_rule_without_a_test_and_a_stale_exception(found):
    rulebook = load_rulebook()
    without_tests = [d for d in found if not (d.rule == "R-INC-1" and d.role == "tests")]
    assert set(uncovered(rulebook, without_tests)) - set(uncovered(rulebook, found)) == {"R-INC-1: no test"}
    excused = Rule(**{**vars(rulebook.rules[0]), "no_implementation": "a reason"})
    excusing = Rulebook(rulebook.sources, (Section(1, "One", None, (excused,)),))
    stale = f"{excused.id}: declared implemented, yet its exception says it is not"
    assert stale_exceptions(excusing, found) == [stale]
    unknown = "R-" + "NONE-1"  # spelled apart, or this file would cite it
    assert undeclared_rules(rulebook, [Declaration(unknown, "tests", "t", "tests/python/t.py")]) == [
        f"{unknown} (tests/python/t.py: t)"
    ]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda doc: doc["sections"][0]["rules"].append(dict(doc["sections"][0]["rules"][0])), "given twice"),
        (lambda doc: doc["sections"][0]["rules"][0].update(sources=["nowhere"]), "unknown source"),
        (lambda doc: doc["sections"][0]["rules"][0].update(sources=["decision"], reason=None), "needs a `reason`"),
    ],
)
def test_an_inconsistent_rulebook_is_refused(mutate, message):
    document = yaml.safe_load(rules_text())
    mutate(document)
    with pytest.raises(ValueError, match=message):
        parse_rulebook(document)


def test_the_rulebook_lists_every_declaration_under_its_rule(found):
    text = (PROJECT / RULEBOOK).read_text(encoding="utf-8")
    assert text == render_rulebook(load_rulebook(), found), "run `crosstrack contract render`"
    sections = {part.split("\n", 1)[0].strip(): part for part in text.split("\n### ")[1:]}
    role_line = {"implements": "- Implemented in: ", "tests": "- Tested in: "}
    lines = {rule: section.split("\n") for rule, section in sections.items()}
    missing = [d for d in found if not any(role_line[d.role] in ln and d.what in ln for ln in lines[d.rule])]
    assert missing == []


def test_every_rule_has_its_anchor_in_the_rendered_rulebook():
    headings = {slug(line.lstrip("#")) for line in (PROJECT / RULEBOOK).read_text().splitlines() if line[:1] == "#"}
    assert {rule.anchor for rule in load_rulebook().rules} <= headings


# ---- declarations: the files and dbt agree ----------------------------------------------------------------------


def test_python_declarations_name_the_module_or_the_test(tmp_path):
    (tmp_path / "crosstrack").mkdir()
    (tmp_path / "crosstrack" / "m.py").write_text('RULES = ("R-INC-1",)\n')
    (tmp_path / "tests" / "python").mkdir(parents=True)
    (tmp_path / "tests" / "python" / "test_m.py").write_text(
        'import pytest\n\npytestmark = [pytest.mark.warehouse, pytest.mark.rules("R-EX-2")]\n\n\n'
        '@pytest.mark.rules("R-INC-1", "R-INC-2")\ndef test_x():\n    pass\n'
    )
    assert sorted((d.rule, d.role, d.what) for d in python_declarations(tmp_path)) == [
        ("R-EX-2", "tests", "`tests/python/test_m.py`"),
        ("R-INC-1", "implements", "`crosstrack/m.py`"),
        ("R-INC-1", "tests", "`tests/python/test_m.py::test_x`"),
        ("R-INC-2", "tests", "`tests/python/test_m.py::test_x`"),
    ]


@pytest.mark.warehouse
def test_the_rulebook_lists_exactly_the_dbt_declarations_dbt_sees(manifest, found):
    from_files = {(d.rule, d.role, d.what) for d in found if not d.what.startswith("`")}
    from_dbt = {(d.rule, d.role, d.what) for d in manifest_declarations(manifest)}
    assert from_dbt - from_files == set(), "declared to dbt (in SQL?) but not read by crosstrack/contract/rulebook.py"
    assert from_files - from_dbt == set(), "read from the YAML but not seen by dbt (misplaced meta?)"


@pytest.mark.warehouse
def test_the_manifest_comparison_sees_a_declaration_in_sql(manifest, found):
    altered = json.loads(json.dumps(manifest))
    model = next(n for n in altered["nodes"].values() if n["resource_type"] == "model")
    model["config"].setdefault("meta", {})["rules"] = ["R-AGE-1"]
    from_files = {(d.rule, d.role, d.what) for d in found}
    assert ("R-AGE-1", "implements", f"model `{model['name']}`") in {
        (d.rule, d.role, d.what) for d in manifest_declarations(altered)
    } - from_files


# ---- citations point into the repository -----------------------------------------------------------------------

SHARED = "shar" + "ed/"  # the outside folder the specification sat in, spelled so that this file does not name it
OUTSIDE = re.compile(rf"\b{OUTSIDE_NAME}\b|\b{SHARED}")


def test_no_file_cites_the_outside_specification():
    found = []
    for path in project_files(PROJECT):
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
            if OUTSIDE.search(line):
                found.append(f"{path.relative_to(PROJECT)}:{number}: {line.strip()[:100]}")
    assert found == [], "run scripts/cite_rules.py:\n" + "\n".join(found)


def test_every_link_into_the_rulebook_lands_on_a_heading():
    text = (PROJECT / RULEBOOK).read_text(encoding="utf-8")
    headings = {slug(line.lstrip("#")) for line in text.splitlines() if line.startswith("#")}
    broken = []
    for path in project_files(PROJECT):
        if path.suffix != ".md":
            continue
        for anchor in re.findall(r"rules\.md#([\w-]+)", path.read_text(encoding="utf-8")):
            if anchor not in headings:
                broken.append(f"{path.relative_to(PROJECT)}: #{anchor}")
    assert broken == []


@pytest.mark.parametrize(
    ("text", "link", "expected"),
    [
        (f"-- {OUTSIDE_NAME} R-INC-1: both days", False, "-- R-INC-1: both days"),
        (f"rows ({OUTSIDE_NAME} R-PUB-1..3, R-API-3).", False, "rows (R-PUB-1..3, R-API-3)."),
        (f"rows ({OUTSIDE_NAME} R-EX-2).", True, "rows ([R-EX-2](../docs/rules.md#r-ex-2))."),
        (f"never 0: {OUTSIDE_NAME}\n  R-PUB-2", False, "never 0:\n  R-PUB-2"),
        (f"windows ({OUTSIDE_NAME} section 3)", False, "windows (docs/rules.md section 3)"),
        (
            f"windows ({OUTSIDE_NAME} section 3)",
            True,
            "windows ([docs/rules.md section 3](../docs/rules.md#3-cohorts))",
        ),
        (f"see `../{SHARED}{OUTSIDE_NAME}.md`", True, "see [docs/rules.md](../docs/rules.md)"),
        (f"see `../{SHARED}{OUTSIDE_NAME}.md`", False, "see `docs/rules.md`"),
        (f"as the {OUTSIDE_NAME} says", False, "as the rulebook (docs/rules.md) says"),
        (f"| seed | {OUTSIDE_NAME} | key |", True, "| seed | rule | key |"),
    ],
    ids=[
        *("comment", "range-and-list", "markdown-link", "before-next-line", "section", "section-link"),
        *("path-link", "path", "the-name", "table-header"),
    ],
)
def test_the_citation_rewrite_points_into_the_rulebook_and_is_idempotent(text, link, expected):
    relative = Path("docs_site/page.md")
    rewritten = rewrite_text(text, relative, link)
    assert rewritten == expected
    assert rewrite_text(rewritten, relative, link) == rewritten
    assert not OUTSIDE.search(rewritten)


def test_the_tree_rewrite_links_hand_written_pages_only_and_changes_nothing_the_second_time(tmp_path):
    files = {
        "README.md": f"The rules are in `../{SHARED}{OUTSIDE_NAME}.md` ({OUTSIDE_NAME} R-INC-1).\n",
        "docs/landing_contract.md": f"Rendered ({OUTSIDE_NAME} R-EX-2).\n",
        "models/a.sql": f"-- {OUTSIDE_NAME} R-EX-2: every row\nselect 1\n",
        ".venv/lib/x.py": f"# {OUTSIDE_NAME} R-EX-2\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    changed = rewrite_tree(tmp_path, generated={Path("docs/landing_contract.md")})
    assert sorted(map(str, changed)) == ["README.md", "docs/landing_contract.md", "models/a.sql"]
    assert (tmp_path / "README.md").read_text() == (
        "The rules are in [docs/rules.md](docs/rules.md) ([R-INC-1](docs/rules.md#r-inc-1)).\n"
    )
    assert (tmp_path / "docs/landing_contract.md").read_text() == "Rendered (R-EX-2).\n"
    assert (tmp_path / ".venv/lib/x.py").read_text() == files[".venv/lib/x.py"]
    assert rewrite_tree(tmp_path, generated={Path("docs/landing_contract.md")}) == []
