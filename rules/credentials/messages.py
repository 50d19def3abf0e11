"""How findings name logins and expressions without ever showing a password."""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping, Optional, Tuple

from imslint.model import Fact, SourceText, secret_hash

from .._patterns import (
    DYNAMIC,
    LITERAL,
    PLACEHOLDER,
    Value,
    lazy_re,
    lowered,
)
from .model import DOC_LANGUAGES, FACT_KIND

# --------------------------------------------------------------------------- message helpers


_QUOTED_RE = lazy_re(r"""(["'`])((?:\\.|(?!\1)[^\\\n])*)\1""")
_KEY_LIKE_RE = lazy_re(r"^[A-Za-z_][\w.:\-]*$")


def _shown(expr: str) -> str:
    """An expression fit for a message: quoted contents that do not look like a key or option name become ``…``.

    ``"S3cret" + suffix`` must not put half a password in a message, while
    ``getOption("cusCrmPassword")`` stays readable.
    """

    def mask(m: "re.Match[str]") -> str:
        body = m.group(2)
        keylike = (
            _KEY_LIKE_RE.match(body)
            and (any(c in body for c in "_.:") or any(c.isupper() for c in body[1:]) or body.isupper())
            and not any(c.isdigit() for c in body)
        )
        return m.group(0) if keylike else f"{m.group(1)}…{m.group(1)}"

    return _QUOTED_RE.sub(mask, expr)


def _who(login: Value, secret: Optional[str] = None, capital: bool = True, passwords: Iterable[str] = ()) -> str:
    """How a message names a login. A login that is also a password somewhere in the file is not named:
    every output hides the file's passwords, and the login would show as ``<redacted:...>``."""
    if login.kind == LITERAL and login.text and login.text != secret and login.text not in passwords:
        return f"Campaign login {login.text!r}"
    if login.kind == LITERAL and login.text == secret:
        return ("A" if capital else "a") + " Campaign login whose password equals its login"
    if login.kind == LITERAL and login.text:
        return ("A" if capital else "a") + " Campaign login"  # not named: every output hides the file's passwords
    if login.kind == DYNAMIC and login.text:
        return ("A" if capital else "a") + f" Campaign login (from `{_shown(login.text)}`)"
    if login.kind == PLACEHOLDER and login.text:
        return ("A" if capital else "a") + f" Campaign login (filled in from `{_shown(login.text)}`)"
    return ("A" if capital else "a") + " Campaign login"


def _login_key(login: Value, secret: Optional[str] = None) -> str:
    if login.kind == LITERAL and login.text and login.text != secret:
        return login.text
    if login.kind == LITERAL and login.text:
        return "#" + secret_hash(login.text)
    return login.text or "?"


def _login_fact(subject: SourceText, login: Value, fallback: Tuple[int, int]) -> Optional[Fact]:
    if login.kind != LITERAL or not login.text:
        return None
    if login.start >= 0:
        loc = subject.location(login.start, login.end)
    else:
        loc = subject.location(*fallback)
    return Fact(FACT_KIND, login.text, loc)


def _is_doc(subject: SourceText) -> bool:
    return subject.language in DOC_LANGUAGES


def _extra(options: Mapping[str, Any]) -> Tuple[str, ...]:
    return tuple(str(x) for x in (options.get("extra-placeholders") or ()))


def _line(subject: SourceText, pos: int) -> int:
    return subject.line_col(pos)[0]


# --------------------------------------------------------------------------- the rules


def _names_campaign_endpoint(subject: SourceText) -> bool:
    """A file that mentions Logon and names Campaign's session service or SOAP router (a WSDL, a client's
    code): a few needles, not the whole context check, since most files that mention Logon are here."""
    if subject.embedded:
        return True
    low = lowered(subject.whole_text)
    return "xtk:session" in low or "soaprouter.jsp" in low or "schemawsdl.jsp" in low
