"""The checker: reads one file into subjects and applies the selected rules to them, each in isolation."""

from __future__ import annotations

import dataclasses
import os
from typing import Any, Dict, FrozenSet, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

from ..discovery import Discovered, relative_to
from ..model import Fact, FileError, Problem, SourceText, redact
from ..own_output import HOST_RECOGNISERS, candidates
from ..plugins import Registry
from ..protocols import BatchChecker, supports
from ..readers import InputFile, NothingRead, Reader, ReadError
from ..readers.source import looks_binary
from ..rule import Rule, RunContext
from ..suppressions import Directive, parse_directives_from_file
from .faults import _FAULTS, ContractError, _cap, _describe
from .intake import HEAD_SIZE, NO_RULE, _languages, _named_as_text, _tail, choose_reader
from .outcome import FileOutcome, Plan
from .prefilter import Prefilter
from .stamping import Stamper, _check_problem

BATCH_SIZE = 1024  # subjects handed to a rule's check_batch at once


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
        self.prefilter = Prefilter(self.source_rules)
        self.recognisers = [*HOST_RECOGNISERS, *registry.output_recognisers]  # of imslint's own outputs
        self.stamper = Stamper(registry.rules, plan)
        self.defer_directives = False
        self.display_paths: Dict[str, str] = {}  # display path -> path, for finish() findings
        self._useful: Dict[Tuple[int, int], Optional[Tuple[bool, ...]]] = {}

    # ----------------------------------------------------------------- selection of rules for one file

    def applicable(self, data: Optional[bytes], languages: Optional[FrozenSet[str]] = None) -> List[Rule]:
        """Rules worth running on a file, using each source rule's keyword pre-filter on the raw bytes.

        ``languages``, when the reader knows them before reading, are those of the
        file's subjects: a keyed rule limited to other languages is left out
        without looking for its keywords.
        """
        if data is None:
            return list(self.rules.values())
        return self.prefilter.rules_for(data, languages) + self.other_rules

    # ----------------------------------------------------------------- one file, from its path

    def process(self, item: Discovered, readers: Sequence[Reader]) -> Tuple[FileOutcome, Optional[Reader]]:  # noqa: C901
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
                elif not self.plan.read_all and os.fstat(fh.fileno()).st_size <= self.plan.max_file_size:
                    data = fh.read()  # the pre-filter needs every byte: one read
                    head = data[:HEAD_SIZE]
                else:
                    head = fh.read(HEAD_SIZE)
                own = candidates(head, lambda: _tail(fh, head, data), self.recognisers)
                if own:
                    # Looks like a report: read whole (within the size limit), and left out only if all of it is one.
                    if (
                        data is None
                        and len(head) == HEAD_SIZE
                        and os.fstat(fh.fileno()).st_size <= self.plan.max_file_size
                    ):
                        fh.seek(0)
                        data = fh.read()
                    whole = data if data is not None else (head if len(head) < HEAD_SIZE else None)
                    kind = (
                        next((r for r in own if r.confirm_output(whole, item.display)), None)
                        if whole is not None
                        else None
                    )
                    if kind is not None and not self._holds_secret(item, readers, kind.secret_checked_part(whole)):
                        out.skipped = f"imslint's own output ({kind.output_label})"
                        out.cacheable = True
                        return out, None
                if self.plan.read_all or data is None:  # imslint operators, or a file over the size limit
                    mask = None
                    reader, skip, error = choose_reader(readers, item.path, head)
                else:
                    reader, skip, error, mask = self._route(item, readers, head, data)
                if error:
                    out.errors.append(FileError(item.display, error))
                    return out, None
                if skip == NO_RULE:
                    if looks_binary(head) and not _named_as_text(item.path):
                        out.skipped = "binary or unsupported file"  # as choose_reader says without the filter
                    else:
                        out.scanned = True  # looked at: no selected rule can find anything in it
                        if self.plan.cache and data is not None:
                            out.digest = file_digest or _digest(data)
                    out.cacheable = True
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
            return self.check_data(item, reader, data, mask=mask), None
        out = self.check_data(item, reader, data, mask=mask)
        out.digest = file_digest or _digest(data)
        return out, None

    def _route(
        self,
        item: Discovered,
        readers: Sequence[Reader],
        head: bytes,
        data: bytes,
    ) -> Tuple[Optional[Reader], Optional[str], Optional[str], int]:
        """(reader, skip reason, error, keyword mask) for a file read whole: only readers some rule left can use are sniffed.

        The skip reason is :data:`NO_RULE` when no selected rule can use the file
        (it is then neither decoded nor parsed).
        """
        prefilter = self.prefilter
        limited = prefilter.limited  # rules limited to some languages (the XML-only server configuration rules)
        if prefilter.one_pass:
            mask = prefilter.mask(data)
            reader, skip, error = choose_reader(readers, item.path, head, self.useful_readers(readers, mask))
            if reader is not None and mask & limited:
                mask &= ~limited | prefilter.eligible(_languages(reader, item.display, data))
        else:
            # Pure Python: each keyword costs a pass over the file. The keywords of the rules limited to some
            # languages are looked for once the reader says which languages the file's subjects have: not at
            # all in most files of a code repository.
            mask = prefilter.mask(data, prefilter.unlimited)
            reader, skip, error = choose_reader(readers, item.path, head, self.useful_readers(readers, mask | limited))
            if reader is not None and limited:
                eligible = limited & prefilter.eligible(_languages(reader, item.display, data))
                if eligible:
                    mask |= prefilter.mask(data, eligible)
        useful = self.useful_readers(readers, mask)
        if reader is not None and useful is not None and not useful[readers.index(reader)]:
            skip = NO_RULE  # taken by a reader whose subjects no rule left inspects
        return reader, skip, error, mask

    def useful_readers(self, readers: Sequence[Reader], mask: int) -> Optional[Tuple[bool, ...]]:
        """For each of ``readers``, whether a rule left by the keyword ``mask`` takes its subjects; None if all do.

        A reader that does not declare its ``subjects`` is always useful. Once per mask.
        """
        key = (id(readers), mask)
        if key not in self._useful:
            rules = self.prefilter.select(mask) + self.other_rules
            flags = tuple(
                r.subjects is None
                or any(issubclass(s, rule.subject) or issubclass(rule.subject, s) for s in r.subjects for rule in rules)
                for r in readers
            )
            self._useful[key] = None if all(flags) else flags
        return self._useful[key]

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
        from .pieces import check_split

        return check_split(self, item, reader, jobs)

    def check_data(
        self,
        item: Discovered,
        reader: Reader,
        data: Optional[bytes],
        out: Optional[FileOutcome] = None,
        mask: Optional[int] = None,
    ) -> FileOutcome:
        """Check a file whose bytes were read (``data``), or that ``reader`` streams itself (``data`` None).

        ``mask`` is the pre-filter's answer for ``data`` when already known (:meth:`Prefilter.mask`).

        Subjects are checked in batches of up to :data:`BATCH_SIZE`: rules with a
        ``check_batch`` method get the whole batch at once (the operator rules do,
        for exports of a million records), the others one subject at a time.
        """
        out = out or FileOutcome()
        display = item.display
        first_error = len(out.errors)
        if mask is not None:
            rules = self.prefilter.select(mask, _languages(reader, display, data)) + self.other_rules
        else:
            rules = self.applicable(data, _languages(reader, display, data))
        out.scanned = True
        if not rules:
            out.cacheable = not out.errors
            return out
        problems: List[Tuple[str, Problem]] = []
        secrets: Set[str] = set()
        source = InputFile(item.path, display, data, {})
        calls: Dict[Any, Tuple[list, list]] = {}
        pending: List[Any] = []
        try:
            try:
                for subject in reader.read(source):
                    pending.append(subject)
                    if len(pending) >= BATCH_SIZE:
                        self._check_batch(pending, rules, problems, secrets, out, calls)
                        pending = []
            finally:
                if pending:  # the subjects read before a fault are still checked
                    self._check_batch(pending, rules, problems, secrets, out, calls)
        except NothingRead as exc:  # recognised, but holds nothing to check: skipped with the reason, never "read"
            out.skipped, out.scanned = f"{reader.name}: nothing read: {exc.message}", False
        except ReadError as exc:
            out.errors.append(FileError(display, f"{reader.name}: {_cap(exc.message)}", exc.line))
        except RecursionError:
            out.errors.append(FileError(display, f"{reader.name}: input nested too deeply to read"))
        except MemoryError:
            out.errors.append(FileError(display, f"{reader.name}: input too large to read"))
        except _FAULTS as exc:  # a reader bug (even a sys.exit()) must not take the run down
            out.errors.append(
                FileError(display, f"{reader.name}: unexpected error while reading: {_describe(exc, secrets)}")
            )
        if problems:
            self.stamper.stamp(item, data, problems, secrets, out, self.defer_directives)
        if secrets and len(out.errors) > first_error:
            # A rule or reader message may quote the file: every secret found in it is redacted, as in findings.
            out.errors[first_error:] = [
                dataclasses.replace(e, message=redact(e.message, secrets)) for e in out.errors[first_error:]
            ]
        out.cacheable = not out.errors and all(
            _cacheable(rule) for single, batched in calls.values() for rule, _ in (*single, *batched)
        )
        return out

    def _calls_for(self, subject: Any, rules: Sequence[Rule], calls: Dict[Any, Tuple[list, list]]) -> Tuple[list, list]:
        """(per-subject rules, batch rules) with their options for this kind of subject: once per file and kind."""
        key = (type(subject), getattr(subject, "language", None))
        plan = calls.get(key)
        if plan is None:
            single: List[Any] = []
            batched: List[Any] = []
            for rule in rules:
                if isinstance(subject, rule.subject) and (rule.languages is None or key[1] in rule.languages):
                    (batched if supports(rule, BatchChecker) else single).append((rule, self.options(rule)))
            plan = calls[key] = (single, batched)
        return plan

    def _check_batch(
        self,
        batch: List[Any],
        rules: Sequence[Rule],
        problems: list,
        secrets: Set[str],
        out: FileOutcome,
        calls: Dict[Any, Tuple[list, list]],
    ) -> None:
        try:
            self._check_groups(batch, rules, problems, secrets, out, calls)
        finally:
            self.context.forget_memos()  # the subjects' memos do not outlive their rules

    def _check_groups(
        self,
        batch: List[Any],
        rules: Sequence[Rule],
        problems: list,
        secrets: Set[str],
        out: FileOutcome,
        calls: Dict[Any, Tuple[list, list]],
    ) -> None:
        take = self._take
        for (single, batched), subjects in self._group(batch, rules, out, calls):
            for rule, options in single:
                for subject in subjects:
                    try:
                        for item in rule.check(subject, options) or ():
                            take(rule, item, problems, secrets, out)
                    except _FAULTS as exc:
                        self._rule_error(rule, subject, exc, secrets, out)
            for rule, options in batched:
                try:
                    for _subject, item in rule.check_batch(subjects, options) or ():
                        take(rule, item, problems, secrets, out)
                except _FAULTS as exc:
                    self._rule_error(rule, subjects[0], exc, secrets, out)

    def _group(
        self, batch: List[Any], rules: Sequence[Rule], out: FileOutcome, calls: Dict[Any, Tuple[list, list]]
    ) -> List[Tuple[Tuple[list, list], List[Any]]]:
        """The subjects of ``batch`` grouped by plan (in order), counted per kind in ``out.subjects``."""
        kinds = set(map(type, batch))
        if len(kinds) == 1:
            cls = kinds.pop()
            if "language" not in getattr(cls, "__dataclass_fields__", ()) and not hasattr(cls, "language"):
                # One kind of subject without a language (every record of an export): one plan for all.
                kind = getattr(cls, "kind", "subject")
                out.subjects[kind] = out.subjects.get(kind, 0) + len(batch)
                return [(self._calls_for(batch[0], rules, calls), batch)]
        groups: Dict[int, Tuple[Tuple[list, list], List[Any]]] = {}
        for subject in batch:
            kind = getattr(subject, "kind", "subject")
            out.subjects[kind] = out.subjects.get(kind, 0) + 1
            plan = self._calls_for(subject, rules, calls)
            groups.setdefault(id(plan), (plan, []))[1].append(subject)
        return list(groups.values())

    def _rule_error(self, rule: Rule, subject: Any, exc: BaseException, secrets: Set[str], out: FileOutcome) -> None:
        line = getattr(subject, "line", None) or getattr(subject, "first_line", None)
        out.errors.append(FileError(subject.path, self._failure(rule, exc, secrets), line, rule.id, "rule"))

    def _failure(self, rule: Rule, exc: BaseException, secrets: Iterable[str], step: str = "") -> str:
        """What went wrong in ``rule``: its own exception, or a broken contract naming its plugin."""
        if isinstance(exc, ContractError):
            plugin = self.registry.rule_plugin.get(rule.id, "?")
            return f"rule {rule.id} ({rule.name}) of plugin {plugin!r}{step}: {exc}"
        return f"rule {rule.id} ({rule.name}) failed{step}: {_describe(exc, secrets)}"

    def _take(self, rule: Rule, item: Any, problems: list, secrets: Set[str], out: FileOutcome) -> None:
        if isinstance(item, Fact):
            self.context.add(item)
            out.facts.append(item)
        elif isinstance(item, Problem):
            _check_problem(rule, item)
            if item.secret:
                secrets.add(item.secret)
            problems.append((rule.id, item))
        else:
            raise ContractError(f"yielded {type(item).__name__}, expected Problem or Fact")

    def options(self, rule: Rule) -> Mapping[str, Any]:
        """The effective options of ``rule``."""
        return self.plan.options.get(rule.id, {})

    def finish(self) -> FileOutcome:
        """Run every rule's ``finish`` step (rules that need the whole picture)."""
        out = FileOutcome()
        directives: Dict[str, Dict[int, List[Directive]]] = {}
        for rule in self.rules.values():
            try:
                for problem in rule.finish(self.options(rule)) or ():
                    if not isinstance(problem, Problem):
                        raise ContractError(f"yielded {type(problem).__name__}, expected Problem")
                    _check_problem(rule, problem)
                    real = self.display_paths.get(problem.location.path, problem.location.path)
                    rel = relative_to(real, self.plan.root)
                    if rule.id in self.stamper.per_file_ignored(rel):
                        continue
                    finding = self.stamper.make_finding(rule.id, problem, rel, ())
                    if getattr(rule, "finish_from_facts", False):
                        # a cross-file finding in a code file: its inline directives count as for any other
                        if rel not in directives:
                            directives[rel] = parse_directives_from_file(real)
                        suppressed = self.stamper.suppression(finding, directives[rel].get(finding.location.line, ()))
                        if suppressed is not None:
                            out.suppressed.append(suppressed)
                            continue
                    out.findings.append(finding)
            except _FAULTS as exc:
                out.errors.append(
                    FileError("<run>", self._failure(rule, exc, (), " in finish()"), None, rule.id, "rule")
                )
        return out


def _digest(data: bytes) -> str:
    """:func:`imslint.cache.digest`, imported here on first use: runs without a cache never load the cache module."""
    from ..cache import digest

    return digest(data)


def _cacheable(rule: Rule) -> bool:
    """Whether what ``rule`` finds in a file depends on that file (and the settings) only."""
    return rule.cacheable and (not rule.has_finish() or rule.finish_from_facts)
