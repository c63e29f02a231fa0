"""The splink model (DuckDB backend): blocking rules, comparisons per field, and their trained parameters.

The settings are declared here once; `crosstrack linkage train` estimates the parameters on a delivery (u by random
sampling, m and the match share by expectation maximisation) and writes the whole model to `model.json` in this
package, versioned with the code. The build's link stage only loads it (docs/identity.md, "Probabilistic linkage").
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

MODEL_FILE = "model.json"
# Blocking: a pair is compared only when one of these holds. Each is an equi-join, so the comparison count stays
# tractable at scale 1.0 (about 1.8 million person records); together they catch each kind of identity noise with
# at least one identifier intact.
BLOCKING_RULES = (
    "l.sid = r.sid",  # name, alias and birth-date noise with the SID right
    "l.last_name = r.last_name and l.birth_date = r.birth_date",  # wrong, transposed, second or missing SID
    "l.first_name = r.first_name and l.birth_date = r.birth_date",  # married name, compound surname, suffix
    "l.first_name = r.first_name and l.last_name = r.last_name and year(l.birth_date) = year(r.birth_date)",
    "l.first_name = r.first_name and l.last_name = r.last_name and l.birth_date_text[5:8] = r.birth_date_text[5:8]",
    "l.sid_digits = r.sid_digits and l.birth_date = r.birth_date",  # a transposed SID with its own birth date
    # a typo in the last name and a nickname (or another typo) in the first, no SID (with both SIDs this pair count
    # grows with the square of the records, 11.5 million at scale 1.0, and none of them linked)
    "l.birth_date = r.birth_date and l.last_name[1] = r.last_name[1] and (l.sid is null or r.sid is null)",
)
# Training blocks (EM): each leaves the compared fields free to disagree.
TRAINING_BLOCKS = (
    "l.sid = r.sid",
    "l.last_name = r.last_name and l.birth_date = r.birth_date",
    "l.first_name = r.first_name and l.birth_date = r.birth_date",
)
# A pair surely the same person, for the prior (the share of random pairs that match).
DETERMINISTIC_RULES = ("l.sid = r.sid and l.last_name = r.last_name and l.birth_date = r.birth_date",)
PRIOR_RECALL = 0.7


def _null(column: str) -> dict[str, Any]:
    return {
        "sql_condition": f'"{column}_l" is null or "{column}_r" is null',
        "label_for_charts": "null",
        "is_null_level": True,
    }


def _level(condition: str, label: str, tf_column: str | None = None) -> dict[str, Any]:
    level: dict[str, Any] = {"sql_condition": condition, "label_for_charts": label}
    if tf_column:
        level.update({"tf_adjustment_column": tf_column, "tf_adjustment_weight": 1.0})
    return level


def _else() -> dict[str, Any]:
    return {"sql_condition": "else", "label_for_charts": "else"}


# A person's sex and race as two records of theirs record them disagree this often (a recording error, or race
# entered differently): fixed, not trained, so that a disagreement weighs against a match without vetoing it (a
# training delivery without such errors would make it a veto).
SEX_RECORDING_ERROR = 0.005
RACE_RECORDING_ERROR = 0.03


def _fixed_m(column: str, description: str, error: float) -> dict[str, Any]:
    exact = _level(f'"{column}_l" = "{column}_r"', "exact")
    exact.update({"m_probability": 1 - error, "fix_m_probability": True})
    other = _else()
    other.update({"m_probability": error, "fix_m_probability": True})
    return {
        "output_column_name": column,
        "comparison_description": description,
        "comparison_levels": [_null(column), exact, other],
    }


def comparisons() -> list[dict[str, Any]]:
    """One comparison per field: exact levels with term-frequency adjustments for names, Jaro-Winkler and the
    nickname table for first names, a compound-name level for last names, typo-tolerant birth dates, and the SID
    exact or transposed (strong evidence, not absolute: wrong SIDs exist)."""
    jw = "jaro_winkler_similarity"
    return [
        {
            "output_column_name": "sid",
            "comparison_description": "SID: exact, two digits transposed, else",
            "comparison_levels": [
                _null("sid"),
                _level('"sid_l" = "sid_r"', "exact"),
                _level(
                    '"sid_digits_l" = "sid_digits_r" and damerau_levenshtein("sid_l", "sid_r") = 1',
                    "transposed",
                ),
                _else(),
            ],
        },
        {
            "output_column_name": "first_name",
            "comparison_description": "First name: exact, nickname, Jaro-Winkler >= 0.92, >= 0.8, else",
            "comparison_levels": [
                _null("first_name"),
                _level('"first_name_l" = "first_name_r"', "exact", "first_name"),
                _level('list_has_any("first_name_forms_l", "first_name_forms_r")', "nickname"),
                _level(f'{jw}("first_name_l", "first_name_r") >= 0.92', "jaro-winkler >= 0.92"),
                _level(f'{jw}("first_name_l", "first_name_r") >= 0.8', "jaro-winkler >= 0.8"),
                _else(),
            ],
        },
        {
            "output_column_name": "last_name",
            "comparison_description": "Last name: exact, Jaro-Winkler >= 0.92, one part of the other, >= 0.8, else",
            "comparison_levels": [
                _null("last_name"),
                _level('"last_name_l" = "last_name_r"', "exact", "last_name"),
                _level(f'{jw}("last_name_l", "last_name_r") >= 0.92', "jaro-winkler >= 0.92"),
                _level(
                    '(starts_with("last_name_l", "last_name_r") or starts_with("last_name_r", "last_name_l")) '
                    'and least(length("last_name_l"), length("last_name_r")) >= 3',
                    "compound or suffix",
                ),
                _level(f'{jw}("last_name_l", "last_name_r") >= 0.8', "jaro-winkler >= 0.8"),
                _else(),
            ],
        },
        {
            "output_column_name": "birth_date",
            "comparison_description": "Birth date: exact, one digit or a transposition off, day and month swapped, "
            "same day and month, within a year, else",
            "comparison_levels": [
                _null("birth_date"),
                _level('"birth_date_l" = "birth_date_r"', "exact"),
                _level('damerau_levenshtein("birth_date_text_l", "birth_date_text_r") <= 1', "one typo"),
                _level(
                    'year("birth_date_l") = year("birth_date_r") and month("birth_date_l") = day("birth_date_r") '
                    'and day("birth_date_l") = month("birth_date_r")',
                    "day and month swapped",
                ),
                _level(
                    'month("birth_date_l") = month("birth_date_r") and day("birth_date_l") = day("birth_date_r")',
                    "same day and month",
                ),
                _level('abs(date_diff(\'day\', "birth_date_l", "birth_date_r")) <= 366', "within a year"),
                _else(),
            ],
        },
        _fixed_m("sex", "Assigned sex (conformed): exact, else", SEX_RECORDING_ERROR),
        _fixed_m("race", "Race (conformed): exact, else", RACE_RECORDING_ERROR),
    ]


def settings() -> dict[str, Any]:
    """The untrained splink settings."""
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unique_id",
        "probability_two_random_records_match": 1e-6,
        "blocking_rules_to_generate_predictions": [
            {"blocking_rule": rule, "sql_dialect": "duckdb"} for rule in BLOCKING_RULES
        ],
        "comparisons": comparisons(),
        "retain_matching_columns": False,
        "retain_intermediate_calculation_columns": False,
        "additional_columns_to_retain": [],
        "sql_dialect": "duckdb",
    }


def packaged_model() -> Path:
    """The trained model shipped with the package."""
    return Path(str(resources.files(__package__).joinpath(MODEL_FILE)))


# The model file is splink's JSON with one key of ours: what it was trained on (`crosstrack linkage train`).
META_KEY = "crosstrack"


def load_model(path: Path | None = None) -> dict[str, Any]:
    """The trained splink settings, with the prior share of matching pairs of the training delivery, whatever the
    size of the delivery linked: a person's look-alikes and second SIDs come with the person, not with the size of
    the delivery, so a pair's evidence decides the same way at every scale (docs/identity.md, "Probabilistic
    linkage")."""
    path = path or packaged_model()
    if not path.is_file():
        raise FileNotFoundError(f"no trained linkage model at {path} (crosstrack linkage train)")
    trained = json.loads(path.read_text(encoding="utf-8"))
    trained.pop(META_KEY, None)
    # the pairs scored are those of BLOCKING_RULES (blocking does not change the trained parameters)
    trained["blocking_rules_to_generate_predictions"] = settings()["blocking_rules_to_generate_predictions"]
    return trained


def save_model(path: Path, meta: dict[str, Any]) -> None:
    """Add our metadata to the JSON splink saved at `path`, keys sorted, so the versioned file diffs cleanly."""
    settings = json.loads(path.read_text(encoding="utf-8"))
    settings[META_KEY] = meta
    path.write_text(json.dumps(settings, indent=2, sort_keys=True) + "\n", encoding="utf-8")
