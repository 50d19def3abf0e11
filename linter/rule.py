"""The base class every rule derives from: metadata plus one generator."""

from __future__ import annotations

import inspect
import re
from typing import Any, Callable, ClassVar, Dict, Iterable, Iterator, Mapping, Optional, Tuple, Type

from .model import OperatorRecord, Problem, Severity, SourceText, Subject, Yielded

RULE_ID_RE = re.compile(r"^[A-Z]{2,5}[0-9]{3}$")
RULE_NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


class RunContext:
    """What a rule may know about the run beyond its subject.

    - :meth:`facts`: the facts rules published in earlier phases (and earlier files);
    - :meth:`memo`: a dict per subject, shared by the rules looking at it, for work they would
      otherwise each repeat (one analysis of a file for several rules); the engine drops it once
      the subject's rules ran;
    - :meth:`read_again`: the run's subjects of a kind, read a second time (in ``finish``).
    """

    def __init__(self, facts: Optional[Dict[str, list]] = None, root: str = ".") -> None:
        self._facts: Dict[str, list] = facts if facts is not None else {}
        self.root = root
        self._read_again: Optional[Callable[[str, Optional[Tuple[bytes, ...]]], Iterator[Any]]] = None
        # The share of a rule's memory budget an instance may use: pieces of one export read at
        # once (each by its own instance, in its own process) split the budget between them.
        self.memory_share = 1.0
        self._memos: Dict[int, Tuple[Any, Dict[Any, Any]]] = {}  # id(subject) -> (subject, its memo)

    def memo(self, subject: Any) -> Dict[Any, Any]:
        """The memo of ``subject``: a dict that every rule checking that subject sees, empty at first.

        For work several rules would each repeat on one subject (an analysis of a
        source text, the classification of a batch of operators): the first rule
        stores its result, the others read it. Key entries by your plugin (for
        example ``("credentials.gates",)``), store only what depends on the subject
        (and on the key), never a secret that must not outlive the check.

        The engine drops every memo once the rules of the subject ran (with
        batches, once the rules of the batch ran), so nothing is kept from one
        subject to the next. ``subject`` may also be the list of subjects handed to
        ``check_batch``. Memos never travel between processes.
        """
        entry = self._memos.get(id(subject))
        if entry is None or entry[0] is not subject:
            entry = self._memos[id(subject)] = (subject, {})
        return entry[1]

    def forget_memos(self) -> None:
        """Drop every subject's memo (called by the engine once the rules of the current subjects ran)."""
        self._memos.clear()

    def facts(self, kind: str) -> list:
        """Every fact of ``kind`` published so far (in a deterministic order)."""
        return self._facts.get(kind, [])

    def add(self, fact: Any) -> None:
        """Record a fact (called by the engine)."""
        self._facts.setdefault(fact.kind, []).append(fact)

    def clear_facts(self) -> None:
        """Forget every fact (called by the engine, which then adds them again in file order)."""
        self._facts.clear()

    def copy(self) -> "RunContext":
        """A context with the same facts so far, that facts added later do not share."""
        other = RunContext({kind: list(facts) for kind, facts in self._facts.items()}, self.root)
        other._read_again = self._read_again
        other.memory_share = self.memory_share
        return other

    @property
    def can_read_again(self) -> bool:
        """True when :meth:`read_again` works: the engine running the rule can read its subjects a second time."""
        return self._read_again is not None

    def read_again(self, kind: str, needles: Optional[Iterable[bytes]] = None) -> Iterator[Any]:
        """The subjects of ``kind`` (``"operator"``) of every file of the run, read once more, in the same order.

        With ``needles`` (lower-case bytes), only files whose lower-cased bytes
        hold one of them are read (streamed exports are always read).

        For a rule whose state would outgrow memory (a duplicate search over
        millions of operators): in :meth:`Rule.finish` it may look at the subjects
        again, part by part, instead of keeping them all. Only the main process
        calls ``finish``; a file that cannot be read again is passed over (its
        errors were reported the first time). Raises RuntimeError when
        :attr:`can_read_again` is False.
        """
        if self._read_again is None:
            raise RuntimeError("this run cannot read its subjects again")
        return self._read_again(kind, None if needles is None else tuple(needles))

    def __getstate__(self) -> Dict[str, Any]:
        state = dict(self.__dict__)
        state["_read_again"] = None  # the engine's reader stays in the process that runs finish()
        state["_memos"] = {}  # per subject, in the process checking it
        return state

    def set_read_again(self, read_again: Optional[Callable[[str, Optional[Tuple[bytes, ...]]], Iterator[Any]]]) -> None:
        """Called by the engine: how :meth:`read_again` reads the subjects of a kind again."""
        self._read_again = read_again


class Rule:
    """A lint rule. Subclass it, set the metadata, implement :meth:`check`.

    The class docstring is the user documentation: its first line is the
    summary (``imslint rules``, SARIF ``shortDescription``), the rest is the
    help text, with a failing and a passing example.

    Class attributes:

    ``id``            stable id such as ``IMS101`` (``^[A-Z]{2,5}[0-9]{3}$``)
    ``name``          kebab-case name, usable in ``--select`` and config
    ``subject``       the subject class inspected (:class:`OperatorRecord` or :class:`SourceText`)
    ``severity``      default :class:`Severity`
    ``defaults``      default options; users override them under ``[tool.imslint.rules.<name>]``
    ``tags``          SARIF ``properties.tags`` (add ``"security"`` for security rules)
    ``security_severity``  CVSS-like score as a string (``"8.0"``) for security rules
    ``precision``     SARIF ``properties.precision`` (``very-high``, ``high``, ``medium``, ``low``), or
                      ``None`` to say nothing; with ``tags``, the only source of a rule's SARIF properties
    ``keywords``      lower-case byte strings: for source subjects, the rule only runs on files
                      whose raw bytes contain one of them (a cheap pre-filter); ``None`` = always
    ``languages``     source languages the rule applies to (``None`` = all)
    ``cacheable``     ``True`` (the default) when what :meth:`check` finds in a file depends on that
                      file and the options only, so that the result cache (``--cache-dir``) may reuse
                      it while the file is unchanged; set ``False`` otherwise. Rules with a
                      :meth:`finish` step are never cached, unless they set ``finish_from_facts``.
    ``finish_from_facts``  ``True`` when :meth:`finish` works only from the run's facts (and
                      :meth:`RunContext.read_again`), never from state kept by :meth:`check`: a
                      cross-file step (a helper defined in one file and called in another). The
                      rule's per-file results may then be cached and its files spread over
                      worker processes.

    Rules that would repeat the same work on a subject (one analysis shared by
    several rules) share it through ``self.context.memo(subject)`` (see
    :meth:`RunContext.memo`): a dict the engine creates per subject and drops
    once the subject's rules ran. Never keep such work in module-global caches.

    Optionally, a rule may define ``check_batch(subjects, options)`` (the
    :class:`imslint.protocols.BatchChecker` protocol) returning
    ``(subject, Problem or Fact)`` pairs: the engine then hands it lists of up to
    1024 subjects of one kind instead of calling :meth:`check` on each (worth it
    for exports of a million operators). It must find exactly what :meth:`check`
    would; if it raises, the error is reported at the batch's first subject.

    A rule that keeps state for :meth:`finish` (duplicates across exports, say)
    may also define :meth:`export_state` and :meth:`merge_state`: the engine can
    then read a big export in pieces, one process per piece, each with its own
    instance of the rule, and merge their states into the main instance before
    :meth:`finish`. Without them, files are read in one process. A rule whose
    state could outgrow memory may read the run's subjects again in
    :meth:`finish` (:meth:`RunContext.read_again`) instead of keeping them all.
    """

    id: ClassVar[str] = ""
    name: ClassVar[str] = ""
    subject: ClassVar[Type[Subject]] = SourceText
    severity: ClassVar[Severity] = Severity.WARNING
    defaults: ClassVar[Mapping[str, Any]] = {}
    tags: ClassVar[Tuple[str, ...]] = ()
    security_severity: ClassVar[Optional[str]] = None
    precision: ClassVar[Optional[str]] = None
    keywords: ClassVar[Optional[Tuple[bytes, ...]]] = None
    languages: ClassVar[Optional[Tuple[str, ...]]] = None
    help_uri: ClassVar[Optional[str]] = None
    cacheable: ClassVar[bool] = True
    finish_from_facts: ClassVar[bool] = False

    def __init__(self) -> None:
        self.context = RunContext()

    def check(self, subject: Any, options: Mapping[str, Any]) -> Iterable[Yielded]:
        """Inspect one subject; yield :class:`Problem` (and optionally :class:`Fact`) objects."""
        return ()

    def finish(self, options: Mapping[str, Any]) -> Iterable[Problem]:
        """Called once after every subject was checked: report what needs the whole picture."""
        return ()

    def export_state(self) -> Any:
        """The picklable state gathered for :meth:`finish` (optional; see the class docstring)."""
        raise NotImplementedError

    def merge_state(self, state: Any) -> None:
        """Take in the state another instance of this rule exported (optional; see the class docstring)."""
        raise NotImplementedError

    @classmethod
    def has_finish(cls) -> bool:
        """True when the rule defines a :meth:`finish` step of its own."""
        return cls.finish is not Rule.finish

    @classmethod
    def mergeable(cls) -> bool:
        """True when instances checking parts of a run in other processes can be merged into one."""
        if not cls.has_finish() or cls.finish_from_facts:
            return True  # no state kept between subjects: finish() works from the run's facts
        return cls.export_state is not Rule.export_state and cls.merge_state is not Rule.merge_state

    # ----------------------------------------------------------------- documentation helpers

    @classmethod
    def summary(cls) -> str:
        """First line of the docstring."""
        doc = inspect.getdoc(cls) or ""
        return doc.strip().splitlines()[0].strip() if doc.strip() else ""

    @classmethod
    def help_text(cls) -> str:
        """The docstring without its first line (the full documentation)."""
        doc = inspect.getdoc(cls) or ""
        lines = doc.strip().splitlines()
        return "\n".join(lines[1:]).strip()

    @classmethod
    def description(cls) -> str:
        """First paragraph of the help text (SARIF ``fullDescription``)."""
        help_text = cls.help_text()
        para = help_text.split("\n\n")[0].strip() if help_text else ""
        return " ".join(para.split()) or cls.summary()


PROJECT_URI = "https://github.com/imslint/imslint"


def help_url(rule: Type[Rule]) -> Optional[str]:
    """Where a rule's documentation lives: its own ``help_uri``, set by the rule or its plugin (None: nowhere).

    The host never invents one: a third party's rule documented nowhere has no link
    rather than a dead one into imslint's documentation.
    """
    return rule.help_uri or None


def validate_rule_class(rule_cls: Any) -> Optional[str]:
    """Return why ``rule_cls`` is not a valid rule class, or None when it is."""
    if not (isinstance(rule_cls, type) and issubclass(rule_cls, Rule)):
        return f"{rule_cls!r} is not a subclass of linter.Rule"
    if not isinstance(rule_cls.id, str) or not RULE_ID_RE.match(rule_cls.id):
        return f"rule {rule_cls.__name__}: id {rule_cls.id!r} does not match ^[A-Z]{{2,5}}[0-9]{{3}}$"
    if not isinstance(rule_cls.name, str) or not RULE_NAME_RE.match(rule_cls.name):
        return f"rule {rule_cls.id}: name {rule_cls.name!r} is not kebab-case"
    if not rule_cls.summary():
        return f"rule {rule_cls.id}: missing docstring (its first line is the rule's summary)"
    if not isinstance(rule_cls.severity, Severity):
        return f"rule {rule_cls.id}: severity must be a linter.Severity"
    if rule_cls.subject not in (OperatorRecord, SourceText) and not (
        isinstance(rule_cls.subject, type) and issubclass(rule_cls.subject, Subject)
    ):
        return f"rule {rule_cls.id}: subject must be a Subject class"
    return None
