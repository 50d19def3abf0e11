"""Operator rules (IMS001-IMS007): what in an operator export blocks the move to Adobe IMS.

Every rule sorts an operator into one of a few kinds first (see :class:`Classifier`):
an IMS account (no finding), one of Adobe's built-in native operators (left alone),
a disabled native operator (IMS007), a technical operator used for API access
(IMS005), or a person who still signs in natively (IMS001, and IMS002-IMS004 about
the email that will become their Adobe ID). The kinds are exclusive, so IMS001 and
IMS005 never fire on the same operator.

``allowed-logins`` and ``technical-logins`` are options of each rule that needs them
(with the same defaults): users set them once for all in ``[tool.imslint.rules.IMS0]``.
"""

from __future__ import annotations

import fnmatch
import re
from typing import Any, ClassVar, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from imslint.hookspecs import hookimpl
from imslint.model import Fact, Location, OperatorRecord, Problem, Related, Severity
from imslint.rule import Rule
from imslint.rules import documented
from imslint.rules.campaign import DEFAULT_ALLOWED_LOGINS, LOGIN_FACT

from ._patterns import lazy_re
from .email_index import EmailIndex, EmailIndexState

__all__ = [
    "DEFAULT_ALLOWED_LOGINS",
    "DEFAULT_TECHNICAL_LOGINS",
    "DEFAULT_PLACEHOLDER_DOMAINS",
    "Classifier",
    "email_problem",
    "operator_properties",
    "NativeOperator",
    "MissingEmail",
    "InvalidEmail",
    "DuplicateEmail",
    "TechnicalOperator",
    "OperatorGroup",
    "DisabledOperator",
    "RULES",
    "imslint_register_rules",
    "imslint_register_commands",
]


# Case-insensitive globs. Adobe's documented technical operators (webapp, billing, central/local of
# Distributed Marketing, mc/mcN of Message Center, Interaction*), then common API naming.
DEFAULT_TECHNICAL_LOGINS = [
    "webapp",
    "billing",
    "central",
    "local",
    "mc",
    "mc[0-9]",
    "mc[0-9][0-9]",
    "interaction*",
    "api",
    "api_*",
    "api-*",
    "*_api",
    "*-api",
    "ws_*",
    "ws-*",
    "*_ws",
    "svc_*",
    "svc-*",
    "*_svc",
    "tech_*",
    "tech-*",
    "technical*",
    "soap_*",
    "integration_*",
    "*_integration",
]

# Domains nobody can receive mail at or claim in the Admin Console, besides the reserved
# ones (RFC 2606 / 6761: example.*, .test, .invalid, .localhost; and .local, mDNS/intranet).
DEFAULT_PLACEHOLDER_DOMAINS = [
    "test.com",
    "domain.com",
    "yourdomain.com",
    "yourcompany.com",
    "mycompany.com",
    "xxx.com",
    "foo.com",
    "bar.com",
    "foobar.com",
]

_RESERVED_DOMAINS = frozenset({"example.com", "example.net", "example.org", "localhost"})
_RESERVED_SUFFIXES = (".example", ".test", ".invalid", ".localhost", ".local")
# Mailboxes no person reads: they cannot be anyone's Adobe ID.
_UNATTENDED_LOCALS = frozenset(
    {
        "noreply",
        "no-reply",
        "no_reply",
        "no.reply",
        "donotreply",
        "do-not-reply",
        "do_not_reply",
        "do.not.reply",
        "nobody",
        "null",
        "none",
        "dummy",
        "fake",
        "changeme",
        "unknown",
    }
)
# "test@test.fr", "demo@demo.de": a word repeated on both sides of the '@'.
_PLACEHOLDER_WORDS = frozenset({"test", "demo", "sample", "user", "foo", "bar", "mail", "email", "name", "abc"})
# What an address may hold: ASCII letters, digits and a few signs, and any character from U+00A0 to
# U+FFFF. Written as negated classes: the positive ones (``[a-z\u00a0-\uffff]``) make ``re`` fill a
# 64k-entry table when they compile, 6 ms of every run that checks an email.
_LOCAL_RE = lazy_re(r"""^[^\x00-\x20"(),:;<>@\[\\\]\x7f-\x9f\U00010000-\U0010ffff]+$""")
_LABEL_RE = lazy_re(
    r"^[^\x00-\x2f:-`{-\x9f\U00010000-\U0010ffff]"
    r"(?:[^\x00-\x2c./:-`{-\x9f\U00010000-\U0010ffff]*[^\x00-\x2f:-`{-\x9f\U00010000-\U0010ffff])?$"
)

# "Peter Fischer <p.fischer@acme.com>", '"Fischer, Peter" <p.fischer@acme.com>', "<p.fischer@acme.com>" (RFC 5322 name-addr).
_NAME_ADDR_RE = re.compile(r'^(?:"[^"]*"|[^<>"@]*)\s*<([^<>]*)>$')

MAX_RELATED = 20  # SARIF viewers and terminals choke on long lists; the message gives the full count


# --------------------------------------------------------------------------- shared helpers


def _as_list(value: Any) -> List[str]:
    """An option that should be a list of strings (a lone string is accepted as a one-item list)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def operator_properties(op: OperatorRecord, **extra: Any) -> Dict[str, Any]:
    """The properties every operator finding carries (used by the worklist and the baseline)."""
    props: Dict[str, Any] = {
        "login": op.login,
        "label": op.label,
        "email": op.email,
        "authentication_type": op.authentication_type,
        "status": "disabled" if op.disabled else "active",
        "type": "group" if op.is_group else "operator",
    }
    props.update(extra)
    return props


class Classifier:
    """Sorts operators into exclusive kinds from a rule's options and the logins code uses.

    Kinds: ``ims``, ``group``, ``other`` (neither operator nor group), ``allowed``
    (Adobe's built-in native operators), ``disabled``, ``technical`` and ``person``.
    """

    def __init__(self, options: Mapping[str, Any], code_logins: Mapping[str, List[Optional[Location]]]) -> None:
        allowed = _as_list(options.get("allowed-logins", DEFAULT_ALLOWED_LOGINS))
        self.allowed = frozenset(s.strip().lower() for s in allowed)
        technical = _as_list(options.get("technical-logins", DEFAULT_TECHNICAL_LOGINS))
        patterns = [p.strip().lower() for p in technical if p.strip()]
        # One compiled alternation instead of a loop of fnmatch calls: the check runs per operator.
        self._technical_re = re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in patterns)) if patterns else None
        self._patterns = patterns
        self.code_logins = code_logins

    def matching_pattern(self, login: str) -> Optional[str]:
        """The first ``technical-logins`` glob matching ``login`` (case-insensitive), or None."""
        low = login.strip().lower()
        if self._technical_re is None or not self._technical_re.match(low):
            return None
        for p in self._patterns:
            if fnmatch.fnmatchcase(low, p):
                return p
        return None  # pragma: no cover - the alternation matched, so one pattern does

    def technical_reasons(self, op: OperatorRecord) -> List[str]:
        """Why ``op`` looks like an API (technical) operator; empty when it does not."""
        reasons: List[str] = []
        if op.no_console_cnx:
            reasons.append("access from the rich client is forbidden")
        pattern = self.matching_pattern(op.login)
        if pattern is not None:
            reasons.append(f"its login matches the technical pattern {pattern!r}")
        uses = self.code_logins.get(op.login.strip().lower())
        if uses:
            reasons.append(f"the scanned code logs on with it in {len(uses)} place{'s' if len(uses) != 1 else ''}")
        return reasons

    def kind(self, op: OperatorRecord) -> str:
        """The exclusive kind of ``op`` (see the class docstring)."""
        return self._kind(op)

    def buckets(self, ops: Sequence[OperatorRecord]) -> Tuple[List[str], Dict[str, List[OperatorRecord]]]:
        """(kind of each operator of ``ops``, the operators of each kind but ``ims``).

        Nearly every operator of a big export is on IMS and lands in no bucket.
        """
        kind = self._kind
        # The common case first: exact "ims" on an operator (the same answer _kind gives, faster).
        kinds = [_IMS if op.authentication_type in _IMS_EXACT and op.type == 0 else kind(op) for op in ops]
        buckets: Dict[str, List[OperatorRecord]] = {}
        for op, k in zip(ops, kinds):
            if k is not _IMS:
                bucket = buckets.get(k)
                if bucket is None:
                    buckets[k] = [op]
                else:
                    bucket.append(op)
        return kinds, buckets

    def _kind(self, op: OperatorRecord) -> str:
        if op.type == 0 and op.authentication_type in _IMS_EXACT:
            return _IMS  # the vast majority of a migrated export: answered before the general checks
        if op.is_group:
            return "group"
        if not op.is_operator:
            return "other"
        if op.uses_ims:
            return _IMS
        if op.login.strip().lower() in self.allowed:
            return "allowed"
        if op.disabled:
            return "disabled"
        if op.no_console_cnx or self.matching_pattern(op.login) is not None:
            return "technical"
        if op.login.strip().lower() in self.code_logins:
            return "technical"
        return "person"


_IMS = "ims"
_IMS_EXACT = frozenset({"ims", "IMS"})  # as XML exports and the console's CSV write it (uses_ims accepts any case)


class _OperatorRule(Rule):
    """Shared plumbing: a classifier built once per rule from the options and the code's logins.

    The operator rules of a run classify a batch of records once for all of them:
    the first to ask keeps the result in the batch's memo (:meth:`RunContext.memo`),
    keyed by the options that decide it.
    """

    subject = OperatorRecord
    tags: ClassVar[Tuple[str, ...]] = ("ims-migration", "operators")
    precision: ClassVar[Optional[str]] = "high"

    def __init__(self) -> None:
        super().__init__()
        self._classifier: Optional[Classifier] = None
        self._options_ref: Optional[Mapping[str, Any]] = None
        self._memo_key: Tuple[Any, ...] = ()

    def classifier(self, options: Mapping[str, Any]) -> Classifier:
        """The classifier for ``options`` (the engine passes the same mapping on every call)."""
        if self._classifier is None or self._options_ref is not options:
            self._memo_key = (
                "operators.buckets",
                tuple(_as_list(options.get("allowed-logins", DEFAULT_ALLOWED_LOGINS))),
                tuple(_as_list(options.get("technical-logins", DEFAULT_TECHNICAL_LOGINS))),
            )
            self._classifier, self._options_ref = Classifier(options, self.code_logins()), options
        return self._classifier

    def kind_of(self, op: OperatorRecord, options: Mapping[str, Any]) -> str:
        """``classifier(options).kind(op)`` in one call."""
        return self.classifier(options).kind(op)

    def buckets(
        self, ops: Sequence[OperatorRecord], options: Mapping[str, Any]
    ) -> Tuple[List[str], Dict[str, List[OperatorRecord]]]:
        """``classifier(options).buckets(ops)``, made once per batch for every operator rule with the same options."""
        classifier = self.classifier(options)
        memo = self.context.memo(ops)
        found = memo.get(self._memo_key)
        if found is None:
            found = memo[self._memo_key] = classifier.buckets(ops)
        return found

    # The kind of operator the rule reports on (None: the rule looks at every record itself).
    reports_on: Optional[str] = None

    def check_batch(
        self, ops: Sequence[OperatorRecord], options: Mapping[str, Any]
    ) -> List[Tuple[OperatorRecord, Union[Problem, Fact]]]:
        """:meth:`check` over a batch of records, as (record, problem) pairs in record order.

        The same findings as calling ``check`` on each record, for a fraction of the cost: the
        batch is classified once for all the operator rules, and each rule only looks at the
        records of its own kind (an optional fast path for engines that hand out batches).
        """
        wanted = self.reports_on
        if wanted is None:
            return [(op, p) for op in ops for p in self.check(op, options)]
        bucket = self.buckets(ops, options)[1].get(wanted)
        if not bucket:
            return []
        check = self.check
        return [(op, p) for op in bucket for p in check(op, options)]

    def code_logins(self) -> Dict[str, List[Optional[Location]]]:
        """Lower-cased login -> places where scanned code logs on with it (facts of phase 0).

        A place may be None when the publishing rule did not say where.
        """
        out: Dict[str, List[Optional[Location]]] = {}
        for fact in self.context.facts(LOGIN_FACT):
            value = fact.value if isinstance(fact.value, str) else str(fact.value)
            key = value.strip().lower()
            if not key:
                continue
            locs = out.setdefault(key, [])
            if fact.location is None or fact.location not in locs:
                locs.append(fact.location)
        return out


_CLASSIFIER_DEFAULTS = {
    "allowed-logins": list(DEFAULT_ALLOWED_LOGINS),
    "technical-logins": list(DEFAULT_TECHNICAL_LOGINS),
}


# --------------------------------------------------------------------------- IMS001


class NativeOperator(_OperatorRule):
    """Operator still signs in with a Campaign login and password

    An active operator whose authentication type is not IMS, that is neither a
    technical operator (technical-operator, IMS005, reports those) nor one of
    Adobe's built-in native operators listed in ``allowed-logins``.

    Campaign v8 and the IMS lockdown of v7.4.1 refuse native sign-in for people:
    every person must sign in with their Adobe ID. Give the operator the
    person's Adobe ID email, then switch its authentication type to IMS (the
    worklist written by ``imslint operators --worklist`` lists them all).

    Failing example (an active person, native)::

        <operator name="asmith" label="Alice Smith" email="alice.smith@acme.com">
          <access authenticationType="native"/>
        </operator>

    Passing example (migrated)::

        <operator name="alice.smith@acme.com" label="Alice Smith" email="alice.smith@acme.com">
          <access authenticationType="ims"/>
        </operator>
    """

    id = "IMS001"
    name = "native-operator"
    severity = Severity.ERROR
    reports_on = "person"
    defaults = dict(_CLASSIFIER_DEFAULTS)

    def check(self, op: OperatorRecord, options: Mapping[str, Any]) -> Iterable[Problem]:
        """Report an active person who signs in natively."""
        if self.kind_of(op, options) != "person":
            return ()
        return [
            Problem(
                op.location,
                f"operator {op.display} still signs in with a Campaign login and password: set its email to the "
                "person's Adobe ID, then switch its authentication type to IMS",
                key=op.login,
                properties=operator_properties(op),
            )
        ]


# --------------------------------------------------------------------------- IMS002


class MissingEmail(_OperatorRule):
    """Native operator has no email, so it cannot be mapped to an Adobe ID

    An active person operator (as native-operator, IMS001, reports) with an
    empty ``@email``.

    The move to IMS matches each operator to an Adobe ID through its email.
    Without one the person loses access (or a second operator is created at
    their first IMS sign-in). Fill ``@email`` with the person's Adobe ID
    address (for a batch, Adobe's procedure: export Name and Label, add the
    emails, import them with an Update data activity).

    Failing example::

        <operator name="jdoe" label="John Doe"><access authenticationType="native"/></operator>

    Passing example::

        <operator name="jdoe" label="John Doe" email="john.doe@acme.com">
          <access authenticationType="native"/>
        </operator>
    """

    id = "IMS002"
    name = "missing-email"
    severity = Severity.ERROR
    reports_on = "person"
    defaults = dict(_CLASSIFIER_DEFAULTS)

    def check(self, op: OperatorRecord, options: Mapping[str, Any]) -> Iterable[Problem]:
        """Report an active person operator without email."""
        if op.email.strip() or self.kind_of(op, options) != "person":
            return ()
        return [
            Problem(
                op.location,
                f"native operator {op.display} has no email, so it cannot be mapped to an Adobe ID: "
                "set its email to the person's Adobe ID address",
                key=op.login,
                properties=operator_properties(op),
            )
        ]


# --------------------------------------------------------------------------- IMS003


def email_problem(  # noqa: C901
    email: str,
    allowed_domains: Sequence[str] = (),
    placeholder_domains: Sequence[str] = tuple(DEFAULT_PLACEHOLDER_DOMAINS),
) -> Optional[str]:
    """Why ``email`` cannot be a person's Adobe ID (a short reason), or None when it can.

    A display name with the address in angle brackets (``Peter Fischer
    <p.fischer@acme.com>``, as mail clients copy it) is judged by the address in
    the brackets. Checked, in order: a list of addresses (``a@acme.com,
    b@acme.com``: an Adobe ID is one address), spaces, the ``name@domain`` shape
    (no ``@``, more than one, nothing before or after it), the characters of the
    local part and of the domain labels, a domain with a dot and a top-level
    domain of two letters or more, reserved or local domains (``example.com``,
    ``.test``, ``.invalid``, ``.localhost``, ``.local``), ``placeholder_domains``,
    unattended mailboxes (``noreply``, ``nobody``...), placeholder pairs (the same
    short or placeholder word on both sides: ``a@a.com``, ``xxx@xxx.fr``,
    ``test@test.fr``), then ``allowed_domains`` when given.
    """
    value = email.strip()
    m = _NAME_ADDR_RE.match(value)
    if m:
        value = m.group(1).strip()
    ats = value.count("@")
    if ats > 1 and (any(c in value for c in ",;") or any(c.isspace() for c in value)):
        return f"it is a list of {ats} addresses: an Adobe ID is one address"
    if any(c.isspace() for c in value):
        return "it contains spaces"
    if ats != 1:
        return f"it {'has no' if not ats else 'has more than one'} '@': it is not of the form name@domain"
    local, domain = value.split("@")
    if not local or not domain:
        return f"there is nothing {'before' if not local else 'after'} '@': it is not of the form name@domain"
    if len(local) > 64 or len(value) > 254:
        return "it is too long"
    if local.startswith(".") or local.endswith(".") or ".." in local or not _LOCAL_RE.match(local):
        return "the part before '@' is not valid"
    dom = domain.lower()
    if "." not in dom:
        return "its domain has no dot"
    labels = dom.split(".")
    if any(not _LABEL_RE.match(label) or len(label) > 63 for label in labels):
        return "its domain is not valid"
    tld = labels[-1]
    if len(tld) < 2 or tld.isdigit():
        return "its domain is not valid"
    if dom in _RESERVED_DOMAINS or dom.endswith(_RESERVED_SUFFIXES) or dom.split(".", 1)[1] in _RESERVED_DOMAINS:
        return "its domain is reserved for examples or local networks"
    placeholders = {d.strip().lower() for d in placeholder_domains}
    if dom in placeholders:
        return "its domain is a placeholder"
    low_local = local.lower()
    if low_local in _UNATTENDED_LOCALS:
        return "it is an unattended mailbox"
    if low_local == labels[0] and (len(low_local) <= 2 or len(set(low_local)) == 1 or low_local in _PLACEHOLDER_WORDS):
        return "it looks like a placeholder"
    allowed = [d.strip().lower().lstrip("@") for d in allowed_domains if d.strip()]
    if allowed and not any(dom == d or dom.endswith("." + d) for d in allowed):
        return "its domain is not one of the organisation's domains (allowed-domains)"
    return None


class InvalidEmail(_OperatorRule):
    """Native operator's email cannot be a person's Adobe ID

    An active person operator (as native-operator, IMS001, reports) whose email
    is not a usable address: a list of addresses, spaces, no ``name@domain``
    shape (``jdoe``, ``jdoe@``, ``@acme.com``, ``a@b@acme.com``), invalid
    characters, a domain without a dot, a reserved or local domain
    (``example.com``, ``.test``, ``.invalid``, ``.localhost``, ``.local``), a
    domain of ``placeholder-domains``, an unattended mailbox (``noreply@``,
    ``nobody@``...) or a placeholder pair such as ``a@a.com``. With
    ``allowed-domains`` set (for example ``["acme.com"]``), the domain must be
    one of them or a subdomain of one. A display name with the address in angle
    brackets (``Peter Fischer <p.fischer@acme.com>``) is judged by the address.
    The message gives the reason.

    The email becomes the operator's Adobe ID: mail must reach the person and
    the domain must be one the organisation can claim in the Admin Console.
    Set the person's real work address.

    Failing example::

        <operator name="jdoe" label="John Doe" email="test@test.com"/>

    Passing example::

        <operator name="jdoe" label="John Doe" email="john.doe@acme.com"/>
    """

    id = "IMS003"
    name = "invalid-email"
    severity = Severity.ERROR
    reports_on = "person"
    defaults = dict(
        _CLASSIFIER_DEFAULTS,
        **{"allowed-domains": [], "placeholder-domains": list(DEFAULT_PLACEHOLDER_DOMAINS)},
    )

    def check(self, op: OperatorRecord, options: Mapping[str, Any]) -> Iterable[Problem]:
        """Report an active person operator whose email is not usable."""
        if not op.email.strip() or self.kind_of(op, options) != "person":
            return ()
        reason = email_problem(
            op.email,
            _as_list(options.get("allowed-domains", [])),
            _as_list(options.get("placeholder-domains", DEFAULT_PLACEHOLDER_DOMAINS)),
        )
        if reason is None:
            return ()
        return [
            Problem(
                op.location,
                f"operator {op.display} has the email {op.email.strip()!r}, which cannot be an Adobe ID ({reason}): "
                "set the person's real work address",
                key=op.login,
                properties=operator_properties(op, reason=reason),
            )
        ]


# --------------------------------------------------------------------------- IMS004


class DuplicateEmail(_OperatorRule):
    """Several operators share one email, but an Adobe ID maps to a single operator

    Reported on each active person operator (as native-operator, IMS001,
    reports) whose email (trimmed, case-insensitive) is also held by another
    such operator or by an operator already on IMS, in any export of the run.
    Each occurrence is reported and points at the others.

    At the move to IMS, Campaign finds the operator of an Adobe ID by its
    email: two operators with one address collide, and one person ends up
    with the other's rights. Give each person their own address, or delete
    the extra accounts.

    The rule keeps about 24 bytes per operator, and no more than
    ``max-memory`` MiB (default 64, about 2.8 million operators; 0 for no
    limit): beyond it, it counts the emails in parts, reading the exports
    again once per part, so memory stays flat whatever the size of the
    exports, at the cost of more reading for the largest ones.

    Failing example::

        <operator name="jdoe" label="John Doe" email="team@acme.com"/>
        <operator name="asmith" label="Alice Smith" email="Team@acme.com"/>

    Passing example::

        <operator name="jdoe" label="John Doe" email="john.doe@acme.com"/>
        <operator name="asmith" label="Alice Smith" email="alice.smith@acme.com"/>
    """

    id = "IMS004"
    name = "duplicate-email"
    severity = Severity.ERROR
    defaults = {**_CLASSIFIER_DEFAULTS, "max-memory": 64}

    # Every person and IMS operator goes into an EmailIndex (rules/email_index.py: flat arrays, 20-24
    # bytes per operator). When the index reaches ``max-memory``, it keeps only the operators of the
    # lower part of the hash range: finish() reports that range, then reads the exports again
    # (RunContext.read_again) for the range above it, as many times as needed. Exports under the
    # limit (about 2.8 million operators at 64 MiB) are read once.

    def __init__(self) -> None:
        super().__init__()
        self.index = EmailIndex()
        self._budget_set = False

    def _set_budget(self, options: Mapping[str, Any]) -> None:
        """Take ``max-memory`` from the options (once): a limit only where the run can read its exports again."""
        self._budget_set = True
        if not self.context.can_read_again:
            return
        try:
            mib = float(options.get("max-memory", self.defaults["max-memory"]))
        except (TypeError, ValueError):
            raise ValueError(f"option max-memory must be a number of MiB, not {options.get('max-memory')!r}") from None
        if mib > 0:
            self._limit(int(mib * (1 << 20)) // EmailIndex.ENTRY_BYTES)

    def _limit(self, run_budget: int) -> None:
        """Hold at most this instance's share of ``run_budget`` operators (pieces read at once share the budget)."""
        self.index.limit(run_budget, getattr(self.context, "memory_share", 1.0))

    def check(self, op: OperatorRecord, options: Mapping[str, Any]) -> Iterable[Problem]:
        """Record the email of a person or IMS operator; duplicates are reported in :meth:`finish`."""
        if not self._budget_set:
            self._set_budget(options)
        if op.email and op.type == 0:
            kind = self.kind_of(op, options)
            if kind is _IMS or kind == "person":
                self.index.add(op, kind is not _IMS)  # (person)
        return ()

    def check_batch(
        self, ops: Sequence[OperatorRecord], options: Mapping[str, Any]
    ) -> List[Tuple[OperatorRecord, Union[Problem, Fact]]]:
        """:meth:`check` over a batch (records are counted in order; findings come from :meth:`finish`)."""
        if not self._budget_set:
            self._set_budget(options)
        self.index.add_batch(ops, self.buckets(ops, options)[0])
        return []

    def export_state(self) -> EmailIndexState:
        """The state of the email index, for :meth:`merge_state` in the main process."""
        return self.index.export_state()

    def merge_state(self, state: EmailIndexState) -> None:
        """Add the operators counted by another instance (a piece of an export read in another process)."""
        if not self._budget_set and state.budget is not None and self.context.can_read_again:
            self._budget_set = True  # this instance read nothing itself, so it saw no options: the pieces' limit
            self._limit(state.budget)
        self.index.merge_state(state)

    def finish(self, options: Mapping[str, Any]) -> Iterator[Problem]:
        """Report each person operator whose email another operator also holds.

        When memory ran short, the exports are read again for the hash range not
        yet counted (as often as needed): each pass counts and reports its own range.
        """
        yield from self._report()
        while self.index.truncated and self.context.can_read_again:
            self.index.count_next_range()
            batch: List[OperatorRecord] = []
            for op in self.context.read_again(OperatorRecord.kind):
                batch.append(op)
                if len(batch) >= 1024:
                    self.check_batch(batch, options)
                    batch = []
            if batch:
                self.check_batch(batch, options)
            yield from self._report()

    def _report(self) -> Iterator[Problem]:
        """The problems of the operators counted so far (the current hash range)."""
        index = self.index
        for members in index.duplicate_groups():
            people = {i: p for i, p in ((i, index.person(i)) for i in members) if p is not None}
            if not people:
                continue  # IMS accounts only: no finding
            # Linear in the group's size (one shared mailbox may hold thousands of operators):
            # each member has an identity (a person's login, or an IMS holder's id); the others
            # of an operator are the members of its email whose identity differs from its own.
            ims = {j: index.ims_id(j) for j in members if j not in people}
            ims_ids = set(ims.values())
            by_email: Dict[str, List[int]] = {}
            for i, person in people.items():
                by_email.setdefault(person[2].lower(), []).append(i)  # a 64-bit hash collision splits here
            for same in by_email.values():
                ident = {j: people[j][0].strip().lower() for j in same}
                persons_all = set(ident.values())
                pool = sorted(same + list(ims))
                for i in same:
                    login, label, email, auth = people[i]
                    me = ident[i]
                    mine = EmailIndex.ims_id_of(login)  # this operator, seen on IMS in another export
                    # The same operator in two exports of one instance (same login) is not a duplicate.
                    persons = len(persons_all) - 1
                    on_ims = len(ims_ids) - (mine in ims_ids)
                    n = persons + on_ims
                    if not n:
                        continue  # the same operator seen twice, or a 64-bit hash collision
                    related = []
                    for j in pool:
                        if j in ident:
                            if ident[j] == me:
                                continue
                            text = f"also held by {people[j][0]!r}"
                        elif ims[j] == mine:
                            continue
                        else:
                            text = "also held by an operator already on IMS"
                        related.append(Related(index.location(j), text))
                        if len(related) == MAX_RELATED:
                            break
                    related_all = tuple(related)
                    if n == 1:
                        whom = "another operator, already on IMS" if on_ims else "another operator"
                    else:
                        whom = f"{n} other operators" + (f" ({on_ims} already on IMS)" if on_ims else "")
                    display = f"{login!r} ({label})" if label else repr(login)
                    yield Problem(
                        index.location(i),
                        f"operator {display} shares the email {email!r} with {whom}: an Adobe ID maps to a single "
                        "operator, so give each person their own address or delete the extra accounts",
                        key=login,
                        related=related_all,
                        properties={
                            "login": login,
                            "label": label,
                            "email": email,
                            "authentication_type": auth,
                            "status": "active",
                            "type": "operator",
                            "shared_with": n,
                        },
                    )


# --------------------------------------------------------------------------- IMS005


class TechnicalOperator(_OperatorRule):
    """Native technical operator used for API access: replace it with a Developer Console technical account

    An active native operator that looks like an API account: access from the
    rich client is forbidden (``access/@noConsoleCnx``), its login matches
    ``technical-logins`` (Adobe's technical operators ``webapp``, ``billing``,
    ``central``, ``local``, ``mc``/``mcN``, ``interaction*``, and common API
    names such as ``api_*`` or ``svc_*``; case-insensitive globs), or the
    scanned code logs on with it (those places are listed). Adobe's built-in
    native operators (``allowed-logins``) are not reported.

    Adobe requires technical operators to move to an Adobe Developer Console
    project with an OAuth Server-to-Server credential (from v7.3.5, mandatory
    for v8 and from v8.6); the legacy operator must then be deleted. Create the
    technical account, switch each integration to IMS bearer tokens, then
    delete this operator.

    Failing example::

        <operator name="api_crm" label="CRM integration">
          <access authenticationType="native" noConsoleCnx="true"/>
        </operator>

    Passing example (the Developer Console technical account that replaced it)::

        <operator name="d42aevjzttjc6lzadubvpa15@techacct.adobe.com" label="CRM integration">
          <access authenticationType="ims"/>
        </operator>
    """

    id = "IMS005"
    name = "technical-operator"
    severity = Severity.WARNING
    reports_on = "technical"
    defaults = dict(_CLASSIFIER_DEFAULTS)

    def check(self, op: OperatorRecord, options: Mapping[str, Any]) -> Iterable[Problem]:
        """Report an active native operator that looks like an API account."""
        if self.kind_of(op, options) != "technical":
            return ()
        classifier = self.classifier(options)
        reasons = classifier.technical_reasons(op)
        uses = classifier.code_logins.get(op.login.strip().lower(), [])
        related = tuple(Related(loc, f"the code logs on as {op.login!r} here") for loc in uses if loc is not None)[
            :MAX_RELATED
        ]
        return [
            Problem(
                op.location,
                f"operator {op.display} is a native technical operator ({'; '.join(reasons)}): replace it with an "
                "Adobe Developer Console technical account (OAuth Server-to-Server), move its integrations to "
                "that account, then delete this operator",
                key=op.login,
                related=related,
                properties=operator_properties(op, code_uses=len(uses)),
            )
        ]


# --------------------------------------------------------------------------- IMS006


class OperatorGroup(_OperatorRule):
    """Operator group to map to an Admin Console product profile

    Every operator group (``@type`` 1) of the export. With IMS, rights come
    from Admin Console product profiles named ``campaign - <instance> - <group
    internal name>``; option ``instance`` fills in the instance name.

    Create the product profile and add to it the people who are members of the
    group today. A group whose name holds "admin" grants Campaign Control Panel
    access once operators sign in through IMS: keep its profile to
    administrators.

    Failing example (a note, as a reminder)::

        <operator name="delivery" label="Delivery operators" type="1"/>

    Passing example (operators and IMS accounts are not groups)::

        <operator name="bob@acme.com" label="Bob Martin"><access authenticationType="ims"/></operator>
    """

    id = "IMS006"
    name = "operator-group"
    severity = Severity.NOTE
    reports_on = "group"
    defaults = {"instance": "<instance>"}

    def check(self, op: OperatorRecord, options: Mapping[str, Any]) -> Iterable[Problem]:
        """Report each group with the product profile it maps to."""
        if op.type != 1:
            return ()
        instance = str(options.get("instance", "<instance>")).strip() or "<instance>"
        profile = f"campaign - {instance} - {op.login}"
        admin = "admin" in op.login.lower()
        note = (
            "; its name holds 'admin', so after the IMS migration the profile grants Campaign Control Panel "
            "access: keep it to administrators"
            if admin
            else ""
        )
        return [
            Problem(
                op.location,
                f"operator group {op.display}: create the Admin Console product profile {profile!r} and add the "
                f"group's members to it{note}",
                key=op.login,
                properties=operator_properties(op, product_profile=profile, admin=admin),
            )
        ]


# --------------------------------------------------------------------------- IMS007


class DisabledOperator(_OperatorRule):
    """Disabled operator still set to native authentication: delete it or migrate it

    A native operator whose account is disabled (``@disable``), other than
    Adobe's built-in native operators (``allowed-logins``).

    A disabled native account is migration debris: if it is enabled again it
    signs in with a password that IMS lockdown refuses. Delete it, or migrate
    it to IMS (with the person's Adobe ID email) before enabling it again.

    Failing example::

        <operator name="oldintern" label="Former intern" disable="1"/>

    Passing example::

        <operator name="bob@acme.com" label="Bob Martin" disable="1"><access authenticationType="ims"/></operator>
    """

    id = "IMS007"
    name = "disabled-operator"
    severity = Severity.NOTE
    reports_on = "disabled"
    defaults = {"allowed-logins": list(DEFAULT_ALLOWED_LOGINS)}

    def check(self, op: OperatorRecord, options: Mapping[str, Any]) -> Iterable[Problem]:
        """Report a disabled native operator."""
        if self.kind_of(op, options) != "disabled":
            return ()
        return [
            Problem(
                op.location,
                f"operator {op.display} is disabled but still native: delete it, or migrate it to IMS before "
                "enabling it again",
                key=op.login,
                properties=operator_properties(op),
            )
        ]


RULES = documented(
    NativeOperator, MissingEmail, InvalidEmail, DuplicateEmail, TechnicalOperator, OperatorGroup, DisabledOperator
)


@hookimpl
def imslint_register_rules() -> Iterable[type]:
    """The operator rules IMS001-IMS007."""
    return list(RULES)


@hookimpl
def imslint_register_output_recognisers() -> Iterable[Any]:
    """The worklist written by ``imslint operators --worklist``: left out when found in a scanned tree."""
    from .worklist import WorklistRecogniser

    return [WorklistRecogniser()]


@hookimpl
def imslint_register_commands(cli: Any) -> None:
    """``imslint operators``: check operator exports and say whether the organisation is ready for IMS;
    ``imslint pull``: pull the operators of an instance over SOAP with an IMS technical account."""
    from .instance.command import register as register_pull
    from .readiness import register

    register(cli)
    register_pull(cli)
