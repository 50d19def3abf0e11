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

import bisect
import fnmatch
import re
import weakref
from array import array
from itertools import compress
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple

from imslint.hookspecs import hookimpl
from imslint.model import Location, OperatorRecord, Problem, Related, Severity
from imslint.rule import Rule

from ._patterns import lazy_re

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

# Adobe's default allowOperator list: "enabled by default and must not be modified" (impact-ims-migration.md).
DEFAULT_ALLOWED_LOGINS = ["admin", "aemserver", "campaign-loginmonitor", "internal", "monitoring"]

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
_UNATTENDED_LOCALS = frozenset({
    "noreply", "no-reply", "no_reply", "no.reply", "donotreply", "do-not-reply", "do_not_reply",
    "do.not.reply", "nobody", "null", "none", "dummy", "fake", "changeme", "unknown",
})
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
        self._last: Optional[OperatorRecord] = None
        self._last_kind = ""
        self._last_batch: Optional[Sequence[OperatorRecord]] = None
        self._last_ends: Tuple[int, Any, Any] = (0, None, None)
        self._last_buckets: Tuple[List[str], Dict[str, List[OperatorRecord]]] = ([], {})

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
        # Every operator rule asks in turn about the same record: answer once.
        if op is self._last:
            return self._last_kind
        kind = self._kind(op)
        self._last, self._last_kind = op, kind
        return kind

    def buckets(self, ops: Sequence[OperatorRecord]) -> Tuple[List[str], Dict[str, List[OperatorRecord]]]:
        """(kind of each operator of ``ops``, the operators of each kind but ``ims``), once per batch.

        The operator rules of one run share this classifier, so a batch is classified once
        for all of them; nearly every operator of a big export is on IMS and lands in no bucket.
        """
        ends = (len(ops), ops[0], ops[-1]) if ops else (0, None, None)
        if ops is self._last_batch and ends == self._last_ends:  # (a list refilled in place is a new batch)
            return self._last_buckets
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
        self._last_batch, self._last_ends, self._last_buckets = ops, ends, (kinds, buckets)
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

# Classifiers shared by the rules of one run (keyed by the run's context, forgotten with it).
_CLASSIFIERS: "weakref.WeakKeyDictionary[Any, Dict[tuple, Classifier]]" = weakref.WeakKeyDictionary()


class _OperatorRule(Rule):
    """Shared plumbing: a classifier built once per run from the options and the code's logins."""

    subject = OperatorRecord
    tags: Tuple[str, ...] = ("ims-migration", "operators")

    def __init__(self) -> None:
        super().__init__()
        self._classifier: Optional[Classifier] = None
        self._options_ref: Optional[Mapping[str, Any]] = None

    def classifier(self, options: Mapping[str, Any]) -> Classifier:
        """The classifier for ``options`` (the engine passes the same mapping on every call).

        Rules of one run whose options agree share one classifier, so a record is
        classified once however many operator rules look at it.
        """
        if self._classifier is None or self._options_ref is not options:
            key = (
                tuple(_as_list(options.get("allowed-logins", DEFAULT_ALLOWED_LOGINS))),
                tuple(_as_list(options.get("technical-logins", DEFAULT_TECHNICAL_LOGINS))),
            )
            shared = _CLASSIFIERS.setdefault(self.context, {})
            classifier = shared.get(key)
            if classifier is None:
                classifier = shared[key] = Classifier(options, self.code_logins())
            self._classifier, self._options_ref = classifier, options
        return self._classifier

    def kind_of(self, op: OperatorRecord, options: Mapping[str, Any]) -> str:
        """``classifier(options).kind(op)`` in one call (the hot path of every operator rule)."""
        c = self._classifier
        if c is None or self._options_ref is not options:
            c = self.classifier(options)
        if op is c._last:
            return c._last_kind
        return c.kind(op)

    # The kind of operator the rule reports on (None: the rule looks at every record itself).
    reports_on: Optional[str] = None

    def check_batch(
        self, ops: Sequence[OperatorRecord], options: Mapping[str, Any]
    ) -> List[Tuple[OperatorRecord, Problem]]:
        """:meth:`check` over a batch of records, as (record, problem) pairs in record order.

        The same findings as calling ``check`` on each record, for a fraction of the cost: the
        batch is classified once for all the operator rules, and each rule only looks at the
        records of its own kind (an optional fast path for engines that hand out batches).
        """
        wanted = self.reports_on
        if wanted is None:
            return [(op, p) for op in ops for p in self.check(op, options)]
        bucket = self.classifier(options).buckets(ops)[1].get(wanted)
        if not bucket:
            return []
        check = self.check
        return [(op, p) for op in bucket for p in check(op, options)]

    def code_logins(self) -> Dict[str, List[Optional[Location]]]:
        """Lower-cased login -> places where scanned code logs on with it (facts of phase 0).

        A place may be None when the publishing rule did not say where.
        """
        out: Dict[str, List[Optional[Location]]] = {}
        for fact in self.context.facts("campaign-login"):
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


def email_problem(
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


_MERGE_SLICE = 1 << 17  # hashes per set when merging states (about 10 MB)


_TOP = 1 << 64  # the 64-bit email hashes of DuplicateEmail lie in [0, _TOP)


def _below(state: Sequence[Any], hi: int) -> List[Any]:
    """A :meth:`DuplicateEmail.export_state` (as a list) with only the operators whose email hash is below ``hi``.

    Given a list, it is changed in place, one array at a time: each old array is
    freed (when nothing else holds it) before the next is filtered, so the memory
    needed on top of the state is about half its largest array.
    """
    state = state if isinstance(state, list) else list(state)
    hashes = state[2]
    keep = bytes(map(hi.__gt__, hashes))  # one byte per operator, made in C
    kept = array("I", compress(range(len(hashes)), keep))
    state[2] = array("Q", compress(hashes, keep))
    del hashes
    state[3] = array("I", compress(state[3], keep))
    details = state[4] = array("i", compress(state[4], keep))
    blob, new_blob = state[5], bytearray()
    for j in compress(range(len(details)), map((0).__le__, details)):  # person operators: few
        off = details[j]
        size = int.from_bytes(blob[off : off + 4], "little")
        details[j] = len(new_blob)
        new_blob += blob[off : off + 4 + size]
    state[5] = bytes(new_blob)
    run_starts, run_exports = state[1]
    state[1] = ([bisect.bisect_left(kept, start) for start in run_starts], list(run_exports))
    state[6] = {h for h in state[6] if h < hi}
    lo, _, budget = state[7]
    state[7] = (lo, hi, budget)
    return state


def _ims_detail(login: str) -> int:
    """The negative marker DuplicateEmail stores for an IMS holder: -1 - a 30-bit hash of its login."""
    return -1 - (hash(login) & 0x3FFFFFFF)


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

    # Memory design (an export can hold a million operators, nearly all already on IMS):
    #  - every counted operator (person or IMS) costs three array slots: the 64-bit hash of its
    #    normalised email (8 bytes), its line (4 bytes; the export comes from a short list of runs:
    #    where each export's operators start in the arrays), and the offset of its details in a
    #    byte blob (4 bytes); IMS holders, whose details are never reported, store a negative
    #    number made from a 30-bit hash of their login instead (to recognise one operator seen in
    #    two exports): 16 bytes;
    #  - a one-hash bitmap ("Bloom filter with k=1") sized to 32 bits per counted operator, doubled
    #    as the run grows (4-8 bytes per operator): a hash whose bit is already set is a candidate
    #    duplicate. Every second occurrence of an email is a candidate; false candidates (at most
    #    ~1/32 of the operators) are weeded out in finish(), which scans the hash array once;
    #  - the details (login, label, email, authentication type) of person operators only, packed in
    #    the blob: those are the operators IMS001 reports, whose findings cost far more already.
    # So 20-24 bytes per operator, no Python object per email. The 64-bit hash (Python's SipHash,
    # stable within the run) collides for two distinct emails with probability ~n^2/2^65
    # (3e-8 for a million), and person/person pairs are verified on the stored emails anyway.
    #  - memory stays under ``max-memory`` (MiB) whatever the exports hold: when the arrays reach
    #    it, the rule keeps only the operators whose hash lies below a split point (about the median
    #    of those held; all holders of one email share a hash, so a kept email keeps all its
    #    holders) and drops the others. finish() reports the kept range, then reads the exports again
    #    (RunContext.read_again) for the range above it, as many times as needed. Exports under
    #    the limit (about 2.8 million operators at 64 MiB) are read once.
    _LOAD = 32  # bitmap bits per counted operator
    _ENTRY_BYTES = 24  # arrays and bitmap, per counted operator (at most)

    def __init__(self) -> None:
        super().__init__()
        self._hashes = array("Q")
        self._lines = array("I")
        self._details = array("i")
        self._blob = bytearray()
        self._exports: List[str] = []
        self._export_index: Dict[str, int] = {}
        self._run_starts: List[int] = []  # index in the arrays where each run of one export starts
        self._run_exports: List[int] = []  # and the export of that run
        self._nbits = 1 << 16
        self._mask = self._nbits - 1
        self._capacity = self._nbits // self._LOAD
        self._bits = bytearray(self._nbits >> 3)
        self._candidates: set = set()
        self._last_path: Optional[str] = None
        self._last_index = 0
        self._stale = False  # set by merge_state until the bitmap is rebuilt
        # Operators counted: those whose email hash h has lo <= h < hi (all of them unless memory ran short).
        self._lo, self._hi = 0, _TOP
        self._budget: Optional[int] = None  # most operators held at once (None: no limit)
        self._full_budget: Optional[int] = None  # the same for the whole run (this instance may hold a share)
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
            self._limit(int(mib * (1 << 20)) // self._ENTRY_BYTES)

    def _limit(self, full: int) -> None:
        """Hold at most this instance's share of ``full`` operators (pieces read at once share the budget)."""
        self._full_budget = full
        self._budget = max(1024, int(full * getattr(self.context, "memory_share", 1.0)))
        self._capacity = min(self._capacity, self._budget)

    def check(self, op: OperatorRecord, options: Mapping[str, Any]) -> Iterable[Problem]:
        """Record the email of a person or IMS operator; duplicates are reported in :meth:`finish`."""
        if not self._budget_set:
            self._set_budget(options)
        if self._stale:
            self._rebuild()
        if op.email and op.type == 0:
            kind = self.kind_of(op, options)  # computed once per record for all the rules
            if kind is _IMS or kind == "person":
                self._count(op, kind)
        return ()

    def check_batch(
        self, ops: Sequence[OperatorRecord], options: Mapping[str, Any]
    ) -> List[Tuple[OperatorRecord, Problem]]:
        """:meth:`check` over a batch (records are counted in order; findings come from :meth:`finish`)."""
        if not self._budget_set:
            self._set_budget(options)
        if self._stale:
            self._rebuild()
        # _count inlined for the operators on IMS (nearly all of a big export): same arrays, same order.
        # The rare cases (a person, a full bitmap or memory limit) go through _count itself, after which
        # the arrays and the range are taken again.
        hashes, add_line, add_detail, capacity, mask, bits, candidates, lo, hi = self._hot()
        bounded = lo or hi != _TOP
        for op, kind in zip(ops, self.classifier(options).buckets(ops)[0]):
            if kind is not _IMS:
                if kind == "person" and op.email:
                    self._count(op, kind)
                    hashes, add_line, add_detail, capacity, mask, bits, candidates, lo, hi = self._hot()
                    bounded = lo or hi != _TOP
                continue
            email = op.email
            if not email:
                continue
            email = email.strip().lower()
            if not email:
                continue
            h = hash(email) & 0xFFFFFFFFFFFFFFFF
            if bounded and not lo <= h < hi:
                continue
            if len(hashes) >= capacity:
                self._count(op, kind)  # makes room, or narrows the range, first
                hashes, add_line, add_detail, capacity, mask, bits, candidates, lo, hi = self._hot()
                bounded = lo or hi != _TOP
                continue
            path = op.path
            if path is not self._last_path:
                self._set_export(path)
            i = h & mask
            bit = 1 << (i & 7)
            i >>= 3
            if bits[i] & bit:
                candidates.add(h)
            else:
                bits[i] |= bit
            hashes.append(h)
            add_line(op.line & 0xFFFFFFFF)
            add_detail(-1 - (hash(op.login) & 0x3FFFFFFF))
        return []

    def _hot(self) -> Tuple[Any, ...]:
        """What the inlined loop of :meth:`check_batch` keeps in locals (taken again when _count changed it)."""
        return (
            self._hashes, self._lines.append, self._details.append, self._capacity, self._mask, self._bits,
            self._candidates, self._lo, self._hi,
        )

    def _export_idx(self, path: str) -> int:
        idx = self._export_index.get(path)
        if idx is None:
            idx = self._export_index[path] = len(self._exports)
            self._exports.append(path)
        return idx

    def _set_export(self, path: str) -> None:
        """The operators counted next belong to ``path`` (called before they are appended)."""
        idx = self._export_idx(path)
        if not self._run_exports or self._run_exports[-1] != idx:
            self._run_starts.append(len(self._hashes))
            self._run_exports.append(idx)
        self._last_path, self._last_index = path, idx

    def _count(self, op: OperatorRecord, kind: str) -> None:
        # The hot path of the rule set (it sees every operator of a million-row export): kept flat.
        email = op.email.strip().lower()
        if not email:
            return
        h = hash(email) & 0xFFFFFFFFFFFFFFFF
        if not self._lo <= h < self._hi:
            return
        hashes = self._hashes
        if len(hashes) >= self._capacity:
            self._make_room()
            hashes = self._hashes
            if not self._lo <= h < self._hi:
                return
        if kind is _IMS:
            detail = -1 - (hash(op.login) & 0x3FFFFFFF)
        else:
            detail = len(self._blob)
            fields = (op.login, op.label, op.email.strip(), op.authentication_type)
            if op.column > 1:  # a one-line export: the column of the operator's element too
                fields += (str(op.column),)
            packed = "\0".join(s.replace("\0", "\ufffd") for s in fields).encode("utf-8", "surrogatepass")
            self._blob += len(packed).to_bytes(4, "little")
            self._blob += packed
        if op.path is not self._last_path:
            self._set_export(op.path)
        i = h & self._mask
        byte, bit = i >> 3, 1 << (i & 7)
        bits = self._bits
        if bits[byte] & bit:
            self._candidates.add(h)
        else:
            bits[byte] |= bit
        hashes.append(h)
        self._lines.append(op.line & 0xFFFFFFFF)
        self._details.append(detail)

    def _make_room(self) -> None:
        """Room for one more operator: a bigger bitmap or, at the memory limit, the upper part of the hash range dropped."""
        budget = self._budget
        if budget is None or len(self._hashes) < budget:
            self._grow()
            return
        while len(self._hashes) >= budget:
            hi = self._split_point(budget)
            if hi is None:  # the holders of one email alone fill the budget: they cannot be split
                self._budget = None
                self._grow()
                return
            self._load(_below(self._release(), hi))

    def _split_point(self, budget: int) -> Optional[int]:
        """A hash ``hi`` such that the operators below it are some, but fewer than ``budget`` (about half).

        The median of a sample of the hashes; when one email's holders make up
        half of them, the bound just above or below that hash. None when those
        holders alone reach the budget.
        """
        hashes = self._hashes
        sample = sorted(hashes[:: max(1, len(hashes) // 4095)])
        median = sample[len(sample) // 2]
        for hi in (median, median + 1):
            kept = sum(map(hi.__gt__, hashes))
            if 0 < kept < budget:
                return hi
        return None

    def _release(self) -> List[Any]:
        """:meth:`export_state` as a list, which from now on is the only holder of the arrays (the bitmap is dropped)."""
        state = list(self.export_state())
        self._hashes, self._lines, self._details, self._blob = array("Q"), array("I"), array("i"), bytearray()
        self._bits = bytearray()
        return state

    def _load(self, state: Sequence[Any]) -> None:
        """Hold ``state`` (as :meth:`export_state` makes it) in place of the current arrays."""
        exports, (run_starts, run_exports), hashes, lines, details, blob, _, (lo, hi, _) = state
        self._exports = list(exports)
        self._export_index = {path: i for i, path in enumerate(self._exports)}
        self._run_starts, self._run_exports = list(run_starts), list(run_exports)
        self._hashes, self._lines, self._details, self._blob = hashes, lines, details, bytearray(blob)
        self._lo, self._hi = lo, hi
        self._last_path = None
        self._candidates = set()
        self._nbits = 1 << 16
        self._capacity = self._nbits // self._LOAD
        self._rebuild()

    def _grow(self) -> None:
        """Double the bitmap and set again the bits of every hash seen so far."""
        self._nbits <<= 1
        self._mask = mask = self._nbits - 1
        self._capacity = self._nbits // self._LOAD
        if self._budget is not None and self._capacity > self._budget:
            self._capacity = self._budget
        self._bits = bits = bytearray(self._nbits >> 3)
        cand = self._candidates
        for h in self._hashes:
            i = h & mask
            byte, bit = i >> 3, 1 << (i & 7)
            if bits[byte] & bit:
                cand.add(h)
            else:
                bits[byte] |= bit

    def export_state(self) -> Tuple[Any, ...]:
        """What :meth:`merge_state` needs: the arrays, the runs, the details blob, the exports, the candidates."""
        runs = (list(self._run_starts), list(self._run_exports))
        return (
            list(self._exports), runs, self._hashes, self._lines, self._details, bytes(self._blob), self._candidates,
            (self._lo, self._hi, self._full_budget),
        )

    def merge_state(self, state: Tuple[Any, ...]) -> None:
        """Append the operators counted by another instance (a piece of an export read in another process).

        Hashes are comparable because the processes are forked from this one (same
        hash seed); the candidates of both sides are kept, and an email held on both
        sides is found by meeting their hashes.
        """
        if not self._budget_set and state[7][2] is not None and self.context.can_read_again:
            self._budget_set = True  # this instance read nothing itself, so it saw no options: the pieces' limit
            self._limit(state[7][2])
        # Each side counted the hashes of its own range (all of them unless its memory ran short):
        # the merged state holds the range both counted in full.
        hi = min(self._hi, state[7][1])
        if self._hi > hi:
            self._load(_below(self._release(), hi))
        if state[7][1] > hi:
            state = _below(state, hi)
        exports, (run_starts, run_exports), hashes, lines, details, blob, candidates, _ = state
        index = [self._export_idx(path) for path in exports]
        start = len(self._hashes)
        self._run_starts.extend(s + start for s in run_starts)
        self._run_exports.extend(index[e] for e in run_exports)
        self._last_path = None  # the next operator counted here opens a run of its own
        self._candidates |= candidates
        if not start:
            # The first state merged into an empty instance is adopted as it is (no copy).
            self._hashes, self._lines, self._details, self._blob = hashes, lines, details, bytearray(blob)
            self._stale = True
            return
        self._lines.extend(lines)
        shift = len(self._blob)
        if shift + len(blob) > 0x7FFFFFFF:
            raise MemoryError("duplicate-email: more than 2 GiB of operator details")
        self._blob += blob
        if shift:
            details = array("i", details)
            for j in compress(range(len(details)), map((0).__le__, details)):  # person operators: few
                details[j] += shift
        self._details.extend(details)
        # An email held on both sides: sets of slices of the smaller side met by the larger, in C
        # (no bitmap walk in Python); slices bound the memory of the sets.
        small, large = sorted((self._hashes, hashes), key=len)
        for at in range(0, len(small), _MERGE_SLICE):
            self._candidates |= set(small[at : at + _MERGE_SLICE]).intersection(large)
        self._hashes.extend(hashes)
        self._stale = True  # the bitmap misses the new hashes: rebuilt if more operators come
        if self._budget is not None and len(self._hashes) >= self._budget:
            self._make_room()

    def _rebuild(self) -> None:
        """Size the bitmap for every hash held and set their bits again (after a merge)."""
        self._stale = False
        while len(self._hashes) >= self._capacity:
            self._nbits <<= 1
            self._capacity = self._nbits // self._LOAD
        self._nbits >>= 1
        self._grow()

    def _person_fields(self, i: int) -> List[str]:
        off = self._details[i]
        size = int.from_bytes(self._blob[off : off + 4], "little")
        return bytes(self._blob[off + 4 : off + 4 + size]).decode("utf-8", "surrogatepass").split("\0")

    def _person(self, i: int) -> Tuple[str, str, str, str]:
        login, label, email, auth = self._person_fields(i)[:4]
        return login, label, email, auth

    def _location(self, i: int) -> Location:
        run = bisect.bisect_right(self._run_starts, i) - 1
        path, line = self._exports[self._run_exports[run]], self._lines[i]
        if self._details[i] >= 0:  # a person: its column was kept when it is not 1 (a one-line export)
            fields = self._person_fields(i)
            if len(fields) > 4:
                column = int(fields[4])
                return Location(path, line, column, line, column + len("<operator"))
        return Location(path, line, 1)

    def finish(self, options: Mapping[str, Any]) -> Iterator[Problem]:
        """Report each person operator whose email another operator also holds.

        When memory ran short, the exports are read again for the hash range not
        yet counted (as often as needed): each pass counts and reports its own range.
        """
        yield from self._report()
        while self._hi < _TOP and self.context.can_read_again:
            self._load(((), ([], []), array("Q"), array("I"), array("i"), b"", set(), (self._hi, _TOP, None)))
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
        if not self._candidates:
            return
        hashes = self._hashes
        groups: Dict[int, List[int]] = {}
        # The candidates' positions are picked in C (compress over a membership map): a million
        # hashes cost milliseconds; only the few candidates reach the Python loop.
        for i in compress(range(len(hashes)), map(self._candidates.__contains__, hashes)):
            groups.setdefault(hashes[i], []).append(i)
        details = self._details
        for members in groups.values():
            if len(members) < 2:
                continue
            people = {i: self._person(i) for i in members if details[i] >= 0}
            if not people:
                continue  # IMS accounts only: no finding
            # Linear in the group's size (one shared mailbox may hold thousands of operators):
            # each member has an identity (a person's login, or an IMS holder's marker); the others
            # of an operator are the members of its email whose identity differs from its own.
            ims = [j for j in members if j not in people]
            ims_ids = {details[j] for j in ims}
            by_email: Dict[str, List[int]] = {}
            for i, person in people.items():
                by_email.setdefault(person[2].lower(), []).append(i)  # a 64-bit hash collision splits here
            for same in by_email.values():
                ident = {j: people[j][0].strip().lower() for j in same}
                persons_all = set(ident.values())
                pool = sorted(same + ims)
                for i in same:
                    login, label, email, auth = people[i]
                    me = ident[i]
                    mine = _ims_detail(login)  # this operator, seen on IMS in another export
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
                        elif details[j] == mine:
                            continue
                        else:
                            text = "also held by an operator already on IMS"
                        related.append(Related(self._location(j), text))
                        if len(related) == MAX_RELATED:
                            break
                    related = tuple(related)
                    if n == 1:
                        whom = "another operator, already on IMS" if on_ims else "another operator"
                    else:
                        whom = f"{n} other operators" + (f" ({on_ims} already on IMS)" if on_ims else "")
                    display = f"{login!r} ({label})" if label else repr(login)
                    yield Problem(
                        self._location(i),
                        f"operator {display} shares the email {email!r} with {whom}: an Adobe ID maps to a single "
                        "operator, so give each person their own address or delete the extra accounts",
                        key=login,
                        related=related,
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
        related = tuple(
            Related(loc, f"the code logs on as {op.login!r} here") for loc in uses if loc is not None
        )[:MAX_RELATED]
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


RULES = (NativeOperator, MissingEmail, InvalidEmail, DuplicateEmail, TechnicalOperator, OperatorGroup, DisabledOperator)


@hookimpl
def imslint_register_rules() -> Iterable[type]:
    """The operator rules IMS001-IMS007."""
    return list(RULES)


@hookimpl
def imslint_register_commands(cli: Any) -> None:
    """``imslint operators``: check operator exports and say whether the organisation is ready for IMS;
    ``imslint pull``: pull the operators of an instance over SOAP with an IMS technical account."""
    from .instance.command import register as register_pull
    from .readiness import register

    register(cli)
    register_pull(cli)
