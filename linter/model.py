"""Frozen value types shared by the host, the readers, the rules and the reporters."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Dict, Iterable, List, Mapping, Optional, Tuple, Type, Union

if TYPE_CHECKING:  # the rule module imports this one
    from .rule import Rule


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

    def to_dict(self, exact: bool = False) -> Dict[str, Any]:
        """Serialise with stable keys (used by JSON and SARIF alike).

        Reports give a missing ``end_line`` as ``line``; ``exact`` keeps it as it
        is, so that :meth:`from_dict` gives this location back (the result cache).
        """
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line if self.end_line is not None or exact else self.line,
            "end_column": self.end_column,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Location":
        """The location a :meth:`to_dict` dict stands for."""
        return cls(d["path"], d["line"], d["column"], d["end_line"], d["end_column"])


@dataclass(frozen=True)
class Related:
    """Another place a finding involves (a duplicate, the definition of a variable...)."""

    location: Location
    message: str = ""

    def to_dict(self, exact: bool = False) -> Dict[str, Any]:
        """Serialise with stable keys (``exact``: see :meth:`Location.to_dict`)."""
        return {"location": self.location.to_dict(exact), "message": self.message}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Related":
        """The related location a :meth:`to_dict` dict stands for."""
        return cls(Location.from_dict(d["location"]), d["message"])


@dataclass(frozen=True)
class Replacement:
    """Replace the text of ``location`` (a span of one real file: end column exclusive) by ``text``.

    An empty span inserts ``text``; an empty ``text`` deletes the span. Columns
    count characters (code points), as every location does.
    """

    location: Location
    text: str

    def to_dict(self) -> Dict[str, Any]:
        """Serialise with stable keys."""
        return {"location": self.location.to_dict(), "text": self.text}


@dataclass(frozen=True)
class Fix:
    """A suggested change a rule attaches to a problem: what it does, and the replacements that do it.

    Only mechanical changes, offered, never applied by imslint (``--fix-diff``
    prints them as a patch). The inserted text must never hold a credential: the
    host drops a fix whose text holds a secret of the file.
    """

    description: str
    replacements: Tuple[Replacement, ...]

    def to_dict(self) -> Dict[str, Any]:
        """Serialise with stable keys (JSON ``fix``; SARIF ``fixes`` is built from it)."""
        return {"description": self.description, "replacements": [r.to_dict() for r in self.replacements]}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Fix":
        """The inverse of :meth:`to_dict` (the result cache)."""
        return cls(
            d["description"],
            tuple(
                Replacement(
                    Location(
                        r["location"]["path"],
                        r["location"]["line"],
                        r["location"]["column"],
                        r["location"]["end_line"],
                        r["location"]["end_column"],
                    ),
                    r["text"],
                )
                for r in d["replacements"]
            ),
        )


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
    fix: Optional[Fix] = None  # a suggested change (see :class:`Fix`)

    def __post_init__(self) -> None:
        if self.fix is not None and not (
            isinstance(self.fix, Fix) and all(isinstance(r, Replacement) for r in self.fix.replacements)
        ):
            raise TypeError("Problem.fix must be an imslint.Fix of imslint.Replacement objects")


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
    """SHA-256 of ``data`` in hex."""
    import hashlib

    return hashlib.sha256(data).hexdigest()


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
    fix: Optional[Fix] = None  # a suggested change (secret-free)

    @property
    def sort_key(self) -> Tuple[str, int, int, str, str]:
        """Order of every output: path, line, column, rule id, message."""
        loc = self.location
        return (loc.path, loc.line, loc.column, self.rule_id, self.message)

    def to_dict(self, exact: bool = False) -> Dict[str, Any]:
        """The one serialisation of a finding: JSON and SARIF reports, and the result cache.

        ``exact`` keeps a missing ``end_line`` missing (see :meth:`Location.to_dict`),
        so that :meth:`from_dict` gives an equal finding back.
        """
        d: Dict[str, Any] = {
            "rule_id": self.rule_id,
            "rule_name": self.rule_name,
            "severity": self.severity.label,
            "message": self.message,
            "location": self.location.to_dict(exact),
            "fingerprint": self.fingerprint,
            "related": [r.to_dict(exact) for r in self.related],
            "properties": dict(sorted(self.properties.items())),
        }
        if self.secret_hash:
            d["secret_hash"] = self.secret_hash
        if self.suppression:
            d["suppression"] = {"kind": self.suppression, "reason": self.suppression_reason}
        if self.fix is not None:
            d["fix"] = self.fix.to_dict()
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Finding":
        """The finding a :meth:`to_dict` dict stands for (``help_uri``, which reports add, is ignored)."""
        suppression = d.get("suppression") or {}
        return cls(
            rule_id=d["rule_id"],
            rule_name=d["rule_name"],
            severity=Severity.parse(d["severity"]),
            location=Location.from_dict(d["location"]),
            message=d["message"],
            fingerprint=d["fingerprint"],
            secret_hash=d.get("secret_hash"),
            related=tuple(Related.from_dict(r) for r in d["related"]),
            properties=d["properties"],
            suppression=suppression.get("kind"),
            suppression_reason=suppression.get("reason", ""),
            fix=Fix.from_dict(d["fix"]) if d.get("fix") else None,
        )


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
        return {
            "path": self.path,
            "line": self.line,
            "message": self.message,
            "rule_id": self.rule_id,
            "kind": self.kind,
        }


@dataclass
class RunResult:
    """Everything a reporter needs: findings, errors, and what was scanned."""

    findings: List[Finding] = field(default_factory=list)
    suppressed: List[Finding] = field(default_factory=list)
    baselined: List[Finding] = field(default_factory=list)
    errors: List[FileError] = field(default_factory=list)
    skipped: List[Tuple[str, str]] = field(default_factory=list)  # (path, reason)
    inputs: List[str] = field(default_factory=list)  # absolute paths of the files read (outputs must not replace them)
    files_scanned: int = 0
    subjects: Dict[str, int] = field(default_factory=dict)  # subjects checked, per kind
    rules: Dict[str, Type["Rule"]] = field(default_factory=dict)  # the rules applied, by id
    severities: Dict[str, Severity] = field(default_factory=dict)
    root: str = "."  # configuration root: fingerprints are relative to it
    base: str = "."  # folder that displayed paths are relative to (SARIF %SRCROOT%)
    cache: Optional[Dict[str, Any]] = None  # with a result cache: its path, hits, files and any warning
    warnings: List[str] = field(default_factory=list)  # for the user, on standard error (jobs capped, worker retried)
    # Data a command or plugin attaches to the run (JSON-ready: dicts, lists, strings, numbers); the JSON
    # reporter emits each entry as a top-level key of its own (never over one of the report's own keys).
    extra: Dict[str, Any] = field(default_factory=dict)

    def counts(self) -> Dict[str, int]:
        """Number of reported findings per severity label."""
        out = {"error": 0, "warning": 0, "note": 0}
        for f in self.findings:
            out[f.severity.label] += 1
        return out

    def notable_skipped(self) -> List[Tuple[str, str]]:
        """The skipped files every output names: over the size limit, or recognised yet holding nothing to read.

        (Binary files and imslint's own reports are only counted.)
        """
        return [(p, r) for p, r in self.skipped if "size limit" in r or ": nothing read: " in r]

    def by_rule(self) -> Dict[str, int]:
        """Number of reported findings per rule id (sorted)."""
        out: Dict[str, int] = {}
        for f in self.findings:
            out[f.rule_id] = out.get(f.rule_id, 0) + 1
        return dict(sorted(out.items()))


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

    def offset(self, line: int, column: int) -> Optional[int]:
        """The offset in ``text`` of a real (line, column), the inverse of :meth:`line_col`; None when outside."""
        idx = line - self.first_line
        starts = self._starts()
        if not 0 <= idx < len(starts):
            return None
        col = column - (self.first_column - 1 if idx == 0 else 0)
        end = starts[idx + 1] - 1 if idx + 1 < len(starts) else len(self.text)
        if not 1 <= col <= end - starts[idx] + 1:
            return None
        return starts[idx] + col - 1

    def location(self, start: int, end: Optional[int] = None) -> Location:
        """Real location of the span ``text[start:end]``."""
        line, col = self.line_col(start)
        if end is None or end <= start:
            return Location(self.path, line, col)
        end_line, end_col = self.line_col(end)
        return Location(self.path, line, col, end_line, end_col)


Yielded = Union[Problem, Fact]
