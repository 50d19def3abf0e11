"""The run: discover files, read them into subjects, apply each rule in isolation, stamp findings, filter."""

from __future__ import annotations

import dataclasses
import os
import re
import sys
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, FrozenSet, Iterable, Iterator, List, Mapping, Optional, Sequence, Set, Tuple, Type

from .config import DEFAULT_EXCLUDE, Config, resolve_rule_options, resolve_selection, resolve_severities
from .discovery import Discovered, Excluder, discover, relative_to
from .model import (
    Fact,
    FileError,
    Finding,
    Location,
    Problem,
    Related,
    Severity,
    SourceText,
    redact,
    secret_hash,
)
from .plugins import Registry
from .readers import InputFile, NothingRead, ReadError, Reader
from .readers.source import decode_bytes, normalize_newlines, sniff_utf16
from .rule import Rule, RunContext
from .suppressions import (
    Directive,
    apply_baseline,
    directive_matches,
    fingerprint,
    parse_directives,
    parse_directives_from_file,
)

HEAD_SIZE = 8192
# What plugin code (a rule, a reader) may raise that costs its own work only: any error, and SystemExit
# (a plugin calling sys.exit() must not end the run with its status). KeyboardInterrupt still stops the run.
_FAULTS = (Exception, SystemExit)
BATCH_SIZE = 1024  # subjects handed to a rule's check_batch at once


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
    rules: Dict[str, Type[Rule]] = field(default_factory=dict)  # the rules applied, by id
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


@dataclass
class Plan:
    """What every worker needs to check files: picklable, no open handles."""

    rule_ids: List[str]
    severities: Dict[str, Severity]
    options: Dict[str, Dict[str, Any]]
    root: str
    per_file_ignores: Dict[str, List[str]]
    max_file_size: int
    cache: bool = False  # a result cache is in use: each file read whole is hashed (see imslint.cache)
    known_digests: Dict[str, str] = field(default_factory=dict)  # path -> cached digest, for files whose stat changed
    reader_options: Dict[str, Dict[str, Any]] = field(default_factory=dict)  # reader name -> its configure() options
    rule_timeout: float = 0.0  # seconds the rules may spend on one file in a worker process (0: no limit)


@dataclass
class FileOutcome:
    """What checking one file produced (travels back from worker processes)."""

    findings: List[Finding] = field(default_factory=list)
    suppressed: List[Finding] = field(default_factory=list)
    facts: List[Fact] = field(default_factory=list)
    errors: List[FileError] = field(default_factory=list)
    skipped: Optional[str] = None
    scanned: bool = False
    subjects: Dict[str, int] = field(default_factory=dict)
    cacheable: bool = False  # depends on the file's bytes and the run's settings only (see imslint.cache)
    digest: Optional[str] = None  # of the bytes read, when a cache is in use
    unchanged: bool = False  # the bytes match the cached digest: the cached outcome stands, nothing was checked


class Checker:
    """Applies the selected rules to subjects and turns problems into findings (one per process)."""

    def __init__(self, registry: Registry, plan: Plan, context: Optional[RunContext] = None) -> None:
        self.registry = registry
        self.plan = plan
        self.context = context or RunContext(root=plan.root)
        self.rules: Dict[str, Rule] = {}
        for rid in plan.rule_ids:
            rule = registry.rules[rid]()
            rule.context = self.context
            self.rules[rid] = rule
        for reader in registry.readers:  # here, so that spawned workers configure theirs too
            if plan.reader_options.get(reader.name):
                reader.configure(plan.reader_options[reader.name])
        self.source_rules = [r for r in self.rules.values() if issubclass(r.subject, SourceText)]
        self.other_rules = [r for r in self.rules.values() if not issubclass(r.subject, SourceText)]
        self.always = [r for r in self.source_rules if r.keywords is None]
        self.keyed = [(r, frozenset(k.lower() for k in r.keywords)) for r in self.source_rules if r.keywords is not None]
        self._keyword_plan = _KeywordPlan([kws for _, kws in self.keyed])
        self._eligible_masks: Dict[FrozenSet[str], int] = {}
        self._facts_out: List[Fact] = []  # facts of the current file, for the parent process
        self._ignore_globs: Optional[List[Tuple[Any, Set[str]]]] = None
        self.defer_directives = False
        self.display_paths: Dict[str, str] = {}  # display path -> path, for finish() findings

    # ----------------------------------------------------------------- selection of rules for one file

    def applicable(self, data: Optional[bytes], languages: Optional[FrozenSet[str]] = None) -> List[Rule]:
        """Rules worth running on a file, using each source rule's keyword pre-filter on the raw bytes.

        ``languages``, when the reader knows them before reading, are those of the
        file's subjects: a keyed rule limited to other languages is left out
        without looking for its keywords.
        """
        if data is None:
            return list(self.rules.values())
        chosen = list(self.always)
        eligible = self._keyword_plan.all if languages is None else self._eligible(languages)
        if self.keyed and eligible:
            if (
                data[:2] in (b"\xff\xfe", b"\xfe\xff")
                or data[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")
                or ((data[:1] == b"\x00" or data[1:2] == b"\x00") and sniff_utf16(data[:HEAD_SIZE]))
            ):
                data = decode_bytes(data).encode("utf-8", "replace")  # UTF-16/32: keywords are looked for in UTF-8
            wanted = self._keyword_plan.rules_in(data.lower(), eligible)
            if wanted:
                chosen.extend(r for i, (r, _) in enumerate(self.keyed) if wanted >> i & 1)
        chosen.extend(self.other_rules)
        return chosen

    def _eligible(self, languages: FrozenSet[str]) -> int:
        """The mask of the keyed rules that apply to subjects in ``languages`` (once per set of languages)."""
        mask = self._eligible_masks.get(languages)
        if mask is None:
            mask = sum(
                1 << i for i, (rule, _) in enumerate(self.keyed) if rule.languages is None or not languages.isdisjoint(rule.languages)
            )
            self._eligible_masks[languages] = mask
        return mask

    # ----------------------------------------------------------------- one file, from its path

    def process(self, item: Discovered, readers: Sequence[Reader]) -> Tuple[FileOutcome, Optional[Reader]]:
        """Sniff and check a file with one open; return (outcome, None), or (empty, reader) to defer it.

        Files whose reader streams, or belongs to a later phase, are deferred to
        the main process, which reads them after every phase-0 file.
        """
        out = FileOutcome()
        known = self.plan.known_digests.get(item.path) if self.plan.cache else None
        data: Optional[bytes] = None
        file_digest: Optional[str] = None
        try:
            with open(item.path, "rb") as fh:
                if known is not None and os.fstat(fh.fileno()).st_size <= self.plan.max_file_size:
                    # Cached before, with another stat (a fresh checkout): the same bytes need no sniffing either.
                    data = fh.read()
                    file_digest = _digest(data)
                    if file_digest == known:
                        out.unchanged, out.digest = True, file_digest
                        return out, None
                    head = data[:HEAD_SIZE]
                else:
                    head = fh.read(HEAD_SIZE)
                own = own_output(head, lambda: _tail(fh, head, data))
                if own is not None:
                    # Looks like a report: read whole (within the size limit), and left out only if all of it is one.
                    if data is None and len(head) == HEAD_SIZE and os.fstat(fh.fileno()).st_size <= self.plan.max_file_size:
                        fh.seek(0)
                        data = fh.read()
                    whole = data if data is not None else (head if len(head) < HEAD_SIZE else None)
                    if whole is not None and confirm_own_output(own, whole, item.display) and not self._holds_secret(
                        item, readers, _without_rule_docs(whole) if own == "SARIF report" else whole
                    ):
                        out.skipped = f"imslint's own output ({own})"
                        out.cacheable = True
                        return out, None
                reader, skip, error = choose_reader(readers, item.path, head)
                if error:
                    out.errors.append(FileError(item.display, error))
                    return out, None
                if reader is None:
                    out.skipped = skip
                    out.cacheable = True
                    return out, None
                if reader.streaming or reader.phase > 0:
                    return out, reader
                if data is None:
                    size = len(head) if len(head) < HEAD_SIZE else os.fstat(fh.fileno()).st_size
                    if size > self.plan.max_file_size:
                        out.skipped = f"larger than the size limit ({size} > {self.plan.max_file_size} bytes)"
                        out.cacheable = True
                        return out, None
                    data = head if len(head) < HEAD_SIZE else head + fh.read()
        except OSError as exc:
            out.errors.append(FileError(item.display, f"cannot read file: {exc.strerror or exc}"))
            return out, None
        if not self.plan.cache:
            return self.check_data(item, reader, data), None
        out = self.check_data(item, reader, data)
        out.digest = file_digest or _digest(data)
        return out, None

    def _holds_secret(self, item: Discovered, readers: Sequence[Reader], data: bytes) -> bool:
        """True when a rule finds a secret in ``data``: imslint's outputs never hold one (they are redacted).

        The file is checked by fresh rules with a copy of the facts, so that nothing
        of it reaches the run when it is left out. Files read by a streaming or
        later-phase reader (a worklist is read as an operator export) are not.
        """
        reader = choose_reader(readers, item.path, data[:HEAD_SIZE])[0]
        if reader is None or reader.streaming or reader.phase > 0:
            return False
        probe = Checker(self.registry, self.plan, self.context.copy())
        outcome = probe.check_data(item, reader, data)
        return any(f.secret_hash for f in (*outcome.findings, *outcome.suppressed))

    # ----------------------------------------------------------------- one file

    def check_file(self, item: Discovered, reader: Reader) -> FileOutcome:
        """Read one file with ``reader`` and check every subject it yields."""
        out = FileOutcome()
        display = item.display
        data: Optional[bytes] = None
        if not reader.streaming:
            try:
                size = os.path.getsize(item.path)
                if size > self.plan.max_file_size:
                    out.skipped = f"larger than the size limit ({size} > {self.plan.max_file_size} bytes)"
                    return out
                with open(item.path, "rb") as fh:
                    data = fh.read()
            except OSError as exc:
                out.errors.append(FileError(display, f"cannot read file: {exc.strerror or exc}"))
                return out
        return self.check_data(item, reader, data, out)

    def check_split(self, item: Discovered, reader: Reader, jobs: int) -> Optional[FileOutcome]:
        """Read a big streamed file in pieces, one process per piece; None when it cannot be.

        The reader must offer ``split``/``read_piece``, every selected rule must be
        mergeable (see :meth:`Rule.mergeable`) and processes must be forked (rules
        compare hashes across them). This process reads the first piece, forked
        children the others, each with fresh rule instances; their states are merged
        into this checker's rules, in file order. When a piece does not read cleanly
        (the cut fell in a bad place, the file is malformed, a child died) nothing of
        the attempt is kept: the caller reads the whole file, which reports any fault
        with its real line.
        """
        split = getattr(reader, "split", None)
        if jobs < 2 or split is None or not callable(getattr(reader, "read_piece", None)) or not _can_fork():
            return None
        if not all(type(rule).mergeable() for rule in self.rules.values()):
            return None
        try:
            pieces = split(item.path, jobs)
        except _FAULTS:
            return None
        if not pieces or len(pieces) < 2:
            return None
        # The first piece is read here, the others by forked children, all at once. Every piece gets
        # fresh rule instances (with a copy of the facts), so nothing is kept if one piece fails.
        piece_context = self.context.copy()
        piece_context.memory_share = self.context.memory_share / len(pieces)  # all pieces are held at once
        run = (self.registry, self.plan, piece_context)
        try:
            children = _fork_pieces(run, [(item, reader, piece) for piece in pieces[1:]])
        except OSError:
            return None  # no more processes or pipes to be had: the file is read whole, here
        try:
            first = _read_piece(run, item, reader, pieces[0])
            results = [first, *_collect_pieces(children)]
        finally:
            _reap(children)
        if any(r is None for r in results):
            return None
        # Each worker looked for the suppression marker in its range: the file is read once more
        # for directives only when one of them saw it.
        marked = any(r[2] for r in results)  # type: ignore[index]
        directives = parse_directives_from_file(item.path) if marked else {}
        out = FileOutcome(scanned=True)
        results.reverse()
        while results:  # each piece's state is dropped once merged: memory stays near one copy
            outcome, states, _ = results.pop()  # type: ignore[misc]
            for kind, n in outcome.subjects.items():
                out.subjects[kind] = out.subjects.get(kind, 0) + n
            for fact in outcome.facts:
                self.context.add(fact)
                self._facts_out.append(fact)
            for rid in list(states):
                self.rules[rid].merge_state(states.pop(rid))
            out.findings.extend(outcome.findings)
            out.errors.extend(outcome.errors)
        if out.findings and directives:
            kept = []
            for finding in out.findings:
                d = _matching_directive(directives.get(finding.location.line, ()), finding.rule_id, self.registry.rules)
                if d is None:
                    kept.append(finding)
                else:
                    out.suppressed.append(dataclasses.replace(finding, suppression="inline", suppression_reason=d.reason))
            out.findings = kept
        return out

    def check_data(self, item: Discovered, reader: Reader, data: Optional[bytes], out: Optional[FileOutcome] = None) -> FileOutcome:
        """Check a file whose bytes were read (``data``), or that ``reader`` streams itself (``data`` None).

        Subjects are checked in batches of up to :data:`BATCH_SIZE`: rules with a
        ``check_batch`` method get the whole batch at once (the operator rules do,
        for exports of a million records), the others one subject at a time.
        """
        out = out or FileOutcome()
        display = item.display
        first_error = len(out.errors)
        rules = self.applicable(data, _languages(reader, display, data))
        out.scanned = True
        if not rules:
            out.cacheable = not out.errors
            return out
        problems: List[Tuple[str, Problem]] = []
        secrets: Set[str] = set()
        source = InputFile(item.path, display, data, {})
        plans: Dict[Any, Tuple[list, list]] = {}
        pending: List[Any] = []
        try:
            try:
                for subject in reader.read(source):
                    pending.append(subject)
                    if len(pending) >= BATCH_SIZE:
                        self._check_batch(pending, rules, problems, secrets, out, plans)
                        pending = []
            finally:
                if pending:  # the subjects read before a fault are still checked
                    self._check_batch(pending, rules, problems, secrets, out, plans)
        except NothingRead as exc:  # recognised, but holds nothing to check: skipped with the reason, never "read"
            out.skipped, out.scanned = f"{reader.name}: nothing read: {exc.message}", False
        except ReadError as exc:
            out.errors.append(FileError(display, f"{reader.name}: {_cap(exc.message)}", exc.line))
        except RecursionError:
            out.errors.append(FileError(display, f"{reader.name}: input nested too deeply to read"))
        except MemoryError:
            out.errors.append(FileError(display, f"{reader.name}: input too large to read"))
        except _FAULTS as exc:  # a reader bug (even a sys.exit()) must not take the run down
            out.errors.append(FileError(display, f"{reader.name}: unexpected error while reading: {_describe(exc, secrets)}"))
        if problems:
            self._stamp(item, data, problems, secrets, out)
        if secrets and len(out.errors) > first_error:
            # A rule or reader message may quote the file: every secret found in it is redacted, as in findings.
            out.errors[first_error:] = [
                dataclasses.replace(e, message=redact(e.message, secrets)) for e in out.errors[first_error:]
            ]
        out.cacheable = not out.errors and all(
            _cacheable(rule) for single, batched in plans.values() for rule, _ in (*single, *batched)
        )
        return out

    def _plan(self, subject: Any, rules: Sequence[Rule], plans: Dict[Any, Tuple[list, list]]) -> Tuple[list, list]:
        """(per-subject rules, batch rules) with their options for this kind of subject: once per file and kind."""
        key = (type(subject), getattr(subject, "language", None))
        plan = plans.get(key)
        if plan is None:
            single, batched = [], []
            for rule in rules:
                if isinstance(subject, rule.subject) and (rule.languages is None or key[1] in rule.languages):
                    (batched if callable(getattr(rule, "check_batch", None)) else single).append((rule, self.options(rule)))
            plan = plans[key] = (single, batched)
        return plan

    def _check_batch(
        self, batch: List[Any], rules: Sequence[Rule], problems: list, secrets: Set[str], out: FileOutcome, plans: Dict[Any, Tuple[list, list]]
    ) -> None:
        take = self._take
        for (single, batched), subjects in self._group(batch, rules, out, plans):
            for rule, options in single:
                for subject in subjects:
                    try:
                        for item in rule.check(subject, options) or ():
                            take(rule, item, problems, secrets)
                    except _FAULTS as exc:
                        self._rule_error(rule, subject, exc, secrets, out)
            for rule, options in batched:
                try:
                    for _subject, item in rule.check_batch(subjects, options) or ():
                        take(rule, item, problems, secrets)
                except _FAULTS as exc:
                    self._rule_error(rule, subjects[0], exc, secrets, out)

    def _group(
        self, batch: List[Any], rules: Sequence[Rule], out: FileOutcome, plans: Dict[Any, Tuple[list, list]]
    ) -> List[Tuple[Tuple[list, list], List[Any]]]:
        """The subjects of ``batch`` grouped by plan (in order), counted per kind in ``out.subjects``."""
        kinds = set(map(type, batch))
        if len(kinds) == 1:
            cls = kinds.pop()
            if "language" not in getattr(cls, "__dataclass_fields__", ()) and not hasattr(cls, "language"):
                # One kind of subject without a language (every record of an export): one plan for all.
                kind = getattr(cls, "kind", "subject")
                out.subjects[kind] = out.subjects.get(kind, 0) + len(batch)
                return [(self._plan(batch[0], rules, plans), batch)]
        groups: Dict[int, Tuple[Tuple[list, list], List[Any]]] = {}
        for subject in batch:
            kind = getattr(subject, "kind", "subject")
            out.subjects[kind] = out.subjects.get(kind, 0) + 1
            plan = self._plan(subject, rules, plans)
            groups.setdefault(id(plan), (plan, []))[1].append(subject)
        return list(groups.values())

    @staticmethod
    def _rule_error(rule: Rule, subject: Any, exc: Exception, secrets: Set[str], out: FileOutcome) -> None:
        line = getattr(subject, "line", None) or getattr(subject, "first_line", None)
        out.errors.append(
            FileError(subject.path, f"rule {rule.id} ({rule.name}) failed: {_describe(exc, secrets)}", line, rule.id, "rule")
        )

    def _take(self, rule: Rule, item: Any, problems: list, secrets: Set[str]) -> None:
        if isinstance(item, Fact):
            self.context.add(item)
            self._facts_out.append(item)
        elif isinstance(item, Problem):
            _check_problem(rule, item)
            if item.secret:
                secrets.add(item.secret)
            problems.append((rule.id, item))
        else:
            raise TypeError(f"rule {rule.id} yielded {type(item).__name__}, expected Problem or Fact")

    def options(self, rule: Rule) -> Mapping[str, Any]:
        """The effective options of ``rule``."""
        return self.plan.options.get(rule.id, {})

    # ----------------------------------------------------------------- stamping

    def _stamp(self, item: Discovered, data: Optional[bytes], problems: list, secrets: Set[str], out: FileOutcome) -> None:
        rel = relative_to(item.path, self.plan.root)
        ignored = self._per_file_ignored(rel)
        lines: Optional[List[str]] = None
        if data is not None:
            # The same decoding and line model as the readers, so keys and directives match their line numbers.
            text = normalize_newlines(decode_bytes(data))
            directives = parse_directives(text)
            lines = text.split("\n")
        elif self.defer_directives:
            directives = {}  # a piece of a file read in a worker: the main process applies them
        else:
            directives = parse_directives_from_file(item.path)
        seen: Set[Tuple[str, Location, str]] = set()
        for rule_id, problem in problems:
            if rule_id in ignored:
                continue
            finding = self.make_finding(rule_id, problem, rel, secrets, text_lines=lines)
            ident = (finding.rule_id, finding.location, finding.message)
            if ident in seen:
                continue
            seen.add(ident)
            directive = _matching_directive(directives.get(finding.location.line, ()), rule_id, self.registry.rules)
            if directive is not None:
                out.suppressed.append(dataclasses.replace(finding, suppression="inline", suppression_reason=directive.reason))
            else:
                out.findings.append(finding)

    def _per_file_ignored(self, rel: str) -> Set[str]:
        """Rule ids that ``per-file-ignores`` silences for the file at ``rel`` (globs compiled once)."""
        if self._ignore_globs is None:
            from .config import match_selector

            self._ignore_globs = [
                (Excluder([glob]), set().union(*(match_selector(s, self.registry.rules) for s in sels)) if sels else set())
                for glob, sels in self.plan.per_file_ignores.items()
            ]
        out: Set[str] = set()
        for matches, ids in self._ignore_globs:
            if matches(rel):
                out |= ids
        return out

    def make_finding(
        self, rule_id: str, problem: Problem, rel: str, secrets: Iterable[str], text_lines: Optional[List[str]] = None
    ) -> Finding:
        """Stamp a problem: id, name, effective severity, redaction, fingerprint."""
        rule_cls = self.registry.rules[rule_id]
        secrets = {s for s in secrets if s}
        if problem.secret:
            secrets.add(problem.secret)

        def hide(text: str) -> str:
            return redact(text, secrets) if secrets else text  # no secret (operator findings): no pass

        message = hide(problem.message)
        key = problem.key
        if not key:
            line_no = problem.location.line
            if text_lines is not None and 0 < line_no <= len(text_lines):
                key = hide(text_lines[line_no - 1]).strip()
            else:
                key = message
        else:
            key = hide(key)
        shash = secret_hash(problem.secret) if problem.secret else None
        if secrets:
            related = tuple(Related(r.location, redact(r.message, secrets)) for r in problem.related)
            props = {k: (redact(v, secrets) if isinstance(v, str) else v) for k, v in dict(problem.properties).items()}
        else:
            related, props = tuple(problem.related), dict(problem.properties)
        # A value quoted from the input (a 200 MB operator label) is not copied whole into every report.
        if len(message) > MAX_MESSAGE:
            message = message[:MAX_MESSAGE] + "…"
        for k, v in props.items():
            if isinstance(v, str) and len(v) > MAX_PROPERTY:
                props[k] = v[:MAX_PROPERTY] + "…"
        if any(len(r.message) > MAX_MESSAGE for r in related):
            related = tuple(Related(r.location, r.message[:MAX_MESSAGE] + "…") if len(r.message) > MAX_MESSAGE else r for r in related)
        return Finding(
            rule_id=rule_id,
            rule_name=rule_cls.name,
            severity=self.plan.severities.get(rule_id, rule_cls.severity),
            location=problem.location,
            message=message,
            fingerprint=fingerprint(rule_id, rel, key, shash),
            secret_hash=shash,
            related=related,
            properties=props,
        )

    def finish(self) -> FileOutcome:
        """Run every rule's ``finish`` step (rules that need the whole picture)."""
        out = FileOutcome()
        directives: Dict[str, Dict[int, List[Directive]]] = {}
        for rule in self.rules.values():
            try:
                for problem in rule.finish(self.options(rule)) or ():
                    if not isinstance(problem, Problem):
                        raise TypeError(f"finish() yielded {type(problem).__name__}, expected Problem")
                    _check_problem(rule, problem)
                    real = self.display_paths.get(problem.location.path, problem.location.path)
                    rel = relative_to(real, self.plan.root)
                    if rule.id in self._per_file_ignored(rel):
                        continue
                    finding = self.make_finding(rule.id, problem, rel, ())
                    if getattr(rule, "finish_from_facts", False):
                        # a cross-file finding in a code file: its inline directives count as for any other
                        if rel not in directives:
                            directives[rel] = parse_directives_from_file(real)
                        d = _matching_directive(directives[rel].get(finding.location.line, ()), rule.id, self.registry.rules)
                        if d is not None:
                            out.suppressed.append(dataclasses.replace(finding, suppression="inline", suppression_reason=d.reason))
                            continue
                    out.findings.append(finding)
            except _FAULTS as exc:
                out.errors.append(FileError("<run>", f"rule {rule.id} ({rule.name}) failed in finish(): {_describe(exc, ())}", None, rule.id, "rule"))
        return out


def _without_rule_docs(data: bytes) -> bytes:
    """A SARIF log (already parsed once) without its rules' documentation, whose examples hold sample passwords."""
    import json

    doc = json.loads(data.decode("utf-8"))
    for run in doc["runs"]:
        run["tool"]["driver"].pop("rules", None)
    return json.dumps(doc, indent=1, ensure_ascii=False).encode("utf-8", "replace")


def _check_problem(rule: Rule, problem: Problem) -> None:
    """Raise TypeError for a Problem the engine cannot stamp (made by hand with wrong fields): an error of its rule."""
    loc = problem.location
    if not (
        isinstance(loc, Location) and isinstance(loc.path, str) and type(loc.line) is int and type(loc.column) is int
        and isinstance(problem.message, str) and (problem.secret is None or isinstance(problem.secret, str))
        and isinstance(problem.key, str) and isinstance(problem.properties, Mapping)
        and all(isinstance(r, Related) and isinstance(r.location, Location) for r in problem.related)
    ):
        raise TypeError(f"rule {rule.id} yielded a Problem without a valid location, message, key or secret")


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


def _digest(data: bytes) -> str:
    global _digest
    from .cache import digest

    _digest = digest  # imported on first use: runs without a cache never load it
    return digest(data)


def _cacheable(rule: Rule) -> bool:
    """Whether what ``rule`` finds in a file depends on that file (and the settings) only."""
    return getattr(rule, "cacheable", True) and (type(rule).finish is Rule.finish or getattr(rule, "finish_from_facts", False))


def _matching_directive(directives: Iterable[Directive], rule_id: str, rules: Mapping[str, Type[Rule]]) -> Optional[Directive]:
    for d in directives:
        if directive_matches(d, rule_id, rules):
            return d
    return None


def _describe(exc: BaseException, secrets: Iterable[str]) -> str:
    """Exception type, message (secrets redacted) and where it was raised."""
    import traceback

    tb = traceback.extract_tb(exc.__traceback__)
    where = f" (at {os.path.basename(tb[-1].filename)}:{tb[-1].lineno} in {tb[-1].name})" if tb else ""
    return redact(f"{type(exc).__name__}: {_cap(str(exc))}", secrets) + where


MESSAGE_CAP = 300  # characters of a plugin's or reader's own message kept: it may quote the file
MAX_MESSAGE = 1000  # characters of a finding's message (or a related location's) kept
MAX_PROPERTY = 500  # characters of a finding's string property kept


def _cap(text: str) -> str:
    """``text`` cut to :data:`MESSAGE_CAP` characters, with an ellipsis."""
    return text if len(text) <= MESSAGE_CAP else text[:MESSAGE_CAP] + "…"


# --------------------------------------------------------------------------- workers

_WORKER: Dict[str, Any] = {}


def _worker_init(
    registry: Optional[Registry], plan: Plan, plugin_spec: Tuple[Tuple[str, ...], Optional[str]],
    slots: Any = None, claimed: Any = None,
) -> None:
    import signal

    # The main process stops the workers (SIGINT from a terminal reaches the whole group: only it acts).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if registry is None:  # spawn start method: load the plugins again in this process
        from .plugins import get_plugin_manager

        registry = get_plugin_manager(plugin_spec[0], plugin_spec[1])
    checker = Checker(registry, plan)
    checker._facts_out = []
    if plan.rule_timeout > 0:
        _start_watchdog(plan.rule_timeout)
    _WORKER["checker"] = checker
    _WORKER["readers"] = list(registry.readers)
    _WORKER["slots"] = slots
    if claimed is not None:
        with claimed.get_lock():  # each worker process writes the file it is checking in its own slot
            _WORKER["slot"] = claimed.value % len(slots)
            claimed.value += 1


def _worker_chunk(chunk: List[Tuple[int, Discovered]]) -> List[Tuple[FileOutcome, Optional[str]]]:
    checker: Checker = _WORKER["checker"]
    readers = _WORKER["readers"]
    slots, slot = _WORKER.get("slots"), _WORKER.get("slot")
    results = []
    for index, item in chunk:
        if slots is not None:
            slots[slot] = index  # if this process dies, the main process knows which file it was on
        checker._facts_out = []
        _WATCH[0] = _monotonic()  # the watchdog's clock for this file's rules
        outcome, deferred = checker.process(item, readers)
        _WATCH[0] = None
        outcome.facts = list(checker._facts_out)
        results.append((outcome, deferred.name if deferred else None))
    if slots is not None:
        slots[slot] = -1
    return results


class RuleTimeout(Exception):
    """Raised inside a rule that ran out of the time allowed on one file (``rule-timeout``)."""


_WATCH: List[Optional[float]] = [None]  # when the current file's check started (worker processes)


def _monotonic() -> float:
    import time

    return time.monotonic()


def _start_watchdog(limit: float) -> None:
    """In a worker process: stop a rule that spends more than ``limit`` seconds on one file.

    A thread watches the time the current file started (:data:`_WATCH`, one
    assignment per file: nothing is armed per rule call) and sends SIGALRM to the
    process; the handler raises :class:`RuleTimeout` when a rule is running, which
    makes it an error of that rule on that file, and gives the file's other rules
    a fresh limit. Anywhere else (reading, stamping), it waits for the next tick.
    """
    import signal
    import threading

    if not hasattr(signal, "pthread_kill") or threading.current_thread() is not threading.main_thread():
        return  # pragma: no cover - Windows, or not the main thread
    main = threading.get_ident()
    batch_code = Checker._check_batch.__code__
    engine_codes = {Checker._group.__code__, Checker._plan.__code__, Checker._rule_error.__code__}  # outside the guard

    def on_alarm(_signum: int, frame: Any) -> None:
        started = _WATCH[0]
        if started is None or _monotonic() - started <= limit:
            return
        f, below = frame, None
        while f is not None:
            if f.f_code is batch_code:
                if below is not None and below.f_code not in engine_codes:  # in a rule, under _check_batch's guard
                    _WATCH[0] = _monotonic()
                    raise RuleTimeout(f"took longer than {limit:g} s on this file (rule-timeout)")
                return
            f, below = f.f_back, f

    def watch() -> None:
        import time

        tick = min(1.0, limit / 10)
        while True:
            time.sleep(tick)
            started = _WATCH[0]
            if started is not None and _monotonic() - started > limit:
                try:
                    signal.pthread_kill(main, signal.SIGALRM)
                except (OSError, ProcessLookupError):  # pragma: no cover
                    return

    signal.signal(signal.SIGALRM, on_alarm)
    threading.Thread(target=watch, name="imslint-rule-timeout", daemon=True).start()


def _can_fork() -> bool:
    """True where worker processes are forked (Linux): they share the parent's state and hash seed."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


class _PieceReader:
    """A reader of one piece of a file (``read_piece``); records whether the piece failed to read."""

    streaming = True

    def __init__(self, reader: Reader, piece: Any) -> None:
        self.reader, self.piece, self.name = reader, piece, reader.name
        self.failed = False

    def read(self, source: InputFile) -> Iterable[Any]:
        try:
            yield from self.reader.read_piece(source, self.piece)  # type: ignore[attr-defined]
        except Exception:
            self.failed = True


def _fork_pieces(run: Tuple[Registry, Plan, RunContext], tasks: List[Tuple[Discovered, Reader, Any]]) -> List[List[Any]]:
    """Fork one child per task; each reads its piece and sends back the pickled result: [pid, pipe]."""
    import pickle

    children: List[List[Any]] = []
    for task in tasks:
        try:
            read_end, write_end = os.pipe()
        except OSError:
            _reap(children)
            raise
        try:
            pid = os.fork()
        except OSError:
            os.close(read_end)
            os.close(write_end)
            _reap(children)
            raise
        if pid == 0:  # the child: read the piece, send the result, leave without any clean-up of the parent's
            code = 1
            try:
                import signal

                signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops its children
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                os.close(read_end)
                data = pickle.dumps(_read_piece(run, *task), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write_end, "wb") as fh:
                    fh.write(data)
                code = 0
            finally:
                os._exit(code)
        os.close(write_end)
        children.append([pid, read_end])
    return children


def _collect_pieces(children: List[List[Any]]) -> List[Optional[Tuple[FileOutcome, Dict[str, Any], bool]]]:
    """The result of each child, in order: None for a child that failed or died (nothing came through)."""
    import pickle

    results: List[Optional[Tuple[FileOutcome, Dict[str, Any], bool]]] = []
    for child in children:
        pid, read_end = child
        with os.fdopen(read_end, "rb") as fh:
            try:
                # Unpickled as it comes: the whole pickle is never held next to what it makes.
                result = pickle.load(fh)
            except Exception:  # noqa: BLE001 - nothing, or a truncated pickle: the child failed or died
                result = None
        child[1] = None
        _, status = os.waitpid(pid, 0)
        child[0] = None
        results.append(result if status == 0 else None)
    return results


def _reap(children: List[List[Any]]) -> None:
    """Stop and wait for the children still running (the parent failed or was interrupted)."""
    import signal

    for child in children:
        pid, read_end = child
        if read_end is not None:
            os.close(read_end)
        if pid is not None:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except OSError:
                pass


def _has_marker(path: str, start: int, end: int) -> bool:
    """True when a suppression marker starts in the bytes ``start:end`` of ``path`` (``end`` -1: to the end)."""
    from .suppressions import MARKER

    keep = len(MARKER) - 1
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            stop = size if end < 0 else min(size, end + keep)  # a marker may straddle the end
            pos, tail = start, b""
            fh.seek(start)
            while pos < stop:
                block = fh.read(min(1 << 20, stop - pos))
                if not block:
                    break
                if MARKER in block or MARKER in tail + block[:keep]:
                    return True
                tail, pos = block[-keep:], pos + len(block)
    except OSError:
        return True  # the main process will find out
    return False


def _read_piece(
    run: Tuple[Registry, Plan, RunContext], item: Discovered, reader: Reader, piece: Any
) -> Optional[Tuple[FileOutcome, Dict[str, Any], bool]]:
    """Check one piece of a file with fresh rules: (outcome, rule states, marker seen), None if unreadable."""
    registry, plan, context = run
    # Fresh rule instances for each piece, so that a state holds that piece only; a copy of the
    # facts, so that those the piece publishes travel in the outcome whichever process reads it.
    checker = Checker(registry, plan, context.copy())
    checker.defer_directives = True
    piece_reader = _PieceReader(reader, piece)
    outcome = checker.check_data(item, piece_reader, None)  # type: ignore[arg-type]
    if piece_reader.failed:
        return None
    outcome.facts = list(checker._facts_out)
    states = {rid: rule.export_state() for rid, rule in checker.rules.items() if type(rule).finish is not Rule.finish}
    start, end = getattr(piece, "start", None), getattr(piece, "end", None)
    marked = _has_marker(item.path, start, end) if isinstance(start, int) and isinstance(end, int) else True
    return outcome, states, marked


# --------------------------------------------------------------------------- the run


def _languages(reader: Any, display: str, data: Optional[bytes]) -> Optional[FrozenSet[str]]:
    """``reader.languages`` for a file read whole (None when unknown, or when the reader fails to say)."""
    if data is None:
        return None
    try:
        languages = reader.languages(display, data[:HEAD_SIZE])
    except Exception:  # noqa: BLE001 - an optional hint: a reader without it, or failing, means any language
        return None
    return frozenset(languages) if languages is not None else None


_OWN_SARIF_RE = re.compile(rb'\A\s*\{[^\0]{0,400}?"driver"\s*:\s*\{\s*"name"\s*:\s*"imslint"')
_OWN_JSON_RE = re.compile(rb'\A\s*\{\s*"(?:errors|findings)"\s*:\s*\[')  # a JSON report or a baseline ...
_OWN_JSON_TAIL_RE = re.compile(rb'"tool"\s*:\s*(?:\{\s*"name"\s*:\s*)?"imslint"')  # ... that ends by naming imslint
_OWN_CACHE_RE = re.compile(rb'\A\{"key":"[0-9a-f]{32}","imslint":')
_OWN_TEXT_RE = re.compile(rb"\A[^\n]*?:\d+:\d+: (?:error|warning|note) [A-Z]{2,5}[0-9]{3} ")
_OWN_TEXT_TAIL_RE = re.compile(rb"(?:Found \d+ problems?|No problems found)[^\n]* scanned[^\n]*\.\s*\Z")
_OWN_GITHUB_RE = re.compile(rb"\A::(?:error|warning|notice) file=[^\n]*?title=(?:[A-Z]{2,5}[0-9]{3} |imslint::)")
# The worklist's header, also as a spreadsheet saves it back (a byte-order mark, `;` or tab separators).
_OWN_WORKLIST_RE = re.compile(
    rb"\A(?:\xef\xbb\xbf)?login([,;\t])kind\1label\1email\1authentication_type\1status\1findings\1action"
    rb"\1shared_with\1conflicts\1sources\1new_email\r?$",
    re.M,
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
_ATTACHED_KEY_RE = re.compile(r"[a-z][a-z0-9_]{0,39}")
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

    from .readers.source import language_for

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
    # Keys past the report's own are what a command attached (RunResult.extra): objects, never text to scan.
    attached = [k for k in set(doc) - _JSON_REPORT_KEYS]
    return (
        all(_ATTACHED_KEY_RE.fullmatch(k) and isinstance(doc[k], dict) for k in attached) and isinstance(tool, dict) and tool.get("name") == "imslint"
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
            if len(row) != len(_WORKLIST_COLUMNS) or not _WORKLIST_FINDINGS_RE.fullmatch(row[_WORKLIST_COLUMNS.index("findings")]):
                return False
    except csv.Error:
        return False
    return True


_WORKLIST_COLUMNS = (
    "login", "kind", "label", "email", "authentication_type", "status", "findings", "action",
    "shared_with", "conflicts", "sources", "new_email",
)  # imslint.rules.worklist.COLUMNS (the host does not import the rules)


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
    from .readers.source import language_for

    return language_for(path) != "text" or path.lower().endswith(".txt")


def _keyword_tree(keywords: Set[bytes]) -> List[Tuple[bytes, List[bytes]]]:
    """Order keywords for the pre-filter: roots first, each with the longer keywords that contain it.

    A keyword that contains another (``logonremote`` contains ``logon``) only
    needs looking for when the shorter one is present, so most files are
    scanned once per root keyword, not once per keyword.
    """
    children: Dict[bytes, List[bytes]] = {}
    roots: List[bytes] = []
    for k in sorted(keywords, key=lambda k: (len(k), k)):
        parent = next((r for r in sorted(children, key=len, reverse=True) if r in k), None)
        children[k] = []
        if parent is None:
            roots.append(k)
        else:
            children[parent].append(k)

    def flatten(k: bytes) -> Tuple[bytes, list]:
        return (k, [flatten(c) for c in children[k]])

    return [flatten(r) for r in roots]


class _KeywordPlan:
    """Which keyed rules a file needs, from its lower-cased bytes, with as few searches as possible.

    A file needs a rule when one of the rule's keywords is in it. Each search
    for a keyword is a pass over the file, and most files of an integration
    repository hold a common keyword or two (``pass``, ``sessiontoken``) and none
    of the rare ones. So the keywords are looked for in the order of the
    :func:`_keyword_tree` (a longer keyword only below a shorter one it contains),
    and a keyword is skipped once every rule it could add is already chosen:
    once ``pass`` is found, the other keywords of the rules it chose are never
    looked for. The answer is the same as testing every keyword.
    """

    def __init__(self, rule_keywords: Sequence[Iterable[bytes]]) -> None:
        owners: Dict[bytes, int] = {}
        for i, kws in enumerate(rule_keywords):
            for k in kws:
                owners[k] = owners.get(k, 0) | (1 << i)
        self.all = (1 << len(rule_keywords)) - 1

        def node(k: bytes, kids: list) -> Tuple[bytes, int, int, list]:
            children = [node(*c) for c in kids]
            below = owners[k]
            for c in children:
                below |= c[2]
            return (k, owners[k], below, children)

        # Keywords that choose the most rules first, then the shorter (more likely to be present).
        roots = [node(*r) for r in _keyword_tree(set(owners))]
        self.roots = sorted(roots, key=lambda n: (-bin(n[2]).count("1"), len(n[0]), n[0]))

    def rules_in(self, low: bytes, eligible: int = -1) -> int:
        """A bit mask of the rules (by their index in ``rule_keywords``) whose keywords ``low`` holds.

        Only the rules of the mask ``eligible`` (all by default) are looked for.
        """
        chosen = self.all & ~eligible
        stack = list(reversed(self.roots))
        everything = self.all
        while stack:
            k, mine, below, kids = stack.pop()
            if not below & ~chosen:
                continue  # every rule this keyword (or a longer one below it) could add is chosen
            if k in low:
                chosen |= mine
                if chosen == everything:
                    break
                stack.extend(reversed(kids))
        return chosen & eligible


def lint(
    paths: Sequence[str],
    config: Config,
    registry: Registry,
    baseline: Optional[Any] = None,
    cwd: Optional[str] = None,
    jobs: Optional[int] = None,
    cache_dir: Optional[str] = None,
    require: Optional[Tuple[str, Sequence[str], Callable[[str], str]]] = None,
) -> RunResult:
    """Scan ``paths`` with the rules selected by ``config``; return the :class:`RunResult`.

    ``baseline`` is a Counter of known fingerprints (see :func:`imslint.suppressions.read_baseline`).
    ``cache_dir`` (or ``config.cache_dir``) turns the result cache on (see :mod:`imslint.cache`).
    ``require`` is (subject kind, paths, explain): every file under those paths must yield
    subjects of that kind (``imslint operators``: every input is an export); one that does
    not is an error, with its skip reason or ``explain(path)``.
    Raises :class:`imslint.config.ConfigError` for configuration mistakes.
    """
    selected = resolve_selection(config, registry.rules)
    if not selected:  # a gate that checks nothing would pass everything
        from .config import ConfigError

        raise ConfigError(f"{config.source()}: no rule is selected (see 'select', 'extend-select' and 'ignore')")
    severities = resolve_severities(config, registry.rules)
    options = resolve_rule_options(config, registry.rules)
    for impl in registry.pm.hook.imslint_configure.get_hookimpls():
        try:
            impl.function(config=config)
        except _FAULTS as exc:
            from .plugins import PluginError

            raise PluginError(f"plugin {impl.plugin_name!r}: imslint_configure() raised {_describe(exc, ())}") from None
    plan = Plan(
        rule_ids=sorted(selected),
        severities={rid: severities[rid] for rid in selected},
        options={rid: options[rid] for rid in selected},
        root=os.path.abspath(config.root),
        per_file_ignores=dict(config.per_file_ignores),
        max_file_size=config.max_file_size,
        rule_timeout=config.rule_timeout,
        reader_options={"operator-csv": dict(config.operators)} if config.operators else {},
    )
    result = RunResult(rules={rid: registry.rules[rid] for rid in plan.rule_ids}, severities=plan.severities, root=plan.root,
                       base=os.path.abspath(cwd or os.getcwd()))
    exclude = list(config.exclude or DEFAULT_EXCLUDE) + list(config.extend_exclude)
    cache_dir = cache_dir or config.cache_dir
    if cache_dir:
        check_cache_dir(cache_dir, paths or ["."], cwd or os.getcwd())
    unreadable: List[Tuple[str, str]] = []
    files, missing = discover(
        paths or ["."], exclude, plan.root, config.respect_gitignore, config.force_exclude, cwd=cwd, unreadable=unreadable,
        skipped=result.skipped,
    )
    for path, reason in unreadable:
        result.errors.append(FileError(path, reason))
    for m in missing:
        result.errors.append(FileError(m.replace(os.sep, "/"), "no such file or directory"))

    cache = None
    if cache_dir:
        from .cache import ResultCache, settings_key

        cache = ResultCache(cache_dir, settings_key(plan, registry))
        kept = [f for f in files if not cache.holds(f.path)]
        result.skipped.extend((f.display, "imslint's result cache") for f in files if cache.holds(f.path))
        files = kept
        if cache.worth_reading(len(files)):
            cache.load()
        else:  # a few files (pre-commit) and a big cache: checking them costs less than reading it
            result.cache = {"path": cache.path, "hits": 0, "files": len(files), "warning": None, "used": False}
            cache = None
    context = RunContext(root=plan.root)
    checker = Checker(registry, plan, context)
    jobs = jobs or config.jobs
    if jobs and jobs > usable_cpus() * MAX_JOBS_PER_CPU:  # `jobs = 100000` in a committed configuration
        cap = usable_cpus() * MAX_JOBS_PER_CPU
        result.warnings.append(f"{jobs} jobs is more than {MAX_JOBS_PER_CPU} per CPU: {cap} used")
        jobs = cap
    first, stats = _phase0(files, checker, config, jobs, cache, result.warnings)
    chosen_jobs = jobs
    outcomes: List[Tuple[Discovered, FileOutcome]] = []
    deferred: Dict[int, List[Tuple[Discovered, Reader]]] = {}
    read: List[Tuple[Discovered, Optional[Reader], Dict[str, int]]] = []  # for RunContext.read_again
    context.set_read_again(lambda kind, needles=None: _read_again(read, registry.readers, kind, needles))  # (used once read is complete)
    for item, outcome, reader in first:
        if reader is None:
            outcomes.append((item, outcome))
            if outcome.subjects:
                read.append((item, None, outcome.subjects))
        else:
            deferred.setdefault(reader.phase, []).append((item, reader))
    # A big streamed export is read in pieces by as many processes as jobs allow (all CPUs by default).
    split_jobs = chosen_jobs or usable_cpus()
    for phase in sorted(deferred):
        for item, reader in deferred[phase]:
            checker._facts_out = []
            outcome = checker.check_split(item, reader, split_jobs) if split_jobs > 1 else None
            outcome = outcome or checker.check_file(item, reader)
            outcomes.append((item, outcome))
            read.append((item, reader, outcome.subjects))
    checker.display_paths = {item.display: item.path for item in files}
    outcomes.append((Discovered("<run>", "<run>"), checker.finish()))
    context.set_read_again(None)
    if cache is not None:
        for item, outcome, _reader in first:
            if outcome.cacheable and item.path in stats:
                cache.store(item.path, item.display, stats[item.path], outcome.digest, outcome)
        cache.save([os.path.join(cwd or os.getcwd(), p) for p in (paths or ["."])])  # the roots discover() walked
        result.cache = {"path": cache.path, "hits": cache.hits, "files": len(first), "warning": cache.warning, "used": True}

    if require is not None:
        _require(outcomes, *require, cwd=cwd)
    for item, outcome in outcomes:
        if outcome.scanned:
            result.files_scanned += 1
        for kind, n in outcome.subjects.items():
            result.subjects[kind] = result.subjects.get(kind, 0) + n
        if outcome.skipped:
            result.skipped.append((item.display, outcome.skipped))
        if item.path != "<run>" and not (outcome.skipped or "").startswith("imslint's own output"):
            result.inputs.append(item.path)
        result.findings.extend(outcome.findings)
        result.suppressed.extend(outcome.suppressed)
        result.errors.extend(outcome.errors)

    result.findings.sort(key=lambda f: f.sort_key)
    result.suppressed.sort(key=lambda f: f.sort_key)
    if baseline is not None:
        result.findings, result.baselined = apply_baseline(result.findings, baseline)
    result.errors.sort(key=lambda e: (e.path, e.line or 0, e.message))
    result.skipped.sort()
    return result


def check_cache_dir(cache_dir: str, paths: Sequence[str], cwd: str) -> None:
    """Raise ConfigError when the cache folder is a scanned folder or holds one (it would leave it out, or write in it)."""
    from .config import ConfigError

    cache = os.path.realpath(os.path.join(cwd, cache_dir))
    for given in paths:
        scanned = os.path.realpath(os.path.join(cwd, given))
        if scanned == cache or scanned.startswith(cache.rstrip(os.sep) + os.sep):
            raise ConfigError(
                f"cache-dir {cache_dir!r} is, or holds, the scanned path {given!r}: choose a folder of its own "
                "(for example .imslint-cache)"
            )


def _require(
    outcomes: List[Tuple[Discovered, FileOutcome]], kind: str, paths: Sequence[str], explain: Callable[[str], str],
    cwd: Optional[str] = None,
) -> None:
    """Make an error of each file under ``paths`` that yielded no subject of ``kind`` (see :func:`lint`)."""
    base = cwd or os.getcwd()
    roots = [os.path.normpath(os.path.join(base, p)) for p in paths]
    for item, outcome in outcomes:
        if outcome.subjects.get(kind) or outcome.errors or outcome.unchanged:
            continue
        if (outcome.skipped or "").startswith("imslint's own output"):
            continue  # a worklist or report left next to the exports is not an input
        if not any(item.path == r or item.path.startswith(r.rstrip(os.sep) + os.sep) for r in roots):
            continue
        reason = outcome.skipped or explain(item.path)
        outcome.skipped, outcome.scanned = None, False
        outcome.errors.append(FileError(item.display, f"not read as an {kind} export: {reason}"))


def _phase0(
    files: List[Discovered], checker: Checker, config: Config, jobs: Optional[int], cache: Any,
    warnings: Optional[List[str]] = None,
) -> Tuple[List[Tuple[Discovered, FileOutcome, Optional[Reader]]], Dict[str, Any]]:
    """Sniff and check every file's phase 0 where it is read (in workers with --jobs), in file order.

    Streaming and later-phase files come back with their reader, deferred to the
    main process. With a ``cache``, a file whose stat is unchanged takes its cached
    outcome without being opened, and one whose bytes hash to the cached digest
    without being checked; the second item is each file's stat (:func:`imslint.cache.file_stat`).
    """
    registry, plan, context = checker.registry, checker.plan, checker.context
    cached: Dict[int, FileOutcome] = {}
    stats: Dict[str, Any] = {}
    todo = files
    if cache is not None:
        todo = []
        for i, item in enumerate(files):
            outcome, stat, known = cache.lookup(item.path, item.display, FileOutcome)
            if stat is not None:
                stats[item.path] = stat
            if outcome is not None:
                cached[i] = outcome
                cache.confirm(item.path, stat)
                continue
            if known:
                plan.known_digests[item.path] = known
            todo.append(item)
        plan.cache = True
    chosen_jobs = jobs or config.jobs
    n_jobs = min(chosen_jobs or auto_jobs(len(todo)), max(1, len(todo)))  # never more processes than files
    # a rule that keeps state for finish() sees every file in this process; one that works from facts does not need to
    uses_finish = any(type(r).finish is not Rule.finish and not getattr(r, "finish_from_facts", False) for r in checker.source_rules)
    if n_jobs > 1 and len(todo) > 1 and not uses_finish:
        fresh = _run_parallel(todo, registry, plan, config, n_jobs, warnings)
    else:
        fresh = []
        for item in todo:
            checker._facts_out = []
            outcome, reader = checker.process(item, registry.readers)
            outcome.facts = list(checker._facts_out)
            fresh.append((item, outcome, reader))
    first: List[Tuple[Discovered, FileOutcome, Optional[Reader]]] = []
    it = iter(fresh)
    for i, item in enumerate(files):
        if i in cached:
            first.append((item, cached[i], None))
            continue
        item, outcome, reader = next(it)
        if outcome.unchanged:  # same bytes as when cached: the cached outcome stands
            outcome = cache.pending(item.path)
            cache.confirm(item.path, stats[item.path])
        first.append((item, outcome, reader))
    # Facts in file order, whichever process (or the cache) produced them: the context holds
    # only phase-0 facts so far, those this process published as it checked.
    context._facts.clear()
    for _item, outcome, _reader in first:
        for fact in outcome.facts:
            context.add(fact)
    return first, stats


def _read_again(
    read: List[Tuple[Discovered, Optional[Reader], Dict[str, int]]],
    readers: Sequence[Reader],
    kind: str,
    needles: Optional[Sequence[bytes]] = None,
) -> Iterator[Any]:
    """The subjects of ``kind`` of the files ``read`` yielded some, read once more (see :meth:`RunContext.read_again`).

    Files checked in worker processes did not say which reader read them: they are
    sniffed again. A file that no longer reads is passed over quietly: its faults
    were reported by the first reading, and the rule asking keeps what it has.
    """
    for item, reader, subjects in read:
        if not subjects.get(kind):
            continue
        try:
            data: Optional[bytes] = None
            if reader is None or not reader.streaming:
                with open(item.path, "rb") as fh:
                    data = fh.read()
                if needles is not None:
                    low = data.lower()
                    if not any(n in low for n in needles):
                        continue
                if reader is None:
                    reader = choose_reader(readers, item.path, data[:HEAD_SIZE])[0]
                    if reader is None:
                        continue
                    if reader.streaming:
                        data = None
            for subject in reader.read(InputFile(item.path, item.display, data, {})):
                if subject.kind == kind:
                    yield subject
        except Exception:  # noqa: BLE001 - reported by the first reading
            continue


AUTO_JOBS_FILES = 400  # below this many files, starting worker processes costs more than it saves
MAX_JOBS_PER_CPU = 4  # more worker processes than this per CPU only cost memory


def auto_jobs(n_files: int) -> int:
    """Worker processes when the user chose none: one per CPU for large trees, none for a few files."""
    if n_files < AUTO_JOBS_FILES:
        return 1
    return max(1, min(usable_cpus(), n_files // AUTO_JOBS_FILES))


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask where the system has one, else all of them)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _run_parallel(
    files: List[Discovered], registry: Registry, plan: Plan, config: Config, jobs: int, warnings: Optional[List[str]] = None
) -> List[Tuple[Discovered, FileOutcome, Optional[Reader]]]:
    """Check ``files`` in ``jobs`` worker processes; a worker that dies costs one file, not the run.

    Each worker writes the index of the file it is checking in a shared slot. When
    a worker process dies (a crash in a native library, the out-of-memory killer),
    the pool breaks: the files then being checked are each run again alone in a
    process of its own (reported as an error if that one dies too), and the files
    not yet checked go to a new pool.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    method = "fork" if sys.platform.startswith("linux") else "spawn"
    mp = multiprocessing.get_context(method)
    inherited = registry if method == "fork" else None
    spec = (tuple(config.plugins), config.root if config.path else None)
    readers = {r.name: r for r in registry.readers}
    done: Dict[int, Tuple[FileOutcome, Optional[str]]] = {}
    todo = list(range(len(files)))
    suspects: List[int] = []
    while todo:
        chunk_size = max(1, min(256, len(todo) // (jobs * 8) or 1))
        chunks = [[(i, files[i]) for i in todo[k : k + chunk_size]] for k in range(0, len(todo), chunk_size)]
        slots, claimed = mp.RawArray("q", [-1] * jobs), mp.Value("i", 0)
        try:
            with ProcessPoolExecutor(
                max_workers=jobs, mp_context=mp, initializer=_worker_init, initargs=(inherited, plan, spec, slots, claimed)
            ) as pool:
                futures = {pool.submit(_worker_chunk, chunk): chunk for chunk in chunks}
                for future in as_completed(futures):
                    for (i, _), result in zip(futures[future], future.result()):
                        done[i] = result
            todo = []
        except BrokenProcessPool:
            in_flight = sorted({i for i in slots if i >= 0} - done.keys())
            retried = in_flight or [i for i in todo if i not in done]  # no clue: each file alone
            suspects += retried
            todo = [i for i in todo if i not in done and i not in suspects]
            if warnings is not None:
                names = ", ".join(files[i].display for i in retried[:5]) + (f" and {len(retried) - 5} more" if len(retried) > 5 else "")
                warnings.append(
                    f"a worker process died (killed, or a crash in a native library) while checking {names}: "
                    "checked again, each file in a process of its own"
                )
    for i in suspects:
        done[i] = _alone(files[i], mp, inherited, plan, spec)
    out: List[Tuple[Discovered, FileOutcome, Optional[Reader]]] = []
    for i, item in enumerate(files):
        outcome, reader_name = done[i]
        out.append((item, outcome, readers[reader_name] if reader_name else None))
    return out


def _alone(item: Discovered, mp: Any, registry: Optional[Registry], plan: Plan, spec: Any) -> Tuple[FileOutcome, Optional[str]]:
    """Check one file in a process of its own: an error for the file if that process dies too."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=mp, initializer=_worker_init, initargs=(registry, plan, spec)) as pool:
            return pool.submit(_worker_chunk, [(0, item)]).result()[0]
    except BrokenProcessPool:
        out = FileOutcome()
        out.errors.append(FileError(
            item.display,
            "the worker process checking this file died (a crash in a native library, or the system ran out of "
            "memory); the file was not checked",
        ))
        return out, None
