"""Configuration rules: security zones, the IMS lockdown of the native API, external-account passwords.

They inspect the XML documents the ``campaign-xml`` reader yields (``serverConf.xml``,
``config-<instance>.xml``, packages, SOAP responses) through their parsed tree; when
the document could not be parsed they fall back on the raw text, so a broken
file still gets checked.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence

from imslint.fixes import span
from imslint.hookspecs import hookimpl
from imslint.model import Fact, Fix, Location, Problem, Severity, SourceText
from imslint.readers.campaign_xml import XmlLocator, iter_start_tags
from imslint.rule import Rule
from imslint.rules import documented
from imslint.rules.campaign import DEFAULT_ALLOWED_LOGINS, LOGIN_FACT

from ._patterns import is_placeholder

# Published for the operator rules (phase 1): a login that stands in configuration as an API user is a
# technical operator. Same kind as the credential rules' facts.
# nms:extAccount types whose account is a login of another Campaign instance: 3 mid-sourcing,
# 11 execution instance (Message Center). Absent in SOAP answers that did not select @type.
_CAMPAIGN_ACCOUNT_TYPES = frozenset({"", "3", "11"})

_DOC_ZONES = "Adobe Campaign documentation: security zones"
_DOC_LOCKDOWN = "Adobe Campaign documentation: Update Campaign interface after IMS migration (impact-ims-migration)"
_DOC_ROTATION = "Adobe Campaign documentation: credential rotation guide"


def _is_true(value: Optional[str]) -> bool:
    return value is not None and value.strip().lower() == "true"


_ATTRIBUTE_RE = re.compile(
    r"""(?:[A-Za-z_][\w.-]*:)?(?P<name>[A-Za-z_][\w.-]*)\s*=\s*(?P<q>["'])(?P<v>[^"'<]*)(?P=q)"""
)


def _set_attribute(subject: SourceText, where: Location, attribute: str, value: str, description: str) -> Optional[Fix]:
    """A fix giving ``attribute`` the ``value`` where ``where`` is exactly its ``name="..."`` (else None)."""
    if where.end_line is None or where.end_column is None:
        return None
    a, b = subject.offset(where.line, where.column), subject.offset(where.end_line, where.end_column)
    if a is None or b is None:
        return None
    m = _ATTRIBUTE_RE.fullmatch(subject.text, a, b)
    if m is None or m.group("name") != attribute:
        return None
    return Fix(description, (span(subject, m.start("v"), m.end("v"), value),))


# --------------------------------------------------------------------------- one view over tree and raw text


@dataclass
class _Node:
    """An element found in a document: its attributes and how to locate it (tree or raw text alike)."""

    local_name: str
    attributes: Dict[str, str]
    _locate: Callable[[Optional[str]], Location]
    element: Any = None  # the lxml element when the document was parsed
    raw_end: int = -1  # offset just after the start tag when read from raw text

    def location(self, attribute: Optional[str] = None) -> Location:
        """The attribute ``name="value"`` when given and present, else the start tag."""
        return self._locate(attribute if attribute in self.attributes else None)


def _local(tag: Any) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _nodes(subject: SourceText, local_name: str, locator: Optional[XmlLocator]) -> Iterator[_Node]:
    """Elements named ``local_name`` (any namespace) of the subject, in document order."""
    if subject.tree is not None and locator is not None:
        for el in subject.tree.iter("{*}" + local_name):
            attrs = {_local(k): v for k, v in el.attrib.items()}
            yield _Node(
                local_name,
                attrs,
                functools.partial(_locate, locator, el),
                element=el,
            )
        return
    for tag in iter_start_tags(subject.text, (local_name,)):
        attrs = {k.rpartition(":")[2]: v[0] for k, v in tag.attributes.items()}
        spans = {k.rpartition(":")[2]: (v[1], v[2]) for k, v in tag.attributes.items()}

        def locate(a: Optional[str], tag: Any = tag, spans: Dict[str, Any] = spans) -> Location:
            if a and a in spans:
                return subject.location(*spans[a])
            return subject.location(tag.start, tag.end)

        yield _Node(local_name, attrs, locate, raw_end=tag.end)


def _is_xml(subject: SourceText) -> bool:
    return subject.language == "xml" and not subject.embedded


# --------------------------------------------------------------------------- IMS201


class ZoneAllowsPassword(Rule):
    """Security zone accepts login/password session tokens or empty passwords

    A ``securityZone`` of serverConf.xml or an instance configuration sets
    ``allowUserPassword="true"`` (callers may send ``login/password`` as their
    session token) or ``allowEmptyPassword="true"`` (operators without a
    password may connect). One finding per attribute.

    Why it matters: both flags keep native Campaign credentials working from
    the zone's addresses, so integrations never have to move to Adobe IMS, and
    passwords travel in URLs and request bodies. Adobe's guidance is never to
    set either to true.

    What to do instead: set both to ``false`` (or remove them: the default is
    false), and authenticate integrations with an IMS access token sent as
    ``Authorization: Bearer`` (see Adobe's security zones documentation).

    Failing example::

        <securityZone name="public" label="Public Network" allowUserPassword="true">
          <subNetwork name="all" mask="*" label="All addresses"/>
        </securityZone>

    Passing example::

        <securityZone name="public" label="Public Network" allowUserPassword="false">
          <subNetwork name="all" mask="*" label="All addresses"/>
        </securityZone>
    """

    id = "IMS201"
    name = "zone-allows-password"
    subject = SourceText
    severity = Severity.ERROR
    tags = ("configuration", "security", "ims-migration")
    precision = "high"
    security_severity = "7.5"
    keywords = (b"securityzone",)
    languages = ("xml",)

    _FLAGS = {
        "allowUserPassword": 'accepts "login/password" session tokens, so native credentials keep working',
        "allowEmptyPassword": "lets operators without a password connect",
    }

    def check(self, subject: SourceText, options: Mapping[str, Any]) -> Iterator[Problem]:
        """One problem per weakening attribute set to true on a security zone."""
        if not _is_xml(subject):
            return
        locator = XmlLocator(subject) if subject.tree is not None else None
        for node in _nodes(subject, "securityZone", locator):
            zone = node.attributes.get("name") or node.attributes.get("label") or "?"
            for attr, effect in self._FLAGS.items():
                if _is_true(node.attributes.get(attr)):
                    where = node.location(attr)
                    yield Problem(
                        where,
                        f'security zone {zone!r} sets {attr}="true": it {effect}; '
                        f'set {attr}="false" and authenticate API callers with IMS bearer tokens ({_DOC_ZONES})',
                        key=f"securityZone:{zone}:{attr}",
                        properties={"zone": zone, "attribute": attr},
                        fix=_set_attribute(
                            subject,
                            where,
                            attr,
                            "false",
                            f'Set {attr}="false" on the security zone '
                            "(first move the callers from this zone to IMS bearer tokens)",
                        ),
                    )


# --------------------------------------------------------------------------- IMS202


class NativeApiOpen(Rule):
    """Native login/password API access is not locked down, or extra operators keep it

    Fires on a ``<nonIMSAuthnAPI>`` whose ``disableAPI`` is not ``true``, on an
    ``<imsConfig>`` that has no ``<nonIMSAuthnAPI>`` at all, and on each
    ``<allowOperator>`` name beyond Adobe's defaults (option
    ``allowed-logins``; a name such as ``internal|monitoring`` lists several
    operators).

    Why it matters: from Campaign v7.4.1 the instance configuration can refuse
    API calls authenticated with a native login and password. Until
    ``disableAPI="true"`` is set, any native operator can still call the API;
    every extra ``allowOperator`` keeps one technical operator on native
    credentials after the lockdown.

    What to do instead: migrate technical operators to Adobe Developer Console
    technical accounts (OAuth Server-to-Server), then set
    ``<nonIMSAuthnAPI disableAPI="true">`` and keep only Adobe's default
    ``allowOperator`` entries (see Adobe's "Update Campaign interface after IMS
    migration").

    Each extra ``allowOperator`` name is also published as a ``campaign-login``
    fact, so the operator rules treat that operator as technical.

    Failing example::

        <imsConfig>
          <nonIMSAuthnAPI disableAPI="false">
            <allowOperator name="admin"/>
            <allowOperator name="api_crm"/>
          </nonIMSAuthnAPI>
        </imsConfig>

    Passing example::

        <imsConfig>
          <nonIMSAuthnAPI disableAPI="true">
            <allowOperator name="admin"/>
            <allowOperator name="internal|monitoring"/>
          </nonIMSAuthnAPI>
        </imsConfig>
    """

    id = "IMS202"
    name = "native-api-open"
    subject = SourceText
    severity = Severity.WARNING
    defaults = {"allowed-logins": list(DEFAULT_ALLOWED_LOGINS)}
    tags = ("configuration", "ims-migration")
    precision = "high"
    keywords = (b"imsconfig", b"nonimsauthnapi", b"allowoperator")
    languages = ("xml",)

    def check(self, subject: SourceText, options: Mapping[str, Any]) -> Iterator[Any]:
        """The lockdown switch, its presence under each imsConfig, and the allow-list."""
        if not _is_xml(subject):
            return
        locator = XmlLocator(subject) if subject.tree is not None else None
        for node in _nodes(subject, "imsConfig", locator):
            if not self._has_lockdown(subject, node):
                yield Problem(
                    node.location(),
                    "imsConfig has no <nonIMSAuthnAPI>: native login/password API access stays open; "
                    f'add <nonIMSAuthnAPI disableAPI="true"> once technical operators use IMS ({_DOC_LOCKDOWN})',
                    key="imsConfig:no-nonIMSAuthnAPI",
                )
        for node in _nodes(subject, "nonIMSAuthnAPI", locator):
            value = node.attributes.get("disableAPI")
            if not _is_true(value):
                setting = f'disableAPI="{value}"' if value is not None else "no disableAPI"
                where = node.location("disableAPI")
                yield Problem(
                    where,
                    f"native login/password API access is still open (nonIMSAuthnAPI with {setting}): "
                    f'set disableAPI="true" once technical operators use IMS ({_DOC_LOCKDOWN})',
                    key="nonIMSAuthnAPI:disableAPI",
                    fix=None
                    if value is None
                    else _set_attribute(
                        subject,
                        where,
                        "disableAPI",
                        "true",
                        'Set disableAPI="true" to refuse native login/password API calls '
                        "(once the technical operators use IMS)",
                    ),
                )
        allowed = {str(a).strip().lower() for a in options.get("allowed-logins", DEFAULT_ALLOWED_LOGINS)}
        for node in _nodes(subject, "allowOperator", locator):
            for login in _split_names(node.attributes.get("name", "")):
                if login.lower() in allowed:
                    continue
                yield Fact(LOGIN_FACT, login, node.location("name"))
                yield Problem(
                    node.location("name"),
                    f"allowOperator {login!r} keeps native login/password API access for this operator after the "
                    "lockdown: move its integration to an Adobe Developer Console technical account "
                    f"(OAuth Server-to-Server) and remove the entry ({_DOC_LOCKDOWN})",
                    key=f"allowOperator:{login}",
                    properties={"login": login},
                )

    @staticmethod
    def _has_lockdown(subject: SourceText, node: _Node) -> bool:
        if node.element is not None:
            return any(_local(child.tag) == "nonIMSAuthnAPI" for child in node.element)
        # Raw text: look between this start tag and the next </imsConfig>.
        end = subject.text.find("imsConfig>", node.raw_end)
        window = subject.text[node.raw_end : end if end >= 0 else len(subject.text)]
        return re.search(r"<(?:[\w.-]+:)?nonIMSAuthnAPI[\s/>]", window) is not None


def _split_names(value: str) -> List[str]:
    return [n.strip() for n in value.split("|") if n.strip()]


# --------------------------------------------------------------------------- IMS203


class PlaintextAccountPassword(Rule):
    """External account password stored in plain text

    An ``<extAccount>`` (an ``nms:extAccount`` entity of a package, a SOAP
    ``extAccount-collection`` response, a ``Write`` body) whose ``password``
    attribute is neither empty nor encrypted: Campaign stores encrypted values
    as ``@`` followed by base64, while a ``__PLAINTEXT__`` prefix marks a value
    meant to be encrypted on import.

    Why it matters: the password of a mid-sourcing, execution-instance or
    other remote account is a live credential of another system (often a
    native Campaign operator); anyone who can read the package or the
    repository can use it.

    What to do instead: enter the password in the external account form so
    Campaign stores it encrypted, export again, rotate the exposed password
    (Adobe's credential rotation guide), and where the remote side is
    Campaign, move it to an IMS technical account.

    The ``account`` of a mid-sourcing (type 3) or execution-instance (type 11)
    account is published as a ``campaign-login`` fact, encrypted password or
    not, so the operator rules treat that operator as technical.

    Failing example::

        <extAccount name="acme_mid" account="mid_mkt" server="https://acme-mid.example.com"
                    password="S3cret!" type="3"/>

    Passing example::

        <extAccount name="acme_mid" account="mid_mkt" server="https://acme-mid.example.com"
                    password="@n3k1dR0cCiRmnXQ3j2Ltdw==" type="3"/>
    """

    id = "IMS203"
    name = "plaintext-account-password"
    subject = SourceText
    severity = Severity.ERROR
    tags = ("configuration", "security", "secret", "ims-migration")
    precision = "high"
    security_severity = "7.5"
    keywords = (b"extaccount",)
    languages = ("xml",)

    PLAINTEXT_PREFIX = "__PLAINTEXT__"

    def check(self, subject: SourceText, options: Mapping[str, Any]) -> Iterator[Any]:
        """One problem per external account with a clear-text password."""
        if not _is_xml(subject):
            return
        locator = XmlLocator(subject) if subject.tree is not None else None
        for node in _nodes(subject, "extAccount", locator):
            password = node.attributes.get("password")
            if password is None:
                continue
            account = node.attributes.get("account", "").strip()
            if (
                account
                and node.attributes.get("type", "").strip() in _CAMPAIGN_ACCOUNT_TYPES
                and not is_placeholder(account)
            ):
                yield Fact(LOGIN_FACT, account, node.location("account"))
            secret = self._plaintext(password)
            if secret is None:
                continue
            name = node.attributes.get("name") or node.attributes.get("label") or "?"
            who = f" (login {account!r})" if account else ""
            yield Problem(
                node.location("password"),
                f"external account {name!r}{who} stores its password in plain text: enter it in the external "
                "account form so Campaign encrypts it, rotate the exposed password and keep it out of the "
                f"repository ({_DOC_ROTATION})",
                secret=secret,
                key=f"extAccount:{name}:{account}",
                properties={"account": name, "login": account},
            )

    def _plaintext(self, value: str) -> Optional[str]:
        """The clear-text secret held by a ``password`` attribute, or None."""
        if value.startswith(self.PLAINTEXT_PREFIX):
            value = value[len(self.PLAINTEXT_PREFIX) :]
        elif value.startswith("@"):
            return None  # encrypted by Campaign
        if not value.strip() or is_placeholder(value):
            return None
        return value


RULES: Sequence[type] = documented(ZoneAllowsPassword, NativeApiOpen, PlaintextAccountPassword)


@hookimpl
def imslint_register_rules() -> Iterable[type]:
    """IMS201 zone-allows-password, IMS202 native-api-open, IMS203 plaintext-account-password."""
    return list(RULES)


def _locate(locator: XmlLocator, el: Any, attribute: Optional[str] = None) -> Location:
    """Where ``el`` (or its ``attribute``) stands in the real file."""
    return locator.attribute(el, attribute) if attribute else locator.element(el)
