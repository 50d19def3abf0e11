"""Suggested migrations for the shapes where the IMS version is mechanical (attached to problems as fixes).

Each builder checks the text it replaces has the exact expected shape and returns
None otherwise: a fix is offered only when it is certain. The inserted text is
built from fixed templates and from pieces of the call that are not credentials
(the endpoint argument); the host drops any fix in which a secret of the file
appears.
"""

from __future__ import annotations

import re
from typing import List, Optional, Tuple

from imslint.fixes import span
from imslint.model import Fix, SourceText

# Where an integration gets its IMS access token in the suggested code: an environment variable
# that an OAuth server-to-server token request (ims/token/v3, client_credentials) fills in.
TOKEN_VARIABLES = {"js": "process.env.IMS_ACCESS_TOKEN", "jssp": "process.env.IMS_ACCESS_TOKEN"}

_OPEN_RE = re.compile(r"<((?:[A-Za-z_][\w.-]*:)?)(sessiontoken)((?:\s[^<>]*)?)>\s*\Z", re.IGNORECASE)
_SDK_USER_RE = re.compile(r"ofUserAndPassword\s*\(")


def session_token_fix(subject: SourceText, start: int, end: int) -> Optional[Fix]:
    """``<sessiontoken>login/password</sessiontoken>`` to an empty ``<sessiontoken/>``.

    ``text[start:end]`` is the token.
    """
    text = subject.text
    before = text[max(0, start - 300) : start]
    m = _OPEN_RE.search(before)
    if m is None:
        return None
    close = re.compile(r"\s*</" + re.escape(m.group(1) + m.group(2)) + r"\s*>")
    m2 = close.match(text, end)
    if m2 is None:
        return None
    a = start - (len(before) - m.start())
    attrs = m.group(3).rstrip()
    return Fix(
        "Leave the session token empty and send the IMS access token of an Adobe Developer Console technical "
        "account (OAuth server-to-server) as an Authorization: Bearer header with the request",
        (span(subject, a, m2.end(), f"<{m.group(1)}{m.group(2)}{attrs}/>"),),
    )


def _arguments(text: str, open_paren: int, limit: int = 2000) -> Optional[Tuple[List[Tuple[int, int]], int]]:
    """The top-level argument spans of the call whose ``(`` is at ``open_paren``, and the offset of its ``)``."""
    depth, quote, i, start = 0, "", open_paren + 1, open_paren + 1
    spans: List[Tuple[int, int]] = []
    end = min(len(text), open_paren + limit)
    while i < end:
        c = text[i]
        if quote:
            if c == "\\":
                i += 2
                continue
            if c == quote:
                quote = ""
        elif c in "\"'`":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                if c != ")":
                    return None
                if text[start:i].strip():
                    spans.append((start, i))
                return spans, i
            depth -= 1
        elif c == "," and depth == 0:
            spans.append((start, i))
            start = i + 1
        elif c in "\n" and text[start:i].strip().startswith("//"):
            return None
        i += 1
    return None


def sdk_user_fix(subject: SourceText, start: int, end: int) -> Optional[Fix]:
    """acc-js-sdk ``ofUserAndPassword(url, login, password[, options])`` to ``ofImsBearerToken(...)``.

    The token comes from :data:`TOKEN_VARIABLES`.
    """
    token = TOKEN_VARIABLES.get(subject.language)
    if token is None:
        return None
    text = subject.text
    m = _SDK_USER_RE.search(text, start, min(len(text), end + 1))
    if m is None:
        return None
    parsed = _arguments(text, m.end() - 1)
    if parsed is None:
        return None
    args, close = parsed
    if len(args) not in (3, 4):
        return None
    url = text[args[0][0] : args[0][1]].strip()
    options = [text[args[3][0] : args[3][1]].strip()] if len(args) == 4 else []
    if not url or "\n" in url or len(url) > 200:
        return None
    call = f"ofImsBearerToken({', '.join([url, token] + options)})"
    return Fix(
        "Connect with the IMS access token of an Adobe Developer Console technical account (OAuth server-to-server, "
        f"token from ims/token/v3 with grant_type=client_credentials) held in {token}",
        (span(subject, m.start(), close + 1, call),),
    )


def jwt_exchange_fix(subject: SourceText, start: int, end: int) -> Optional[Fix]:
    """The JWT exchange path ``/ims/exchange/jwt`` of a URL to the OAuth server-to-server ``/ims/token/v3``."""
    text = subject.text
    if text[start:end].lower() != "/ims/exchange/jwt":
        return None
    stop = end + 1 if text[end : end + 1] == "/" else end
    after = text[stop : stop + 1]
    if after and after not in "\"'`?#) \t\r\n":
        return None
    return Fix(
        "Request the token from ims/token/v3 (OAuth server-to-server): POST grant_type=client_credentials with "
        "client_id, client_secret and scope instead of a signed JWT",
        (span(subject, start, stop, "/ims/token/v3"),),
    )


_ZEEP_LINE_RE = re.compile(
    r"(?P<indent>[ \t]*)(?:(?P<target>[A-Za-z_]\w*)\s*=\s*)?(?P<client>[A-Za-z_][\w.]*)\.service\.\Z"
)
_IMPORT_RE = re.compile(r"^(?:import|from)\s+(?!__future__\b)[\w.]+", re.MULTILINE)
_IMPORTS_OS_RE = re.compile(r"^import\s+os\s*$", re.MULTILINE)
IMS_TOKEN_URL = "https://ims-na1.adobelogin.com/ims/token/v3"


def zeep_logon_fix(subject: SourceText, start: int, end: int) -> Optional[Fix]:
    """A zeep/suds ``[x =] client.service.Logon(...)`` statement to an IMS token request and a bearer header.

    Offered for a statement alone on its lines in a Python file; the token request goes
    through the client's own ``requests`` session (zeep's ``transport.session``), its
    credentials come from the environment; ``import os`` is added when missing.
    """
    if subject.language != "python" or subject.embedded:
        return None
    text = subject.text
    m = re.match(r"Logon\s*\(", text[start:end])
    if m is None or not text[start:end].rstrip().endswith(")"):
        return None
    line_start = text.rfind("\n", 0, start) + 1
    head = _ZEEP_LINE_RE.match(text[line_start:start])
    line_end = text.find("\n", end)
    rest = text[end : line_end if line_end >= 0 else len(text)]
    if head is None or rest.strip() and not rest.strip().startswith("#"):
        return None
    indent, client, target = head.group("indent"), head.group("client"), head.group("target")
    session = f"{client}.transport.session"
    lines = [
        f'{session}.headers["Authorization"] = "Bearer " + {session}.post(',
        f'{indent}    "{IMS_TOKEN_URL}",',
        f'{indent}    data={{"grant_type": "client_credentials", "client_id": os.environ["IMS_CLIENT_ID"],',
        f'{indent}          "client_secret": os.environ["IMS_CLIENT_SECRET"], "scope": os.environ["IMS_SCOPE"]}},',
        f"{indent}    timeout=30,",
        f'{indent}).json()["access_token"]',
    ]
    if target:
        lines.append(
            f"{indent}{target} = None  # IMS: no session or security token, the bearer header authenticates each call"
        )
    replacements = [span(subject, line_start + len(indent), end, "\n".join(lines))]
    if not _IMPORTS_OS_RE.search(text):
        first = _IMPORT_RE.search(text)
        if first is None or first.start() >= line_start:
            return None
        replacements.insert(0, span(subject, first.start(), first.start(), "import os\n"))
    return Fix(
        "Request an IMS access token (OAuth server-to-server, ims/token/v3, grant_type=client_credentials; client id, "
        "secret and scope from the environment) and send it as Authorization: Bearer on the client's session instead "
        "of logging on with a login and password",
        tuple(replacements),
    )
