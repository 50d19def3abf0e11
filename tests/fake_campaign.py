"""A fake Adobe Campaign instance and Adobe IMS on loopback, for the tests and the pull benchmark.

A real HTTP server (stdlib ``http.server``, HTTP/1.1 keep-alive) that answers:

- ``POST /ims/token/v3``: the OAuth server-to-server ``client_credentials`` grant;
- ``POST /nl/jsp/soaprouter.jsp``: ``xtk:queryDef#ExecuteQuery`` on ``xtk:operator``
  (``count`` and ``select``) and ``xtk:operatorGroup`` (``select``), with the
  behaviour of Campaign that matters to a pull: a ``select`` without ``lineCount``
  stops at 10,000 rows, ``lineCount``/``startLine``, ``orderBy``, conditions on
  ``@id`` / ``[@operator-id]`` (``> >= < <= =``, joined by ``and``), aliases,
  sub-paths as nested elements (``access/@authenticationType``), SOAP faults in
  HTTP 500, and the ``Authorization: Bearer`` check with an empty ``sessiontoken``.

Knobs on :class:`Behaviour` make it misbehave: a rejected client secret, 401/403 on
SOAP, a SOAP fault at the n-th query, 429 with ``Retry-After``, 503s, slow answers,
a connection dropped in the middle of an answer, answers in ISO-8859-1, a row
added or deleted while a pull runs. Every request is recorded.

In another process (the benchmark)::

    python tests/fake_campaign.py --operators 200000   # prints "PORT <n>", serves until stdin closes
"""

from __future__ import annotations

import bisect
import dataclasses
import json
import random
import re
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape, quoteattr

from lxml import etree

CLIENT_ID = "imslint-test-client"
CLIENT_SECRET = "s3cr3t-CLIENT-value-never-shown"
ACCESS_TOKEN = "eyJ-fake-ACCESS-token-never-shown-0123456789"
SCOPE = "openid,AdobeID,additional_info.projectedProductContext"
DEFAULT_LINE_COUNT = 10000
GROUPS = ["admin", "delivery", "content", "report", "workflow", "operation", "campaignManager"]

_ENV_OPEN = (
    "<SOAP-ENV:Envelope xmlns:xsd='http://www.w3.org/2001/XMLSchema' "
    "xmlns:xsi='http://www.w3.org/2001/XMLSchema-instance' xmlns:ns='urn:xtk:queryDef' "
    "xmlns:SOAP-ENV='http://schemas.xmlsoap.org/soap/envelope/'>\n<SOAP-ENV:Body>\n"
)
_ENV_CLOSE = "</SOAP-ENV:Body>\n</SOAP-ENV:Envelope>\n"


# --------------------------------------------------------------------------- data


@dataclasses.dataclass
class Operator:
    """One xtk:operator row (an operator, or a group with type 1)."""

    id: int
    name: str
    label: str = ""
    email: str = ""
    disable: str = "0"
    type: str = "0"
    auth: str = "ims"
    no_console: str = "false"
    groups: Tuple[str, ...] = ()

    def value(self, expr: str) -> Optional[str]:
        return {
            "@id": str(self.id),
            "@name": self.name,
            "@label": self.label,
            "@email": self.email,
            "@disable": self.disable,
            "@type": self.type,
            "access/@authenticationType": self.auth,
            "access/@noConsoleCnx": self.no_console,
        }.get(expr)


FIRST = ["alice", "bob", "carol", "dan", "eve", "fatima", "gus", "hélène", "ivan", "jun", "kim", "léa", "mo", "nina"]
LAST = ["smith", "martin", "durand", "lopez", "chen", "okafor", "novak", "garcia", "müller", "rossi", "kowalski"]


def make_operators(count: int, seed: int = 7, first_id: int = 1000) -> List[Operator]:
    """The groups, Adobe's built-in operators, then ``count`` operators of every kind the rules sort (fixed seed)."""
    rng = random.Random(seed)
    rows: List[Operator] = [
        Operator(id=10 + i, name=g, label=g.title(), type="1", auth="", no_console="") for i, g in enumerate(GROUPS)
    ]
    rows.append(Operator(id=100, name="admin", label="Administrator", auth="native", groups=("admin",)))
    rows.append(Operator(id=101, name="internal", label="Internal", auth="native"))
    oid = first_id
    for i in range(count):
        oid += rng.randint(1, 3)  # ids with gaps, as a sequence leaves them
        first, last = rng.choice(FIRST), rng.choice(LAST)
        label = f"{first.title()} {last.title()} {i}"
        groups = tuple(rng.sample(GROUPS[1:], rng.randint(0, 2)))
        roll = rng.random()
        if roll < 0.02:  # native person, some without email, a few sharing one
            email = "" if rng.random() < 0.1 else f"{first}.{last}.{i}@acme.com"
            if rng.random() < 0.05:
                email = "shared.mailbox@acme.com"
            rows.append(Operator(oid, f"{first[0]}{last}{i}", label, email, auth="native", groups=groups))
        elif roll < 0.023:  # technical
            rows.append(Operator(oid, f"api_sync{i}", f"Integration {i}", "", auth="native", no_console="true"))
        elif roll < 0.028:  # disabled native
            rows.append(Operator(oid, f"old{i}", label, "", disable="1", auth="native"))
        elif roll < 0.03:  # invalid email
            rows.append(Operator(oid, f"{first}{i}", label, "noreply@acme.com", auth="native", groups=groups))
        else:  # IMS, the vast majority
            email = f"{first}.{last}.{i}@acme.com"
            rows.append(Operator(oid, email, label, email, auth="ims", groups=groups))
    return rows


def package_export(rows: List[Operator]) -> str:
    """The same operators as a console *Export package* (what an administrator exports by hand)."""
    out = [
        "<?xml version='1.0'?>\n",
        '<package author="Administrator (admin)" buildNumber="9383" buildVersion="7.4" label="Operators" '
        'name="ops" namespace="cus" vendor="">\n<entities schema="xtk:operator">\n',
    ]
    for op in rows:
        attrs = f' name={quoteattr(op.name)} label={quoteattr(op.label)} type="{op.type}"'
        if op.email:
            attrs += f" email={quoteattr(op.email)}"
        if op.disable == "1":
            attrs += ' disable="1"'
        inner = ""
        if op.type == "0":
            inner += f'<access authenticationType="{op.auth}" noConsoleCnx="{op.no_console}"/>'
        if op.groups:
            inner += (
                "<operatorGroup>"
                + "".join(f'<group _operation="none" name={quoteattr(g)} type="1"/>' for g in op.groups)
                + "</operatorGroup>"
            )
        out.append(f"<operator{attrs}>{inner}</operator>\n")
    out.append("</entities>\n</package>\n")
    return "".join(out)


# --------------------------------------------------------------------------- behaviour


@dataclasses.dataclass
class Behaviour:
    """How the fake instance behaves; tests change these between runs."""

    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    token: str = ACCESS_TOKEN
    soap_status: Optional[int] = None  # 401 or 403 on every SOAP call
    fault_at: int = 0  # the n-th ExecuteQuery (1-based) answers a SOAP fault
    throttle: int = 0  # the next n SOAP calls answer 429
    retry_after: str = "1"
    unavailable: int = 0  # the next n SOAP calls answer 503
    plain_500: int = 0  # the next n SOAP calls answer 500 with an HTML page (no SOAP fault)
    token_answer: Optional[str] = None  # the token endpoint answers this JSON (HTTP 200) instead
    slow: float = 0.0  # seconds before each SOAP answer
    slow_at: int = 0  # only the n-th ExecuteQuery is slow (0: every one)
    drop_at: Tuple[int, ...] = ()  # these ExecuteQuery calls drop the connection half-way through the answer
    encoding: str = "utf-8"
    doctype: bool = False  # answer with a DTD declaring an entity
    mutate_at: int = 0  # after the n-th ExecuteQuery, add an operator with the highest id
    remove_at: int = 0  # after the n-th ExecuteQuery, delete the operator with the highest id
    ignore_condition: bool = False  # a broken server that ignores conditions
    expire_at: int = 0  # after the n-th ExecuteQuery the token expires: IMS then issues ``token + "-renewed"``


class FakeCampaign:
    """The server: ``start()`` on loopback, ``url``, ``behaviour``, ``requests`` (method, path, headers, body)."""

    def __init__(self, rows: Optional[List[Operator]] = None, record_bodies: bool = True) -> None:
        self.rows = rows if rows is not None else make_operators(120)
        self.behaviour = Behaviour()
        self.requests: List[Tuple[str, str, Dict[str, str], bytes]] = []
        self.queries = 0  # ExecuteQuery calls seen
        self.proxied = 0  # requests that came in absolute form (this server used as a proxy)
        self.record_bodies = record_bodies
        self.scheme = "http"
        self.lock = threading.Lock()
        self.server: Optional[ThreadingHTTPServer] = None
        self.thread: Optional[threading.Thread] = None

    @property
    def rows(self) -> List[Operator]:
        """The xtk:operator rows, sorted by id (setting them sorts them)."""
        return self._rows

    @rows.setter
    def rows(self, value: List[Operator]) -> None:
        self._rows = sorted(value, key=lambda r: r.id)
        self.ids = [r.id for r in self._rows]
        self._links_cache = None
        self._rendered: Dict[Any, List[str]] = {}

    # ----------------------------------------------------------------- lifecycle

    def start(self, port: int = 0, ssl_context: Any = None) -> "FakeCampaign":
        """Serve on 127.0.0.1 (``port`` 0: any free one); with ``ssl_context``, over TLS."""
        fake = self

        class Handler(_Handler):
            campaign = fake

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        if ssl_context is not None:
            self.server.socket = ssl_context.wrap_socket(self.server.socket, server_side=True)
            self.scheme = "https"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"{self.scheme}://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def reset(self) -> None:
        self.behaviour = Behaviour()
        self.requests.clear()
        self.queries = 0
        self.proxied = 0

    # ----------------------------------------------------------------- queries

    def answer_query(self, body: bytes) -> Tuple[int, str]:
        """(HTTP status, SOAP text) for an ExecuteQuery request."""
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        try:
            root = etree.fromstring(body, parser)
        except etree.XMLSyntaxError as exc:
            return 500, fault("SOAP-ENV:Client", "Malformed request", str(exc))
        token = next((e for e in root.iter() if isinstance(e.tag, str) and e.tag.endswith("sessiontoken")), None)
        if token is None or (token.text or "").strip():
            return 500, fault("SOAP-ENV:Client", "XSV-350001 the session token must be empty with a bearer token", "")
        q = next((e for e in root.iter() if e.tag == "queryDef"), None)
        if q is None:
            return 500, fault("SOAP-ENV:Client", "no queryDef", "")
        schema, operation = q.get("schema"), q.get("operation")
        line_count = int(q.get("lineCount") or DEFAULT_LINE_COUNT)
        start = int(q.get("startLine") or 0)
        conds = [c.get("expr", "") for c in q.iter("condition")]
        nodes = [(n.get("expr", ""), n.get("alias")) for n in q.findall("select/node")]
        try:
            if schema == "xtk:operator":
                lo, hi = self._range(conds, self.ids, "@id")
                if operation == "count":
                    return 200, response(f'<operator count="{hi - lo}"/>')
                if operation != "select":
                    raise ValueError(f"operation {operation!r}")
                key = tuple(nodes)
                if key not in self._rendered:  # rendered once per field list: the server stays fast for benchmarks
                    self._rendered[key] = [_render(r, nodes) for r in self.rows]
                page = self._rendered[key][lo + start : min(hi, lo + start + line_count)]
                return 200, response("<operator-collection>" + "".join(page) + "</operator-collection>")
            if schema == "xtk:operatorGroup":
                links, keys = self._links()
                lo, hi = self._range(conds, keys, "[@operator-id]")
                page = links[lo + start : min(hi, lo + start + line_count)]
                out = []
                for op_id, _gid, name in page:
                    attrs = {"[@operator-id]": str(op_id), "[group/@name]": name}
                    out.append(
                        "<operatorGroup"
                        + "".join(
                            f" {(alias or expr).lstrip('@')}={quoteattr(attrs[expr])}"
                            for expr, alias in nodes
                            if expr in attrs
                        )
                        + "/>"
                    )
                return 200, response("<operatorGroup-collection>" + "".join(out) + "</operatorGroup-collection>")
            raise ValueError(f"schema {schema!r}")
        except ValueError as exc:
            return 500, fault(
                "SOAP-ENV:Server",
                "Error while executing the method 'ExecuteQuery' of service 'xtk:queryDef'.",
                f"XSV-350008 {exc}",
            )

    def _links(self) -> Tuple[List[Tuple[int, int, str]], List[int]]:
        """Memberships (operator id, group id, group name) sorted, and their operator ids (for bisect)."""
        if self._links_cache is None:
            group_id = {r.name: r.id for r in self.rows if r.type == "1"}
            links = sorted((r.id, group_id.get(g, 0), g) for r in self.rows for g in r.groups)
            self._links_cache = (links, [t[0] for t in links])
        return self._links_cache

    def _range(self, conds: List[str], keys: List[int], field: str) -> Tuple[int, int]:
        """The slice of rows whose key (``keys``, sorted, one per row) meets every condition on ``field``."""
        if self.behaviour.ignore_condition:
            return 0, len(keys)
        lo, hi = 0, len(keys)
        for cond in conds:
            for part in re.split(r"\s+and\s+", cond.strip(), flags=re.I):
                m = re.fullmatch(r"\s*(\S+)\s*(>=|<=|>|<|=)\s*(-?\d+)\s*", part)
                if not m or m.group(1) != field:
                    raise ValueError(f"unsupported condition {part!r}")
                op, value = m.group(2), int(m.group(3))
                if op in (">", ">=", "="):
                    lo = max(lo, (bisect.bisect_right if op == ">" else bisect.bisect_left)(keys, value))
                if op in ("<", "<=", "="):
                    hi = min(hi, (bisect.bisect_left if op == "<" else bisect.bisect_right)(keys, value))
        return (lo, hi) if lo < hi else (0, 0)

    def mutate(self, remove: bool) -> None:
        with self.lock:
            rows = list(self.rows)
            if remove:
                rows.pop()
            else:
                top = rows[-1].id + 5
                rows.append(Operator(top, f"newcomer{top}@acme.com", "Newcomer", f"newcomer{top}@acme.com"))
            self.rows = rows


def _render(op: Operator, nodes: List[Tuple[str, Optional[str]]]) -> str:
    attrs, access = [], []
    for expr, alias in nodes:
        value = op.value(expr)
        if value is None or value == "":
            continue
        if expr.startswith("access/@"):
            access.append(f" {expr[8:]}={quoteattr(value)}")
        else:
            attrs.append(f" {(alias or expr).lstrip('@')}={quoteattr(value)}")
    inner = f"<access{''.join(access)}/>" if access else ""
    return f"<operator{''.join(attrs)}>{inner}</operator>" if inner else f"<operator{''.join(attrs)}/>"


def envelope_for_test(query: str) -> bytes:
    """An ExecuteQuery request around ``query`` (text), as a client sends it."""
    return (
        "<soapenv:Envelope xmlns:soapenv='http://schemas.xmlsoap.org/soap/envelope/' xmlns:urn='urn:xtk:queryDef'>"
        f"<soapenv:Body><urn:ExecuteQuery><urn:sessiontoken/><urn:entity>{query}</urn:entity></urn:ExecuteQuery>"
        "</soapenv:Body></soapenv:Envelope>"
    ).encode("utf-8")


def response(inner: str) -> str:
    return (
        _ENV_OPEN
        + "<ExecuteQueryResponse xmlns='urn:xtk:queryDef' SOAP-ENV:encodingStyle='http://schemas.xmlsoap.org/soap/encoding/'>"
        + "<pdomOutput xsi:type='ns:Element' SOAP-ENV:encodingStyle='http://xml.apache.org/xml-soap/literalxml'>"
        + inner
        + "</pdomOutput></ExecuteQueryResponse>\n"
        + _ENV_CLOSE
    )


def fault(code: str, text: str, detail: str) -> str:
    return (
        _ENV_OPEN + f"<SOAP-ENV:Fault><faultcode>{escape(code)}</faultcode>"
        f"<faultstring xsi:type='xsd:string'>{escape(text)}</faultstring>"
        f"<detail xsi:type='xsd:string'>{escape(detail)}</detail></SOAP-ENV:Fault>\n" + _ENV_CLOSE
    )


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: with Nagle's algorithm on, the body waits for the delayed
    # ACK of the headers (40 ms a request), which is the fake's cost, not the client's.
    disable_nagle_algorithm = True
    campaign: FakeCampaign

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        return

    def _send(
        self, status: int, body: bytes, ctype: str, headers: Optional[Dict[str, str]] = None, drop: bool = False
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if drop:
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self.wfile.write(body)

    def do_POST(self) -> None:  # noqa: C901, N802
        fake = self.campaign
        if self.path.startswith("http://"):  # absolute form: the request came through this server as a proxy
            fake.proxied += 1
            self.path = urlsplit(self.path).path
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        with fake.lock:
            fake.requests.append(("POST", self.path, dict(self.headers.items()), body if fake.record_bodies else b""))
        b = fake.behaviour
        if self.path == "/ims/token/v3":
            form = {k: v[0] for k, v in parse_qs(body.decode("utf-8")).items()}
            if (
                form.get("grant_type") != "client_credentials"
                or form.get("client_id") != b.client_id
                or form.get("client_secret") != b.client_secret
                or not form.get("scope")
            ):
                data = json.dumps({"error": "invalid_client", "error_description": "invalid client_secret parameter"})
                return self._send(401, data.encode(), "application/json;charset=UTF-8")
            if b.token_answer is not None:
                return self._send(200, b.token_answer.encode(), "application/json;charset=UTF-8")
            data = json.dumps({"access_token": b.token, "token_type": "bearer", "expires_in": 86399})
            return self._send(200, data.encode(), "application/json;charset=UTF-8")
        if self.path != "/nl/jsp/soaprouter.jsp":
            return self._send(404, b"not found", "text/plain")
        if self.headers.get("Authorization") != f"Bearer {b.token}":
            return self._send(401, b"<html>401 Unauthorized</html>", "text/html")
        if b.soap_status:
            return self._send(b.soap_status, b"<html>denied</html>", "text/html")
        if b.throttle > 0:
            b.throttle -= 1
            return self._send(429, b"Too Many Requests", "text/plain", {"Retry-After": b.retry_after})
        if b.unavailable > 0:
            b.unavailable -= 1
            return self._send(503, b"Service Unavailable", "text/plain")
        if b.plain_500 > 0:
            b.plain_500 -= 1
            return self._send(500, b"<html>Internal Server Error</html>", "text/html")
        if self.headers.get("SOAPAction") != "xtk:queryDef#ExecuteQuery":
            return self._send(500, fault("SOAP-ENV:Client", "unknown SOAPAction", "").encode(), "text/xml")
        with fake.lock:
            fake.queries += 1
            n = fake.queries
        if b.slow and (not b.slow_at or b.slow_at == n):
            time.sleep(b.slow)
        if b.fault_at == n:
            status, text = (
                500,
                fault(
                    "SOAP-ENV:Server",
                    "Error while executing the method 'ExecuteQuery' of service 'xtk:queryDef'.",
                    "XSV-350008 Unable to evaluate expression (test fault)",
                ),
            )
        else:
            status, text = fake.answer_query(body)
        if b.expire_at == n:
            b.token = b.token + "-renewed"
        if b.mutate_at == n:
            fake.mutate(remove=False)
        if b.remove_at == n:
            fake.mutate(remove=True)
        enc = b.encoding
        decl = (
            f"<?xml version='1.0' encoding='{enc.upper()}'?>\n" if enc.lower() != "utf-8" else "<?xml version='1.0'?>\n"
        )
        if b.doctype:
            decl += '<!DOCTYPE x [<!ENTITY boom "boom">]>\n'
        data = (decl + text).encode(enc, "xmlcharrefreplace")
        self._send(status, data, f"text/xml;charset={enc}", drop=n in b.drop_at)


def main(argv: Optional[List[str]] = None) -> int:
    """Serve ``--operators N`` on loopback in this process; print ``PORT n``; stop when standard input closes."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--operators", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    fake = FakeCampaign(make_operators(args.operators, args.seed), record_bodies=False).start()
    print(f"PORT {fake.server.server_address[1]}", flush=True)  # type: ignore[union-attr]
    try:
        sys.stdin.read()
    except KeyboardInterrupt:
        pass
    fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
