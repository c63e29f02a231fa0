"""Structural checks: is each file of the delivery readable as the contract describes? (SPEC R-EX-2)

A structural problem (missing file, not UTF-8, wrong delimiter, missing / extra / duplicated column, empty
file, truncated file, ragged rows, blank lines) rejects the whole delivery: nothing is loaded, the gate exits 3.
The byte pass here also gives the manifest its size and sha256.
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
    problems: list[StructuralProblem] = field(default_factory=list)

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
    """Hash the file, check it is UTF-8 and ends with a line break; return its first line (decoded)."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    first_line_parts: list[str] = []
    seen_newline = False
    offset = 0
    line_no = 1
    last_byte = b""
    with facts.path.open("rb") as handle:
        while block := handle.read(READ_BLOCK):
            digest.update(block)
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
            last_byte = block[-1:]
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        facts.reject(f"not UTF-8: the file ends inside a multi-byte character (line {line_no}); truncated?")
    facts.bytes = offset
    facts.sha256 = digest.hexdigest()
    facts.ends_with_newline = offset == 0 or last_byte == b"\n"
    return "".join(first_line_parts).removesuffix("\r").removeprefix("\ufeff")


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


TRUNCATED = "truncated file: the last line has no line break (every record must end with LF or CRLF)"
