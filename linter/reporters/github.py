"""GitHub Actions workflow commands: one annotation per finding, shown inline on pull requests."""

from __future__ import annotations

import re
from typing import Any, Mapping

from ..model import RunResult
from ..own_output import named_as

_LEVELS = {"error": "error", "warning": "warning", "note": "notice"}


_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _percent(m: "re.Match[str]") -> str:
    c = m.group()
    code = ord(c)
    if 0xDC80 <= code <= 0xDCFF:
        return f"%{code - 0xDC00:02X}"  # the byte of a file name that is not UTF-8
    if 0xD800 <= code <= 0xDFFF:
        return "%EF%BF%BD"  # a surrogate no byte stands for: U+FFFD
    return "".join(f"%{b:02X}" for b in c.encode("utf-8"))


def _escape_data(text: str) -> str:
    """Percent-encode ``%``, line breaks and every other control character (a terminal obeys them)."""
    text = text.replace("%", "%25")
    return _CONTROL_RE.sub(_percent, text) if _CONTROL_RE.search(text) else text


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


class GithubReporter:
    """``--format github``: ``::error file=...,line=...,col=...,title=...::message`` lines for GitHub Actions."""

    format = "github"

    # imslint's own annotations found in a scanned tree are left out (see imslint.own_output)
    output_label = "GitHub annotations"
    output_first_bytes = (b":",)

    def sniff_output(self, head: bytes, tail: Any) -> bool:
        """True when ``head`` starts with an annotation of imslint."""
        return bool(_OWN_GITHUB_RE.match(head))

    def confirm_output(self, data: bytes, path: str) -> bool:
        """True when every line of ``data`` is an annotation (and the file is named as text)."""
        if not named_as(path, ("text",)):
            return False
        try:
            lines = data.decode("utf-8").split("\n")
        except ValueError:
            return False
        if lines and lines[-1] == "":
            lines.pop()
        return bool(lines) and all(_GITHUB_LINE_RE.fullmatch(line) for line in lines)

    def secret_checked_part(self, data: bytes) -> bytes:
        """All of it: annotations hold no secret."""
        return data

    def render(self, result: RunResult, options: Mapping[str, Any]) -> str:
        """One workflow command per finding and per file that could not be read."""
        lines = []
        for f in result.findings:
            loc = f.location
            props = f"file={_escape_property(loc.path)},line={loc.line},col={loc.column}"
            if loc.end_line:
                props += f",endLine={loc.end_line}"
            props += f",title={_escape_property(f'{f.rule_id} {f.rule_name}')}"
            lines.append(f"::{_LEVELS[f.severity.label]} {props}::{_escape_data(f.message)}")
        for e in result.errors:
            props = f"file={_escape_property(e.path)}" + (f",line={e.line}" if e.line else "")
            lines.append(f"::error {props},title=imslint::{_escape_data(e.message)}")
        for path, reason in result.notable_skipped():  # an export that yields nothing, a file over the size limit
            lines.append(f"::warning file={_escape_property(path)},title=imslint::{_escape_data('skipped: ' + reason)}")
        return "\n".join(lines) + ("\n" if lines else "")


_OWN_GITHUB_RE = re.compile(rb"\A::(?:error|warning|notice) file=[^\n]*?title=(?:[A-Z]{2,5}[0-9]{3} |imslint::)")
_GITHUB_LINE_RE = re.compile(
    r"::(?:error|warning|notice) file=[^,:\n]*(?:,line=\d+)?(?:,col=\d+)?(?:,endLine=\d+)?,title=[^:,\n]*::[^\n]*"
)
