"""Citations point into the repository: rewrite references to an outside specification as references to the rulebook.

The rulebook (docs/rules.md, rendered from crosstrack/contract/rules.yml) is the project's own statement of its
rules. Older text cites an outside document: a path to it, its rule ids prefixed with its name, its numbered
sections; and an outside style guide. `rewrite_text` turns each into an in-repository reference: a plain rule id
in code, comments and YAML, a link to the rule's anchor (`rules.md#r-pub-2`) in the hand-written Markdown pages,
docs/style.md for the style guide. The rewrite is deterministic and idempotent (its output holds nothing it
rewrites), so it is safe to run again on any tree: `scripts/cite_rules.py`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from crosstrack.contract.rulebook import RULEBOOK, load_rulebook, project_files

OUTSIDE_NAME = "SP" + "EC"  # the outside document's name, spelled so that this file does not cite it
_NAME = rf"\b{OUTSIDE_NAME}\b"
_PATH = re.compile(rf"(`?)(?:\.\./)*(?:\w+/)?{OUTSIDE_NAME}\.md\1")
_SECTIONS = re.compile(rf"{_NAME}[ \t]+(sections?)[ \t]+([0-9]+(?:(?:,[ \t]*|[ \t]+and[ \t]+|-)[0-9]+)*)")
_BEFORE_ID_ON_NEXT_LINE = re.compile(rf"[ \t]*{_NAME}(?=[ \t]*\n\s*R-[A-Z]+-[0-9])")
_BEFORE_ID = re.compile(rf"{_NAME}[ \t]+(R-[A-Z]+-[0-9]+[a-z]?)((?:\.\.[0-9]+)?)")
_TABLE_HEADER = re.compile(rf"\|[ \t]*{OUTSIDE_NAME}[ \t]*\|")
_RULE_OF = re.compile(rf"\b([Tt])he {OUTSIDE_NAME} rule\b")
_INTRODUCTION = re.compile(rf"{_NAME} introduction")
_THE_NAME = re.compile(rf"\b([Tt])he {OUTSIDE_NAME}\b")
_ANY_NAME = re.compile(_NAME)
_STYLE_GUIDE = re.compile(r"(?:\.\./)*(?:\w+/)?\b" + "STY" + r"LE\.md\b")  # the outside style guide, now docs/style.md


def _section_anchors() -> dict[str, str]:
    return {str(section.number): section.anchor for section in load_rulebook().sections}


def linked_markdown(relative: Path, generated: set[Path]) -> bool:
    """Whether a file is a hand-written Markdown page, where a citation becomes a link."""
    return relative.suffix == ".md" and relative not in generated and relative != RULEBOOK


def rewrite_text(text: str, relative: Path, link: bool) -> str:
    """The text with every reference to the outside document turned into one into the rulebook.

    `relative` is the file's path from the project root (links are relative to it); `link` makes Markdown links.
    """
    book = os.path.relpath(RULEBOOK, relative.parent).replace(os.sep, "/")
    anchors = _section_anchors()

    def path(match: re.Match[str]) -> str:
        return f"[docs/rules.md]({book})" if link else f"{match.group(1)}docs/rules.md{match.group(1)}"

    def sections(match: re.Match[str]) -> str:
        word, numbers = match.group(1), match.group(2)
        if link and numbers in anchors:
            return f"[docs/rules.md {word} {numbers}]({book}#{anchors[numbers]})"
        if link:
            return f"[docs/rules.md]({book}) {word} {numbers}"
        return f"docs/rules.md {word} {numbers}"

    def rule(match: re.Match[str]) -> str:
        rule_id, span = match.group(1), match.group(2)
        return f"[{rule_id}{span}]({book}#{rule_id.lower()})" if link else f"{rule_id}{span}"

    text = _PATH.sub(path, text)
    text = _STYLE_GUIDE.sub("docs/style.md", text)
    text = _SECTIONS.sub(sections, text)
    text = _BEFORE_ID_ON_NEXT_LINE.sub("", text)
    text = _BEFORE_ID.sub(rule, text)
    text = _TABLE_HEADER.sub("| rule |", text)
    text = _RULE_OF.sub(lambda m: f"{m.group(1)}he rule (docs/rules.md)", text)
    text = _INTRODUCTION.sub("docs/rules.md", text)
    text = _THE_NAME.sub(lambda m: f"{m.group(1)}he rulebook (docs/rules.md)", text)
    return _ANY_NAME.sub("docs/rules.md", text)


def rewrite_tree(root: Path, generated: set[Path]) -> list[Path]:
    """Rewrite every project file under root in place; the relative paths of the files changed.

    `generated` are the derived files (their Markdown gets plain citations, as their sources do)."""
    changed = []
    for path in project_files(root):
        relative = path.relative_to(root)
        if relative == RULEBOOK:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:  # not a text file of the project's: nothing to rewrite
            continue
        new = rewrite_text(text, relative, linked_markdown(relative, generated))
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed.append(relative)
    return changed
