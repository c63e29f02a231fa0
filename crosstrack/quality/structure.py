"""Structural checks: is each file of the delivery readable as the contract describes? (R-EX-2)

A structural problem (missing file, not UTF-8, wrong delimiter, missing / extra / duplicated column, empty
file, truncated file, ragged rows, blank lines) rejects the whole delivery: nothing is loaded, the gate exits 3.
The byte pass here also gives the manifest its size and sha256.

What real senders deliver under RFC 4180 is accepted: CRLF or LF line ends, a UTF-8 byte-order mark, no line
break after the last record, empty lines after the last record (not counted as records). A truncated file is
still caught: by the field count of its last record (the row pass) and by the balance of its double quotes
(an odd number means a quoted field is never closed).
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

from crosstrack.contract import LandingFile

READ_BLOCK = 8 << 20
OTHER_DELIMITERS = (";", "\t", "|")


@dataclass(frozen=True)
class StructuralProblem:
    file: str  # <system>/<file>
    problem: str
    row: int | None = None  # landing_row (1-based data record) where it applies
    # The problem without any text taken from the file, when `problem` quotes some (a header that is really a
    # data row would otherwise show that row): what the public report prints.
    public_problem: str | None = None

    def message(self) -> str:
        return self._message(self.problem)

    def public_message(self) -> str:
        return self._message(self.public_problem or self.problem)

    def _message(self, problem: str) -> str:
        where = f" (row {self.row})" if self.row is not None else ""
        return f"{self.file}{where}: {problem}"


@dataclass
class FileFacts:
    """What the byte pass and the header tell about one delivered file."""

    relative_path: str
    path: Path
    exists: bool = False
    bytes: int = 0
    sha256: str = ""
    header: list[str] = field(default_factory=list)
    ends_with_newline: bool = True
    content_bytes: int = 0  # the bytes up to the end of the last record: empty lines after it are left out
    trailing_blank_lines: int = 0
    unbalanced_quotes: bool = False  # an odd number of double quotes: the row pass names the record
    line_breaks: int = 0  # in the content: one per record but the last, plus the header's (a quoted one aside)
    problems: list[StructuralProblem] = field(default_factory=list)

    @property
    def estimated_rows(self) -> int:
        """Data records, from the line breaks (exact unless a quoted field holds one): for progress only."""
        return self.line_breaks

    def reject(self, problem: str, row: int | None = None, public_problem: str | None = None) -> None:
        self.problems.append(StructuralProblem(self.relative_path, problem, row, public_problem))


def inspect_file(landing_dir: Path, landing_file: LandingFile) -> FileFacts:
    """Byte pass (size, sha256, UTF-8, final line end) and header check of one contract file."""
    facts = FileFacts(relative_path=landing_file.relative_path, path=landing_dir / landing_file.relative_path)
    if not facts.path.is_file():
        facts.reject("missing file: the contract requires it in every delivery")
        return facts
    facts.exists = True
    first_line = _byte_pass(facts)
    if facts.problems:
        return facts
    if facts.bytes == 0:
        facts.reject("empty file (0 bytes): expected a header and data rows")
        return facts
    _check_header(facts, first_line, landing_file)
    return facts


def _byte_pass(facts: FileFacts) -> str:
    """Hash the file, check it is UTF-8 and its quotes balance, find where its last record ends; return its
    first line (decoded)."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    first_line_parts: list[str] = []
    seen_newline = False
    offset = 0
    line_no = 1
    quotes = 0
    tail = b""
    with facts.path.open("rb") as handle:
        while block := handle.read(READ_BLOCK):
            digest.update(block)
            quotes += block.count(b'"')
            try:
                text = decoder.decode(block)
            except UnicodeDecodeError as exc:
                bad = offset + exc.start
                line = line_no + block[: exc.start].count(b"\n")
                facts.reject(
                    f"not UTF-8 (wrong encoding?): invalid byte 0x{block[exc.start]:02x} at byte {bad} (line {line});"
                    " the contract requires UTF-8"
                )
                return ""
            if not seen_newline:
                head, newline, _ = text.partition("\n")
                first_line_parts.append(head)
                seen_newline = bool(newline)
            line_no += block.count(b"\n")
            offset += len(block)
            tail = block[-TAIL_BYTES:] if len(block) >= TAIL_BYTES else (tail + block)[-TAIL_BYTES:]
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        facts.reject(f"not UTF-8: the file ends inside a multi-byte character (line {line_no}); truncated?")
    facts.bytes = offset
    facts.sha256 = digest.hexdigest()
    _record_end(facts, tail, line_no - 1)
    facts.unbalanced_quotes = bool(quotes % 2)
    return "".join(first_line_parts).removesuffix("\r").removeprefix("\ufeff")


def _record_end(facts: FileFacts, tail: bytes, line_breaks: int) -> None:
    """Where the last record ends: line breaks after it are its own line end and empty lines (RFC 4180 tolerance)."""
    ending = tail[len(tail.rstrip(b"\r\n")) :]
    facts.ends_with_newline = facts.bytes == 0 or tail.endswith(b"\n")
    facts.trailing_blank_lines = max(ending.count(b"\n") - 1, 0)
    own_end = len(ending) - len(ending.removeprefix(b"\r\n").removeprefix(b"\n"))  # the last record's line end
    facts.content_bytes = facts.bytes - len(ending) + own_end
    facts.line_breaks = line_breaks - ending.count(b"\n")


def _check_header(facts: FileFacts, first_line: str, landing_file: LandingFile) -> None:
    header = next(csv.reader(io.StringIO(first_line)), [])
    facts.header = header
    expected = landing_file.column_names
    if len(header) == 1 and len(expected) > 1:
        used = [d for d in OTHER_DELIMITERS if d in first_line]
        if used:
            facts.reject(f"wrong delimiter: the header is separated by {used[0]!r}; the contract requires ','")
            return
    duplicated = sorted({c for c in header if header.count(c) > 1})
    missing = [c for c in expected if c not in header]
    extra = [c for c in header if c not in expected]
    # A name the contract does not know may be anything the file holds (a missing header makes the first data row
    # the header): the public report counts such names instead of quoting them.
    if duplicated:
        facts.reject(
            f"duplicated column(s) in the header: {', '.join(duplicated)}",
            public_problem=f"duplicated column(s) in the header: {_contract_names_only(duplicated, expected)}",
        )
    if missing:
        facts.reject(f"missing column(s): {', '.join(missing)}")
    if extra:
        facts.reject(
            f"unexpected column(s) not in the contract: {', '.join(extra)}",
            public_problem=f"unexpected column(s) not in the contract: {_contract_names_only(extra, expected)}",
        )
    if missing and extra and len(missing) == len(extra) == 1:
        facts.reject(
            f"column {missing[0]!r} looks renamed to {extra[0]!r}",
            public_problem=f"column {missing[0]!r} looks renamed (the new name is in the restricted report)",
        )


def _contract_names_only(names: list[str], contract_names: list[str]) -> str:
    """The contract's column names among `names`, and how many others (named in the restricted report only)."""
    known = [n for n in names if n in contract_names]
    others = len(names) - len(known)
    parts = known + ([f"{others} name(s) not in the contract (in the restricted report)"] if others else [])
    return ", ".join(parts)


TAIL_BYTES = 1 << 16
TRUNCATED = "truncated file: the last line has no line break and its record is incomplete"
UNBALANCED_QUOTES = "truncated file: unbalanced double quotes, the quoted field {field!r} is never closed"
