"""Frozen value types shared by the host, the readers, the rules and the reporters."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, ClassVar, Dict, Iterable, List, Mapping, Optional, Tuple, Union


class Severity(enum.IntEnum):
    """How serious a finding is; ordered so that ``ERROR > WARNING > NOTE``."""

    NOTE = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, value: str) -> "Severity":
        """Return the severity named ``value`` (``error``, ``warning`` or ``note``)."""
        try:
            return cls[str(value).strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {value!r} (expected error, warning or note)") from None

    @property
    def label(self) -> str:
        """Lower-case name used in every output (also SARIF's ``level``)."""
        return self.name.lower()


@dataclass(frozen=True, order=True)
class Location:
    """A place in a real file: 1-based line and column; end positions are inclusive lines, exclusive columns."""

    path: str
    line: int = 1
    column: int = 1
    end_line: Optional[int] = None
    end_column: Optional[int] = None

    def to_dict(self) -> Dict[str, Any]:
        """Serialise with stable keys (used by JSON and SARIF alike)."""
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line if self.end_line is not None else self.line,
            "end_column": self.end_column,
        }


@dataclass(frozen=True)
class Related:
    """Another place a finding involves (a duplicate, the definition of a variable...)."""

    location: Location
    message: str = ""

    def to_dict(self) -> Dict[str, Any]:
        """Serialise with stable keys."""
        return {"location": self.location.to_dict(), "message": self.message}


@dataclass(frozen=True)
class Problem:
    """What a rule yields: where, what, and optionally the secret involved.

    A rule never stamps its own id or severity: the engine does. When a problem
    concerns a credential, the rule passes the literal in ``secret``; the host
    redacts it from every text it emits and identifies it by a short hash.
    ``key`` is a stable, secret-free identity of the problem within its file
    (for example the login involved); it feeds the baseline fingerprint so that
    the fingerprint survives lines moving.
    """

    location: Location
    message: str
    secret: Optional[str] = None
    key: str = ""
    related: Tuple[Related, ...] = ()
    properties: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Fact:
    """A piece of knowledge a rule publishes for other rules in the same run.

    Facts travel from worker processes back to the engine and are visible to
    rules in later phases through ``rule.context.facts(kind)``. Values must be
    picklable and must not hold secrets.
    """

    kind: str
    value: Any
    location: Optional[Location] = None


def sha256_hex(data: bytes) -> str:
    """SHA-256 of ``data`` in hex, from CPython's built-in implementation when it has one.

    ``hashlib`` loads OpenSSL (4 ms, a tenth of a pre-commit run's own start-up);
    the built-in module gives the same digest. Imported on the first use.
    """
    global _sha256
    if _sha256 is None:
        try:
            from _sha256 import sha256 as impl  # type: ignore[import-not-found]  # CPython 3.9-3.11
        except ImportError:
            try:
                from _sha2 import sha256 as impl  # type: ignore[import-not-found,no-redef]  # CPython 3.12+
            except ImportError:
                from hashlib import sha256 as impl  # type: ignore[assignment]  # other interpreters
        _sha256 = impl
    return _sha256(data).hexdigest()


_sha256: Any = None


def secret_hash(secret: str) -> str:
    """Short, stable identity of a secret: never the secret itself (8 hex digits of SHA-256)."""
    return sha256_hex(secret.encode("utf-8", "surrogatepass"))[:8]


def redaction(secret: str) -> str:
    """The text that replaces a secret in every output."""
    return f"<redacted:{secret_hash(secret)}>"


def redact(text: str, secrets: Iterable[str]) -> str:
    """Replace every occurrence of each secret in ``text`` by its redaction token."""
    for s in sorted({s for s in secrets if s}, key=len, reverse=True):
        if s in text:
            text = text.replace(s, redaction(s))
    return text


@dataclass(frozen=True)
class Finding:
    """A problem stamped by the engine: rule identity, effective severity, fingerprint; secret-free."""

    rule_id: str
    rule_name: str
    severity: Severity
    location: Location
    message: str
    fingerprint: str
    secret_hash: Optional[str] = None
    related: Tuple[Related, ...] = ()
    properties: Mapping[str, Any] = field(default_factory=dict)
    suppression: Optional[str] = None  # "inline" or "baseline" when suppressed
    suppression_reason: str = ""

    @property
    def sort_key(self) -> Tuple[str, int, int, str, str]:
        """Order of every output: path, line, column, rule id, message."""
        loc = self.location
        return (loc.path, loc.line, loc.column, self.rule_id, self.message)

    def to_dict(self) -> Dict[str, Any]:
        """The one serialisation shared by JSON and SARIF."""
        d: Dict[str, Any] = {
            "rule_id": self.rule_id,
            "rule_name": self.rule_name,
            "severity": self.severity.label,
            "message": self.message,
            "location": self.location.to_dict(),
            "fingerprint": self.fingerprint,
            "related": [r.to_dict() for r in self.related],
            "properties": dict(sorted(self.properties.items())),
        }
        if self.secret_hash:
            d["secret_hash"] = self.secret_hash
        if self.suppression:
            d["suppression"] = {"kind": self.suppression, "reason": self.suppression_reason}
        return d


@dataclass(frozen=True, order=True)
class FileError:
    """A file (or a plugin, or a rule on a file) that could not be processed completely."""

    path: str
    message: str
    line: Optional[int] = None
    rule_id: Optional[str] = None
    kind: str = "read"  # "read" (unreadable/unparsable input) or "rule" (a rule crashed) or "plugin"

    def to_dict(self) -> Dict[str, Any]:
        """Serialise with stable keys."""
        return {"path": self.path, "line": self.line, "message": self.message, "rule_id": self.rule_id, "kind": self.kind}


# --------------------------------------------------------------------------- subjects


class Subject:
    """Base class of what readers produce and rules inspect."""

    kind: ClassVar[str] = "subject"
    path: str


@dataclass
class OperatorRecord(Subject):
    """One ``<operator>`` of an export (or one CSV row): the fields the migration depends on."""

    kind: ClassVar[str] = "operator"

    path: str
    line: int
    login: str
    label: str = ""
    email: str = ""
    type: int = 0  # 0 operator, 1 group
    disabled: bool = False
    authentication_type: str = ""  # raw value of access/@authenticationType ("" when absent)
    ims_user_id: str = ""
    no_console_cnx: bool = False
    security_zone: str = ""
    groups: Tuple[str, ...] = ()
    rights: Tuple[str, ...] = ()
    source_format: str = ""  # "package", "soap", "csv", "operator", ...
    export_id: str = ""  # identifies the export inside a run (usually the path)
    column: int = 1  # of the <operator start tag, when operators share a line (a one-line export)
    operator_id: str = ""  # @id (iOperatorId) when the export has it (a login held under two ids is flagged)

    @property
    def is_group(self) -> bool:
        """True for an operator group (``@type`` 1)."""
        return self.type == 1

    @property
    def is_operator(self) -> bool:
        """True for a person or technical login (``@type`` 0 or absent)."""
        return self.type == 0

    @property
    def uses_ims(self) -> bool:
        """True when the operator signs in through Adobe IMS (or is a Developer Console technical account)."""
        if self.authentication_type.strip().lower() == "ims":
            return True
        if not self.authentication_type.strip() and self.ims_user_id.strip():
            return True
        return is_technical_account(self.login) or is_technical_account(self.email)

    @property
    def location(self) -> Location:
        """Where the record stands in its file: its line, and in a one-line export its column (``<operator``)."""
        if self.column > 1:
            return Location(self.path, self.line, self.column, self.line, self.column + len("<operator"))
        return Location(self.path, self.line, 1)

    @property
    def display(self) -> str:
        """``login (label)`` for messages."""
        return f"{self.login!r} ({self.label})" if self.label else repr(self.login)


def is_technical_account(value: str) -> bool:
    """True for an Adobe Developer Console technical account id or email."""
    return value.strip().lower().endswith("@techacct.adobe.com")


@dataclass
class SourceText(Subject):
    """A text to scan: a whole file, or a script embedded in a Campaign XML file.

    ``first_line``/``first_column`` say where ``text`` starts in the real file,
    so ``location(offset)`` gives real positions. ``language`` is a short tag
    (``js``, ``jssp``, ``python``, ``java``, ``xml``, ``env``, ``markdown``...).
    ``tree`` is the parsed lxml tree for XML files (scripts blanked out of
    ``text`` are yielded as subjects of their own), ``context`` holds the
    whole file's text when ``text`` is only a part of it (rules use it to look
    for Campaign context), and ``origin`` names the carrier ("workflow
    WKF_SYNC, activity js, <script>").
    """

    kind: ClassVar[str] = "source"

    path: str
    text: str
    language: str = "text"
    first_line: int = 1
    first_column: int = 1
    origin: str = ""
    tree: Any = None
    context: Optional[str] = None
    embedded: bool = False
    _line_starts: Optional[List[int]] = field(default=None, repr=False, compare=False)

    @property
    def whole_text(self) -> str:
        """The text of the whole real file when known (for context checks), else ``text``."""
        return self.context if self.context is not None else self.text

    def _starts(self) -> List[int]:
        if self._line_starts is None:
            starts = [0]
            find = self.text.find
            i = find("\n")
            while i >= 0:
                starts.append(i + 1)
                i = find("\n", i + 1)
            self._line_starts = starts
        return self._line_starts

    def line_col(self, offset: int) -> Tuple[int, int]:
        """Real (line, column) of ``offset`` in ``text``; both 1-based."""
        import bisect

        starts = self._starts()
        idx = bisect.bisect_right(starts, offset) - 1
        col = offset - starts[idx] + 1
        if idx == 0:
            col += self.first_column - 1
        return self.first_line + idx, col

    def location(self, start: int, end: Optional[int] = None) -> Location:
        """Real location of the span ``text[start:end]``."""
        line, col = self.line_col(start)
        if end is None or end <= start:
            return Location(self.path, line, col)
        end_line, end_col = self.line_col(end)
        return Location(self.path, line, col, end_line, end_col)


Yielded = Union[Problem, Fact]
