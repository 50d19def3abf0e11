"""What the credential analysis finds in one subject: logon sites, session tokens, marks, and shared constants."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from .._patterns import LITERAL, Value
from ..campaign import LOGIN_FACT

MIGRATE = (
    "use an Adobe Developer Console technical account (OAuth server-to-server) and send `Authorization: Bearer <token>`"
)
FACT_KIND = LOGIN_FACT
# facts of IMS101's cross-file step (see HardcodedCredentials.finish)
WRAPPER = "campaign-logon-wrapper"  # value: "name\tlogin index\tpassword index", where the helper is defined
LONELY_LOGON = "campaign-lonely-logon"  # a file with a `Logon(` call and nothing that names Campaign
LONELY_SDK = "campaign-lonely-sdk-client"  # a file with a `new Client(` and nothing that names Campaign
DOC_LANGUAGES = frozenset({"markdown"})

# --------------------------------------------------------------------------- analysis model


@dataclass
class LogonSite:
    """A place where code logs on with a login and a password."""

    how: str  # human description of the mechanism, secret-free
    start: int  # the site (call, element, key) in the subject text
    end: int
    login: Value
    password: Value
    config: bool = False  # a configuration key rather than code that logs on
    via: str = ""  # name of the variable the password was resolved through ("" when direct)
    at: int = -1  # where a warning about the site goes when not at ``start`` (the password element of a SOAP body)


@dataclass
class TokenSite:
    """A ``login/password`` session token."""

    how: str
    start: int
    end: int
    login: Value
    password: Value
    in_url: bool = False
    via: str = ""


@dataclass
class Mark:
    """A spot worth a warning of its own: an anchor, an upgrade-check hit, a URL token, an escalation."""

    kind: str
    start: int
    end: int
    text: str = ""
    covered: bool = False


@dataclass
class Analysis:
    """Everything :func:`analyze` found in one subject."""

    context: bool
    logons: List[LogonSite] = field(default_factory=list)
    tokens: List[TokenSite] = field(default_factory=list)
    url_tokens: List[Mark] = field(default_factory=list)
    anchors: List[Mark] = field(default_factory=list)
    legacy_calls: List[Mark] = field(default_factory=list)
    escalations: List[Tuple[Value, int, int]] = field(default_factory=list)
    wrappers: List[Tuple[str, Optional[int], int]] = field(
        default_factory=list
    )  # (function, login index, password index)
    wrapper_at: List[int] = field(default_factory=list)  # where each wrapper is defined
    lonely: List[int] = field(
        default_factory=list
    )  # `Logon(` calls left alone for want of Campaign context in the file
    lonely_sdk: bool = (
        False  # a `new Client(` left alone for the same reason (acc-js-sdk 0.x required by a relative path)
    )

    @property
    def passwords(self) -> "frozenset[str]":
        """The literal passwords of the file: what every output hides."""
        return frozenset(
            [s.password.text for s in self.logons if s.password.kind == LITERAL]
            + [t.password.text for t in self.tokens if t.password.kind == LITERAL]
        )


class Spans:
    """Disjoint, sorted text spans already explained by a site (so that a second scanner skips them)."""

    def __init__(self) -> None:
        self.starts: List[int] = []
        self.ends: List[int] = []

    def add(self, span: Tuple[int, int]) -> None:
        """Cover ``[start, end)``, merging with the spans it touches."""
        start, end = span
        i = bisect.bisect_left(self.ends, start)
        j = i
        while j < len(self.starts) and self.starts[j] <= end:
            start = min(start, self.starts[j])
            end = max(end, self.ends[j])
            j += 1
        self.starts[i:j] = [start]
        self.ends[i:j] = [end]

    def __contains__(self, pos: int) -> bool:
        i = bisect.bisect_right(self.starts, pos) - 1
        return i >= 0 and pos < self.ends[i]
