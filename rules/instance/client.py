"""An IMS-authenticated SOAP client for Campaign's ``/nl/jsp/soaprouter.jsp``.

Authentication is Adobe IMS only (domain.md 2.2): an OAuth server-to-server access
token (``client_credentials`` on ``/ims/token/v3``) or a token fetched beforehand,
sent as ``Authorization: Bearer`` with an empty ``<sessiontoken/>``. No Campaign
login or password is ever accepted.

The network goes through requests and urllib3's ``Retry`` (imported when a client
is made, never at module import): TLS verification always on (a CA bundle may be
given), connect and read timeouts, retries with exponential backoff on 429 and
502/503/504 honouring ``Retry-After``, the proxy of the environment
(``HTTPS_PROXY``, ``NO_PROXY``). A page whose connection drops while its body is
read, or a 500 that is not a SOAP fault, is asked again (keyset pages can be).

Secrets (the client secret, the access token) never reach a message: every error
text passes through :meth:`Client.redact` as well.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import re
import time
from typing import Any, Callable, Dict, List, Optional, Tuple
from urllib.parse import urlsplit

from lxml import etree

__all__ = ["PullError", "Credentials", "Client", "base_url", "is_loopback", "parse_xml", "SOAP_PATH", "TOKEN_PATH"]

SOAP_PATH = "/nl/jsp/soaprouter.jsp"
TOKEN_PATH = "/ims/token/v3"
DEFAULT_IMS_URL = "https://ims-na1.adobelogin.com"
_MAX_BODY = 256 << 20  # one page of a few thousand operators is a few MiB: more is not an answer we want
_RETRY_STATUS = (429, 502, 503, 504)
_RETRY_AFTER_CAP = 300.0  # seconds: a server asking for longer gets an error rather than a stuck job
_SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
_DECL_ENCODING_RE = re.compile(rb"^\s*<\?xml[^>]*?\bencoding\s*=", re.S)


class PullError(Exception):
    """A pull that failed; the message is safe to print (no secret, no request body)."""


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def base_url(url: str, what: str) -> str:
    """``scheme://host[:port]`` of ``url``; https only, http only on loopback; never a user or password."""
    text = (url or "").strip()
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise PullError(f"{what}: not a URL ({exc})") from None
    if parts.username is not None or parts.password is not None:
        # Never echo the URL: it holds a credential.
        raise PullError(
            f"{what}: a user name or password in the URL is refused; imslint signs in with an Adobe IMS token only"
        )
    host = parts.hostname or ""
    if not host:
        raise PullError(f"{what}: no host in {url!r}")
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise PullError(f"{what}: unsupported scheme {scheme!r} (use https://)")
    if scheme == "http" and not is_loopback(host):
        raise PullError(f"{what}: plain http:// is refused (the token would travel in clear); use https://")
    if parts.query or parts.fragment:
        raise PullError(f"{what}: a query string or fragment is not expected in {url!r}")
    netloc = f"[{host}]" if ":" in host else host
    return f"{scheme}://{netloc}" + (f":{port}" if port else "")


@dataclasses.dataclass(frozen=True)
class Credentials:
    """An OAuth server-to-server credential (client id, secret, scope) or a ready access token."""

    client_id: str = ""
    client_secret: str = dataclasses.field(default="", repr=False)
    scope: str = ""
    token: str = dataclasses.field(default="", repr=False)

    def secrets(self) -> List[str]:
        """The values no output may show."""
        return [s for s in (self.client_secret, self.token) if s]


def parse_xml(body: bytes, charset: Optional[str] = None) -> Any:
    """Parse a SOAP answer safely: no DTD, no entity, nothing fetched; the header's charset when the XML names none."""
    head = body[:4096]
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise PullError("the answer declares a document type: refused (possible entity expansion or XXE)")
    encoding = None
    if (
        charset
        and not _DECL_ENCODING_RE.match(body[:200])
        and not body.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"))
    ):
        encoding = charset
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        encoding=encoding,
    )
    try:
        root = etree.fromstring(body, parser)
    except (etree.XMLSyntaxError, LookupError, ValueError) as exc:
        raise PullError(f"the answer is not well-formed XML: {str(exc)[:200]}") from None
    if root.getroottree().docinfo.doctype:
        raise PullError("the answer declares a document type: refused (possible entity expansion or XXE)")
    return root


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def soap_fault(root: Any) -> Optional[Tuple[str, str]]:
    """(code, description) of a SOAP fault in ``root`` (``Envelope/Body/Fault``, or a bare ``Fault``), or None."""
    candidates = [root]
    for child in root:
        if _local(child.tag) == "Body":
            candidates.extend(child)
    for el in candidates:
        if _local(el.tag) == "Fault":
            fields: Dict[str, str] = {}
            for child in el:
                fields[_local(child.tag)] = " ".join("".join(child.itertext()).split())
            code = fields.get("faultcode", "")
            desc = fields.get("faultstring", "")
            detail = fields.get("detail", "")
            if detail and detail not in desc:
                desc = f"{desc} {detail}".strip()
            return code, desc
    return None


def _charset(content_type: str) -> Optional[str]:
    m = re.search(r"charset\s*=\s*\"?([A-Za-z0-9_.:\-]+)", content_type or "", re.I)
    return m.group(1) if m else None


def _cause(exc: BaseException) -> str:
    """The innermost reason of a requests/urllib3 error, short."""
    seen = exc
    for _ in range(6):
        nxt = getattr(seen, "reason", None) or seen.__cause__ or seen.__context__
        if nxt is None or nxt is seen or not isinstance(nxt, BaseException):
            break
        seen = nxt
    text = str(seen) or type(seen).__name__
    text = re.sub(r"<urllib3\.[^>]*>:\s*", "", text)
    return text[:300]


def _kinds(exc: BaseException) -> List[str]:
    """Class names along the chain of causes of ``exc`` (urllib3 wraps timeouts in MaxRetryError)."""
    names: List[str] = []
    seen: Any = exc
    for _ in range(8):
        if seen is None or not isinstance(seen, BaseException):
            break
        names.append(type(seen).__name__)
        nxt = getattr(seen, "reason", None) or seen.__cause__ or seen.__context__
        if nxt is seen:
            break
        seen = nxt
    for arg in getattr(exc, "args", ()):
        if isinstance(arg, BaseException):
            names.extend(_kinds(arg))
    return names


class Client:
    """SOAP calls to one Campaign instance with an IMS token; one HTTP session, kept alive."""

    def __init__(
        self,
        instance: str,
        credentials: Credentials,
        ims_url: str = DEFAULT_IMS_URL,
        ca_bundle: Optional[str] = None,
        connect_timeout: float = 10.0,
        read_timeout: float = 120.0,
        retries: int = 5,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.instance = base_url(instance, "--instance")
        self.ims_url = base_url(ims_url, "--ims-url")
        self.credentials = credentials
        self.timeout = (connect_timeout, read_timeout)
        self.retries = max(0, retries)
        self.backoff = max(0.0, backoff)
        self._sleep = sleep
        self._token: Optional[str] = credentials.token or None
        # Only a token imslint fetched itself can be fetched again; a given one (--token-file) cannot.
        self._renewable = not credentials.token
        self._tokens: List[str] = []  # every token fetched, for redact()
        self.requests_made = 0
        self.soap_calls = 0  # SOAP calls answered (anything but a 401 that was renewed)
        try:
            import requests
            from requests.adapters import HTTPAdapter
            from urllib3.util.retry import Retry
        except ImportError:  # pragma: no cover - the extra is installed with the test extra
            raise PullError('pulling needs the HTTP client: pip install "imslint[pull]"') from None
        self._requests = requests

        class _Retry(Retry):
            """urllib3's Retry with a cap on ``Retry-After`` (a huge value fails instead of hanging)."""

            def get_retry_after(self, response: Any) -> Optional[float]:
                value = super().get_retry_after(response)
                if value is not None and value > _RETRY_AFTER_CAP:
                    raise PullError(
                        f"the server asks to retry after {value:.0f} s (over {_RETRY_AFTER_CAP:.0f} s): giving up"
                    )
                return value

        retry = _Retry(
            total=self.retries,
            connect=self.retries,
            read=self.retries,
            status=self.retries,
            other=0,
            backoff_factor=self.backoff,
            status_forcelist=_RETRY_STATUS,
            # Token requests and ExecuteQuery pages are reads: asking again changes nothing.
            allowed_methods=frozenset({"POST"}),
            respect_retry_after_header=True,
            raise_on_status=False,
            raise_on_redirect=False,
            redirect=0,
        )
        import logging

        # urllib3 says "Retrying (...) after connection broken by ..." as a warning: without a handler,
        # Python would print it on standard error in its own words; the errors imslint gives are enough.
        logging.getLogger("urllib3").addHandler(logging.NullHandler())
        session = requests.Session()
        session.trust_env = True  # HTTPS_PROXY / NO_PROXY / REQUESTS_CA_BUNDLE from the environment
        adapter = HTTPAdapter(max_retries=retry, pool_connections=2, pool_maxsize=2)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        session.headers["User-Agent"] = "imslint-pull"
        self._verify: Any = ca_bundle if ca_bundle else True
        self._session = session

    # ----------------------------------------------------------------- secrets

    def redact(self, text: str) -> str:
        """``text`` with every secret replaced (belt and braces: messages are built without them)."""
        for secret in self.credentials.secrets() + self._tokens:
            if secret:
                text = text.replace(secret, "***")
        return text

    def _error(self, message: str) -> PullError:
        return PullError(self.redact(message))

    # ----------------------------------------------------------------- HTTP

    def _post(self, url: str, what: str, **kwargs: Any) -> Tuple[int, Dict[str, str], bytes]:
        """POST and read the whole body; a body cut short (connection dropped) is asked again."""
        requests = self._requests
        attempt = 0
        while True:
            self.requests_made += 1
            try:
                resp = self._session.post(
                    url, timeout=self.timeout, verify=self._verify, stream=True, allow_redirects=False, **kwargs
                )
            except PullError:
                raise
            except requests.exceptions.SSLError as exc:
                raise self._error(
                    f"{what}: TLS verification failed ({_cause(exc)}); give the CA of a private proxy or instance with --ca-bundle"
                ) from None
            except requests.exceptions.ProxyError as exc:
                raise self._error(f"{what}: the proxy refused the connection ({_cause(exc)})") from None
            except requests.exceptions.RequestException as exc:
                kinds = _kinds(exc)
                if "ConnectTimeoutError" in kinds or isinstance(exc, requests.exceptions.ConnectTimeout):
                    raise self._error(
                        f"{what}: no connection within {self.timeout[0]:g} s (after {self.retries} retries)"
                    ) from None
                if "ReadTimeoutError" in kinds or isinstance(exc, requests.exceptions.ReadTimeout):
                    raise self._error(
                        f"{what}: no answer within {self.timeout[1]:g} s (after {self.retries} retries)"
                    ) from None
                raise self._error(f"{what}: cannot connect ({_cause(exc)}) after {self.retries} retries") from None
            try:
                body = self._read(resp)
            except (requests.exceptions.RequestException, OSError) as exc:
                # The connection dropped (or stalled) in the middle of the answer: ask again.
                resp.close()
                if attempt >= self.retries:
                    raise self._error(
                        f"{what}: the connection broke while the answer was read ({_cause(exc)}), {attempt + 1} time(s)"
                    ) from None
                self._pause(attempt)
                attempt += 1
                continue
            status = resp.status_code
            headers = {k.lower(): v for k, v in resp.headers.items()}
            resp.close()
            if (
                status >= 500
                and status not in _RETRY_STATUS
                and b"Fault" not in body[:65536]
                and attempt < self.retries
            ):
                self._pause(attempt)  # a 500 that is not a SOAP fault: a passing server error
                attempt += 1
                continue
            return status, headers, body

    def _read(self, resp: Any) -> bytes:
        chunks: List[bytes] = []
        size = 0
        for chunk in resp.iter_content(1 << 16):
            size += len(chunk)
            if size > _MAX_BODY:
                raise PullError(f"the answer is larger than {_MAX_BODY >> 20} MiB: use a smaller --page-size")
            chunks.append(chunk)
        return b"".join(chunks)

    def _pause(self, attempt: int) -> None:
        if self.backoff:
            self._sleep(min(self.backoff * (2**attempt), 120.0))

    # ----------------------------------------------------------------- IMS

    def access_token(self) -> str:
        """The IMS access token: the one given, or one fetched with the client credentials (once)."""
        if self._token:
            return self._token
        cred = self.credentials
        missing = [
            n
            for n, v in (
                ("client id (--client-id or IMSLINT_IMS_CLIENT_ID)", cred.client_id),
                ("client secret (IMSLINT_IMS_CLIENT_SECRET or --client-secret-file)", cred.client_secret),
                ("scope (--scope or IMSLINT_IMS_SCOPE)", cred.scope),
            )
            if not v
        ]
        if missing:
            raise PullError(
                "no IMS access token: give --token-file or IMSLINT_IMS_TOKEN, or an OAuth server-to-server credential; missing: "
                + "; ".join(missing)
            )
        form = {
            "grant_type": "client_credentials",
            "client_id": cred.client_id,
            "client_secret": cred.client_secret,
            "scope": cred.scope,
        }
        where = f"IMS token request to {self.ims_url}{TOKEN_PATH}"
        status, headers, body = self._post(
            self.ims_url + TOKEN_PATH, where, data=form, headers={"Accept": "application/json"}
        )
        try:
            answer = json.loads(body.decode("utf-8", "replace")) if body else {}
        except ValueError:
            answer = {}
        if not isinstance(answer, dict):
            answer = {}
        if status != 200:
            reason = " ".join(str(answer.get(k, "")) for k in ("error", "error_description") if answer.get(k)).strip()
            hint = ""
            if status in (400, 401):
                hint = (
                    ": check the client id, the client secret and the scopes of the OAuth server-to-server credential"
                )
            elif status == 403:
                hint = ": the credential is not allowed to ask for these scopes"
            raise self._error(f"{where}: HTTP {status}" + (f" ({reason[:200]})" if reason else "") + hint)
        token = answer.get("access_token")
        if not isinstance(token, str) or not token:
            raise self._error(f"{where}: the answer holds no access_token")
        self._token = token
        self._tokens.append(token)
        return token

    # ----------------------------------------------------------------- SOAP

    def execute(self, action: str, envelope: bytes) -> Any:
        """POST a SOAP envelope to the instance; the parsed answer, or PullError (HTTP status, fault)."""
        url = self.instance + SOAP_PATH
        where = f"{action} on {self.instance}"
        renewed = False
        while True:
            token = self.access_token()
            status, headers, body = self._post(
                url,
                where,
                data=envelope,
                headers={
                    "Authorization": f"Bearer {token}",
                    "SOAPAction": action,
                    "Content-Type": "text/xml; charset=utf-8",
                },
            )
            if status == 401 and not renewed and self._renewable and self.soap_calls:
                # A token of ours that worked before has expired during a long pull: fetch a new one, once.
                self._token = None
                renewed = True
                continue
            break
        self.soap_calls += 1
        if status == 401:
            raise self._error(
                f"{where}: HTTP 401: the instance rejected the IMS access token (expired, or not issued for this "
                "organisation's Campaign); fetch a new one or check the credential"
            )
        if status == 403:
            raise self._error(
                f"{where}: HTTP 403: access refused; the technical account needs a Campaign product profile "
                "for this instance (Admin Console) with the right to read operators"
            )
        if status == 429 or status in _RETRY_STATUS:
            raise self._error(f"{where}: HTTP {status} still after {self.retries} retries")
        fault = None
        root = None
        if body.strip()[:1] == b"<":
            try:
                root = parse_xml(body, _charset(headers.get("content-type", "")))
            except PullError as exc:
                if status == 200:
                    raise self._error(f"{where}: {exc}") from None
            if root is not None:
                fault = soap_fault(root)
        if fault is not None:
            code, desc = fault
            raise self._error(f"{where}: SOAP fault {code or '?'}: {desc[:500] or '(no description)'}")
        if status != 200:
            raise self._error(f"{where}: HTTP {status}")
        if root is None:
            raise self._error(f"{where}: the answer is not XML")
        return root

    def close(self) -> None:
        """Close the HTTP session."""
        self._session.close()
