"""What a file is, from its first bytes: imslint's own output (left out), a reader's input, or neither."""

from __future__ import annotations

import os
import re
from typing import Any, FrozenSet, Optional, Sequence, Tuple

from ..readers import Reader
from .faults import _FAULTS, _describe

HEAD_SIZE = 8192  # bytes read first, to sniff a file's kind


def choose_reader(readers: Sequence[Reader], path: str, head: bytes) -> Tuple[Optional[Reader], Optional[str], Optional[str]]:
    """(reader, skip reason, error) for a file, from its first bytes and each reader's sniff."""
    for reader in readers:
        try:
            if reader.sniff(path, head):
                return reader, None, None
        except _FAULTS as exc:
            return None, None, f"reader {reader.name} failed to recognise the file: {_describe(exc, ())}"
    # A NUL byte or a GIF header in a file named as code or text does not make it binary: it is read as
    # text, so that a few planted bytes cannot hide what the file holds.
    if _named_as_text(path):
        for reader in readers:
            if reader.name == "source":
                return reader, None, None
    return None, "binary or unsupported file", None


def _named_as_text(path: str) -> bool:
    """True for a file whose name says code or text (``.js``, ``.env``, ``.txt``...; see :func:`language_for`)."""
    from ..readers.source import language_for

    return language_for(path) != "text" or path.lower().endswith(".txt")



def _languages(reader: Any, display: str, data: Optional[bytes]) -> Optional[FrozenSet[str]]:
    """``reader.languages`` for a file read whole (None when unknown, or when the reader fails to say)."""
    if data is None:
        return None
    try:
        languages = reader.languages(display, data[:HEAD_SIZE])
    except Exception:  # noqa: BLE001 - an optional hint: a reader without it, or failing, means any language
        return None
    return frozenset(languages) if languages is not None else None



def _tail(fh: Any, head: bytes, data: Optional[bytes], size: int = 512) -> bytes:
    """The last ``size`` bytes of the open file ``fh`` (whose first bytes are ``head``), leaving its position as it was."""
    if data is not None:
        return data[-size:]
    if len(head) < HEAD_SIZE:
        return head[-size:]
    pos = fh.tell()
    try:
        fh.seek(-size, os.SEEK_END)
        return fh.read(size)
    finally:
        fh.seek(pos)



def _without_rule_docs(data: bytes) -> bytes:
    """A SARIF log (already parsed once) without its rules' documentation, whose examples hold sample passwords."""
    import json

    doc = json.loads(data.decode("utf-8"))
    for run in doc["runs"]:
        run["tool"]["driver"].pop("rules", None)
    return json.dumps(doc, indent=1, ensure_ascii=False).encode("utf-8", "replace")


_OWN_SARIF_RE = re.compile(rb'\A\s*\{[^\0]{0,400}?"driver"\s*:\s*\{\s*"name"\s*:\s*"imslint"')
_OWN_JSON_RE = re.compile(rb'\A\s*\{\s*"(?:errors|findings)"\s*:\s*\[')  # a JSON report or a baseline ...
_OWN_JSON_TAIL_RE = re.compile(rb'"tool"\s*:\s*(?:\{\s*"name"\s*:\s*)?"imslint"')  # ... that ends by naming imslint
_OWN_CACHE_RE = re.compile(rb'\A\{"key":"[0-9a-f]{32}","imslint":')
_OWN_TEXT_RE = re.compile(rb"\A[^\n]*?:\d+:\d+: (?:error|warning|note) [A-Z]{2,5}[0-9]{3} ")
_OWN_TEXT_TAIL_RE = re.compile(rb"(?:Found \d+ problems?|No problems found)[^\n]* scanned[^\n]*\.\s*\Z")
_OWN_GITHUB_RE = re.compile(rb"\A::(?:error|warning|notice) file=[^\n]*?title=(?:[A-Z]{2,5}[0-9]{3} |imslint::)")
# The worklist's header, also as a spreadsheet saves it back (a byte-order mark, `;` or tab separators).
_OWN_WORKLIST_RE = re.compile(
    rb"\A(?:\xef\xbb\xbf)?login([,;\t])label\1email\1authentication_type\1status\1findings\1action\1new_email\r?$", re.M
)


def own_output(head: bytes, tail: Any) -> Optional[str]:
    """What kind of imslint output a file is (its reports, baseline, worklist, cache), from its first bytes.

    ``tail()`` gives the file's last bytes, read only for a file whose start
    looks like a report. imslint's reports quote the patterns they found, so a
    report left in a scanned tree, or a committed baseline, would otherwise be
    flagged on the next run.
    """
    first = head[:1]
    if first.isspace():
        first = head.lstrip()[:1]
    if first == b"{":
        if _OWN_SARIF_RE.match(head):
            return "SARIF report"
        if _OWN_CACHE_RE.match(head):
            return "result cache"
        if _OWN_JSON_RE.match(head) and _OWN_JSON_TAIL_RE.search(tail()):
            return "JSON report or baseline"
    elif first in (b"l", b"\xef") and _OWN_WORKLIST_RE.match(head):
        return "worklist"
    elif first == b":":
        if _OWN_GITHUB_RE.match(head):
            return "GitHub annotations"
    elif _OWN_TEXT_RE.match(head) and _OWN_TEXT_TAIL_RE.search(tail()):
        return "text report"
    return None


_TEXT_LINE_RES = (
    re.compile(r".+:\d+:\d+: (?:error|warning|note) [A-Z]{2,5}[0-9]{3} .* \[[a-z0-9]+(?:-[a-z0-9]+)*\]"),  # a finding
    re.compile(r"    .+:\d+:\d+: .*"),  # a related location
    re.compile(r".+?:(?:\d+:)? error .+"),  # a file that could not be read, a rule that failed
    re.compile(r".+: skipped: .+"),  # --verbose: a skipped file
    re.compile(r" *\d+  [A-Z]{2,5}[0-9]{3}  (?:error|warning|note)? *  [a-z0-9-]*"),  # --statistics
    re.compile(r""),  # the blank line before the statistics
)
_TEXT_SUMMARY_RE = re.compile(
    r"(?:Found \d+ problems? \([a-z0-9, ]+\)|No problems found) in \d+ files? scanned(?:; [a-z0-9, ]+)?\."
)
_GITHUB_LINE_RE = re.compile(
    r"::(?:error|warning|notice) file=[^,:\n]*(?:,line=\d+)?(?:,col=\d+)?(?:,endLine=\d+)?,title=[^:,\n]*::[^\n]*"
)
_JSON_REPORT_KEYS = {"version", "tool", "summary", "findings", "errors", "skipped", "suppressed"}
_JSON_FINDING_KEYS = {
    "fingerprint", "help_uri", "location", "message", "properties", "related", "rule_id", "rule_name", "secret_hash",
    "severity", "suppression",
}
_BASELINE_ENTRY_KEYS = {"fingerprint", "rule_id", "path", "message"}
_SARIF_RUN_KEYS = {"tool", "originalUriBaseIds", "invocations", "results", "columnKind", "redactionTokens"}
_WORKLIST_FINDINGS_RE = re.compile(r"[A-Z]{2,5}[0-9]{3}(?: [A-Z]{2,5}[0-9]{3})*")
# Where each kind of output may be found: a report never hides in a file that some program runs or reads as code.
_OWN_OUTPUT_LANGUAGES = {"text": ("text",), "json": ("text", "json"), "worklist": ("text", "csv")}


def confirm_own_output(kind: str, data: bytes, path: str) -> bool:
    """True when the whole of ``data`` parses as the imslint output ``kind`` (:func:`own_output`'s answer).

    A file is left out as imslint's own output only when all of it is: every line
    of a text report or of GitHub annotations matches their grammar, a JSON
    report, baseline, SARIF log or cache parses as a whole and names imslint, a
    worklist has its header and eight columns on every row. And only in a file
    whose name is not that of code (``.txt``, ``.json``, ``.sarif``, ``.csv``, no
    extension...): a file made to look like a report cannot hide code.
    """
    import json

    from ..readers.source import language_for

    family = "json" if kind in ("SARIF report", "result cache", "JSON report or baseline") else "text"
    if kind == "worklist":
        family = "worklist"
    if language_for(path) not in _OWN_OUTPUT_LANGUAGES[family]:
        return False
    try:
        text = data.decode("utf-8-sig" if kind == "worklist" else "utf-8")
        if family == "json":
            return _own_json(kind, json.loads(text))
    except (ValueError, RecursionError, MemoryError):
        return False
    if kind == "worklist":
        return _own_worklist(text)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        return False
    if kind == "GitHub annotations":
        return all(_GITHUB_LINE_RE.fullmatch(line) for line in lines)
    return bool(_TEXT_SUMMARY_RE.fullmatch(lines[-1])) and all(
        any(r.fullmatch(line) for r in _TEXT_LINE_RES) for line in lines[:-1]
    )


def _own_json(kind: str, doc: Any) -> bool:
    if not isinstance(doc, dict):
        return False
    if kind == "result cache":
        return set(doc) == {"key", "imslint", "entries"} and isinstance(doc["entries"], dict) and all(
            isinstance(e, list) for e in doc["entries"].values()
        )
    if kind == "SARIF report":
        runs = doc.get("runs")
        return set(doc) <= {"$schema", "version", "runs"} and isinstance(runs, list) and bool(runs) and all(
            isinstance(run, dict) and set(run) <= _SARIF_RUN_KEYS and isinstance(run.get("tool"), dict)
            and isinstance(run["tool"].get("driver"), dict) and run["tool"]["driver"].get("name") == "imslint"
            for run in runs
        )
    findings = doc.get("findings")
    if not isinstance(findings, list) or not all(isinstance(f, dict) for f in findings):
        return False
    if doc.get("tool") == "imslint":  # a baseline
        return set(doc) == {"version", "tool", "findings"} and all(set(f) <= _BASELINE_ENTRY_KEYS for f in findings)
    tool = doc.get("tool")
    return (
        set(doc) <= _JSON_REPORT_KEYS and isinstance(tool, dict) and tool.get("name") == "imslint"
        and isinstance(doc.get("errors"), list) and all(set(f) <= _JSON_FINDING_KEYS for f in findings)
    )


def _own_worklist(text: str) -> bool:
    import csv
    import io

    first = text.split("\n", 1)[0]
    sep = next((c for c in ",;\t" if c in first), ",")
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    try:
        header = next(rows, None)
        if header is None or [c.strip() for c in header] != list(_WORKLIST_COLUMNS):
            return False
        for row in rows:
            if len(row) != len(_WORKLIST_COLUMNS) or not _WORKLIST_FINDINGS_RE.fullmatch(row[5]):
                return False
    except csv.Error:
        return False
    return True


_WORKLIST_COLUMNS = ("login", "label", "email", "authentication_type", "status", "findings", "action", "new_email")

