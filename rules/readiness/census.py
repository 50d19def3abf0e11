"""The readiness census: every operator of the exports, counted once per login, and the verdict.

Findings say what blocks the move to IMS; they cannot say how many operators are
already on IMS, nor count an operator once when several exports hold it. The
census reads the exports once more (streaming, as the rules did) and keeps, per
operator, one 64-bit integer: a hash of its login with its kind and status. It
keeps full details only for the logins that have findings (the worklist's rows)
and the holders of the emails IMS004 reports.

Operators are told apart by login, never by where they stand in a file: a
single-line SOAP response and the same operators pretty-printed give the same census.
"""

from __future__ import annotations

import os
from array import array
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

from imslint.model import Finding, OperatorRecord, is_technical_account

__all__ = [
    "BLOCKING",
    "Census",
    "Occurrence",
    "take_census",
    "normal_auth",
    "verdict_of",
]

#: The rules whose findings block the move to IMS: "Ready" needs all of them to have run and found nothing.
BLOCKING = ("IMS001", "IMS002", "IMS003", "IMS004", "IMS005")

# Kinds and statuses, ordered so that the larger wins when exports disagree about one login
# (the verdict must never call ready what one export shows native).
PERSON, TECHNICAL, GROUP = 0, 1, 2
KINDS = ("person", "technical", "group")
ON_IMS, BUILTIN, DISABLED, NATIVE = 0, 1, 2, 3
STATUSES = ("ims", "builtin", "disabled", "native")

_HASH_MASK = (1 << 58) - 1  # room for 4 bits of kind and status in an unsigned 64-bit slot
# The console writes the native type in its language; an empty cell is native too (docs/operator-exports.md).
_NATIVE_WORDS = frozenset({"", "native", "natif", "nativ", "ネイティブ"})


MAX_VALUE = 500  # characters kept of a value quoted from an export, as the engine caps finding properties


def _cap(text: str) -> str:
    return text if len(text) <= MAX_VALUE else text[:MAX_VALUE] + "\u2026"


def normal_auth(op: OperatorRecord) -> str:
    """``ims`` or ``native`` (an unknown value is kept, lower-cased: ``ldap``)."""
    if op.uses_ims:
        return "ims"
    low = op.authentication_type.strip().lower()
    return "native" if low in _NATIVE_WORDS else low


@dataclass(frozen=True)
class Occurrence:
    """One record of a login of interest, in one export (for the worklist's sources and conflicts)."""

    source: str
    label: str
    email: str
    authentication_type: str
    status: str  # "active" or "disabled"
    kind: str
    operator_id: str = ""  # @id when the export has it


@dataclass
class Census:
    """Operators counted once per login, per kind and status, and the details of the logins of interest."""

    exports: List[str] = field(default_factory=list)  # display paths of the exports read
    records: int = 0  # operator and group records read (a login in two exports counts twice here)
    counts: Dict[str, Dict[str, int]] = field(default_factory=dict)  # kind -> status -> distinct logins
    occurrences: Dict[str, List[Occurrence]] = field(default_factory=dict)  # login -> its records
    holders: Dict[str, List[str]] = field(default_factory=dict)  # lower-cased email -> logins holding it
    errors: List[str] = field(default_factory=list)  # exports that could not be read again
    _codes: Optional[List[int]] = None

    @property
    def logins(self) -> int:
        """Distinct logins (people, technical operators and groups)."""
        return sum(sum(by.values()) for by in self.counts.values())

    def blocked_by_kind(self, blocked: Iterable[str]) -> Dict[str, int]:
        """How many of the ``blocked`` logins are people, technical operators, groups (as the census saw them)."""
        wanted = {hash(login) & _HASH_MASK for login in blocked}
        out = {k: 0 for k in KINDS}
        for h, kind, _status in self._merged():
            if h in wanted:
                out[KINDS[kind]] += 1
        return out

    def _merged(self) -> Iterable[Tuple[int, int, int]]:
        last = -1
        kind = status = 0
        for code in self._codes or ():
            h = code >> 4
            if h != last:
                if last >= 0:
                    yield last, kind, status
                last, kind, status = h, (code >> 2) & 3, code & 3
            else:
                kind, status = max(kind, (code >> 2) & 3), max(status, code & 3)
        if last >= 0:
            yield last, kind, status


class _Kinds:
    """person / technical / group of a record, with the rules' own options (allowed and technical logins)."""

    def __init__(self, options: Mapping[str, Any], technical_logins: Set[str]) -> None:
        from imslint.rules.operators import Classifier

        self.classifier = Classifier(options, {login: [None] for login in technical_logins})
        self.allowed = self.classifier.allowed

    def kind(self, op: OperatorRecord, low: str) -> int:
        if op.is_group:
            return GROUP
        if (
            low in self.allowed
            or low in self.classifier.code_logins
            or op.no_console_cnx
            or is_technical_account(op.login)
            or is_technical_account(op.email)
            or self.classifier.matching_pattern(op.login) is not None
        ):
            return TECHNICAL
        return PERSON


class _Partial:
    """What one reading (a whole export, or one piece of it) adds to the census; picklable."""

    def __init__(self) -> None:
        self.records = 0
        self.codes = array("Q")
        self.occurrences: List[Tuple[str, Occurrence]] = []
        self.holders: List[Tuple[str, str]] = []  # (lower-cased email, login)
        self.failed = False


def _count(records: Iterable[Any], display: str, kinds: "_Kinds", wanted: Set[str], emails: Set[str]) -> _Partial:
    """Count the records of one reading (the hot loop: one integer per operator)."""
    part = _Partial()
    append = part.codes.append
    allowed = kinds.allowed
    for op in records:
        if getattr(op, "kind", "") != "operator" or not (op.is_operator or op.is_group):
            continue
        part.records += 1
        login = op.login
        low = login.strip().lower()
        kind = kinds.kind(op, low)
        if op.uses_ims:
            status = ON_IMS
        elif low in allowed:
            status = BUILTIN
        elif op.disabled:
            status = DISABLED
        else:
            status = NATIVE
        append(((hash(login) & _HASH_MASK) << 4) | (kind << 2) | status)
        if login in wanted:
            part.occurrences.append(
                (
                    login,
                    Occurrence(
                        display,
                        _cap(op.label.strip()),
                        _cap(op.email.strip()),
                        _cap(normal_auth(op)),
                        "disabled" if op.disabled else "active",
                        KINDS[kind],
                        _cap(getattr(op, "operator_id", "")),
                    ),
                )
            )
        if emails and op.email:
            email = op.email.strip().lower()
            if email in emails:
                part.holders.append((email, _cap(login)))
    return part


def _count_pieces(reader: Any, source: Any, pieces: Sequence[Any], count: Any) -> Optional[List[_Partial]]:
    """Count each piece of a big export in its own forked process (this one takes the first); None on any failure.

    As the engine reads big exports: the pieces come from ``reader.split``; a piece
    that does not read cleanly makes the caller read the whole file instead.
    """
    import pickle

    def read(piece: Any) -> _Partial:
        failed: List[bool] = []

        def records() -> Iterable[Any]:
            try:
                yield from reader.read_piece(source, piece)
            except Exception:  # noqa: BLE001 - the whole file is read again, which reports the fault
                failed.append(True)

        part = count(records())
        part.failed = bool(failed)
        return part

    children: List[Tuple[int, int]] = []
    try:
        for piece in pieces[1:]:
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: count its piece, send it, leave without the parent's clean-up
                code = 1
                try:
                    import signal

                    signal.signal(signal.SIGINT, signal.SIG_IGN)
                    os.close(read_end)
                    data = pickle.dumps(read(piece), protocol=pickle.HIGHEST_PROTOCOL)
                    with os.fdopen(write_end, "wb") as out:
                        out.write(data)
                    code = 0
                finally:
                    os._exit(code)
            os.close(write_end)
            children.append((pid, read_end))
        parts = [read(pieces[0])]
        ok = True
        for pid, read_end in children:
            with os.fdopen(read_end, "rb") as inp:
                try:
                    parts.append(pickle.load(inp))
                except Exception:  # noqa: BLE001 - the child failed or died
                    ok = False
            _, status = os.waitpid(pid, 0)
            ok = ok and status == 0
        children = []
        if not ok or any(p.failed for p in parts):
            return None
        return parts
    finally:
        import signal

        for pid, read_end in children:  # interrupted: stop the children still running
            try:
                os.close(read_end)
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except OSError:
                pass


def take_census(
    paths: Sequence[Tuple[str, str]],
    readers: Sequence[Any],
    options: Mapping[str, Any],
    findings: Iterable[Finding],
    jobs: int = 1,
) -> Census:
    """Read the exports at ``paths`` ((path, display path) pairs) again and count their operators.

    ``options`` are the operator rules' options (``allowed-logins``,
    ``technical-logins``); ``findings`` every operator finding of the run (the logins
    they name get full details, the emails IMS004 names get their holders listed).
    With ``jobs`` > 1 a big export is read in pieces, one forked process each (Linux).
    """
    import sys

    from imslint.engine import HEAD_SIZE, choose_reader
    from imslint.readers import InputFile

    findings = list(findings)
    wanted = {str(f.properties.get("login", "")) for f in findings if f.rule_id.startswith("IMS00")}
    technical = {str(f.properties.get("login", "")).strip().lower() for f in findings if f.rule_id == "IMS005"}
    emails = {str(f.properties.get("email", "")).strip().lower() for f in findings if f.rule_id == "IMS004"}
    emails.discard("")
    kinds = _Kinds(options, technical)
    census = Census()
    codes = array("Q")
    holders: Dict[str, List[str]] = {e: [] for e in emails}
    occurrences: Dict[str, List[Occurrence]] = {}
    can_fork = sys.platform.startswith("linux") and hasattr(os, "fork")
    for path, display in paths:
        try:
            with open(path, "rb") as fh:
                head = fh.read(HEAD_SIZE)
            reader = choose_reader(readers, path, head)[0]
            if reader is None or not str(getattr(reader, "name", "")).startswith("operator"):
                continue
            data = None
            if not reader.streaming:
                with open(path, "rb") as fh:
                    data = fh.read()
            source = InputFile(path, display, data, {})

            def count(records: Iterable[Any], display: str = display) -> _Partial:
                return _count(records, display, kinds, wanted, emails)

            parts = None
            if jobs > 1 and can_fork and reader.streaming and callable(getattr(reader, "read_piece", None)):
                split = getattr(reader, "split", None)
                pieces = split(path, jobs) if split is not None else None
                if pieces and len(pieces) > 1:
                    parts = _count_pieces(reader, source, pieces, count)
            if parts is None:
                parts = [count(reader.read(source))]
            seen = False
            for part in parts:
                census.records += part.records
                seen = seen or part.records > 0
                codes.extend(part.codes)
                for login, occ in part.occurrences:
                    occurrences.setdefault(login, []).append(occ)
                for email, login in part.holders:
                    bucket = holders[email]
                    if login not in bucket:
                        bucket.append(login)
            if seen:
                census.exports.append(display)
        except Exception as exc:  # noqa: BLE001 - the first reading reported this file's faults
            census.errors.append(f"{display}: {type(exc).__name__}")
    census._codes = sorted(codes)
    del codes
    counts = {k: {s: 0 for s in STATUSES} for k in KINDS}
    for _h, kind, status in census._merged():
        counts[KINDS[kind]][STATUSES[status]] += 1
    census.counts = counts
    census.occurrences = occurrences
    census.holders = holders
    return census


def export_files(inputs: Iterable[str], exports: Sequence[str], base: str) -> List[Tuple[str, str]]:
    """(path, display path) of the files read that lie at or under one of ``exports`` (sorted by display path)."""
    from imslint.discovery import display_path

    roots = [os.path.abspath(e) for e in exports]
    out = []
    for path in inputs:
        p = os.path.abspath(path)
        if any(p == r or p.startswith(r.rstrip(os.sep) + os.sep) for r in roots):
            out.append((p, display_path(p, base)))
    return sorted(out, key=lambda t: t[1])


def _percent(part: int, whole: int) -> Optional[float]:
    """``part`` of ``whole`` in percent, one decimal, rounded down (99.99 never shows as 100.0); None of nothing."""
    if not whole:
        return None
    return int(part * 1000 // whole) / 10


def verdict_of(
    census: Census,
    findings: Sequence[Finding],
    rules_applied: Iterable[str],
    read_errors: int,
) -> Dict[str, Any]:
    """The readiness block: verdict, reasons, counts per kind, per blocking reason; JSON-ready.

    ``findings`` are every finding of the run, suppressed and baselined ones included:
    a baseline quiets the gate, it does not move anyone to IMS.
    """
    applied = set(rules_applied)
    missing = [rid for rid in BLOCKING if rid not in applied]
    per_rule: Dict[str, Set[str]] = {}
    for f in findings:
        if f.rule_id.startswith("IMS00"):
            per_rule.setdefault(f.rule_id, set()).add(str(f.properties.get("login", "")))
    blocked: Set[str] = set().union(*(per_rule.get(rid, set()) for rid in BLOCKING))
    by_kind = census.blocked_by_kind(blocked)
    # What keeps the run from proving readiness (also listed when it is not ready: the count may be short).
    reasons: List[str] = []
    if not census.records:
        reasons.append("no operator export was read")
    if missing:
        reasons.append(f"blocking rule(s) not applied: {', '.join(missing)} (--select, --ignore or the configuration)")
    if read_errors or census.errors:
        reasons.append("some inputs could not be read completely")
    verdict = "not ready" if blocked else "unknown" if reasons else "ready"
    block: Dict[str, Any] = {
        "verdict": verdict,
        "unknown_because": reasons,
        "exports": list(census.exports),
        "records": census.records,
        "logins": census.logins,
    }
    ready_all = total_all = 0
    for kind, key in (("person", "people"), ("technical", "technical")):
        by = census.counts.get(kind, {})
        total = sum(by.values())
        blocking = by_kind.get(kind, 0)
        ready = total - blocking
        ready_all += ready
        total_all += total
        block[key] = {
            "total": total,
            "on_ims": by.get("ims", 0),
            "builtin": by.get("builtin", 0),
            "disabled": by.get("disabled", 0),
            "blocking": blocking,
            "ready": ready,
            "percent_ready": _percent(ready, total) if verdict != "unknown" else None,
        }
    block["groups"] = {"total": sum(census.counts.get("group", {}).values())}
    block["percent_ready"] = _percent(ready_all, total_all) if verdict != "unknown" else None
    block["by_rule"] = {rid: len(logins) for rid, logins in sorted(per_rule.items())}
    block["blocking_logins"] = len(blocked)
    return block
