"""Credential and legacy-logon rules (IMS101-IMS106): what keeps integrations on Campaign logins and passwords.

One shared analysis (:func:`analyze`) finds every logon site of a source
subject: ``xtk:session#Logon`` SOAP bodies and calls, ``logonWithUser``,
``logonRemote``, acc-js-sdk connection parameters, zeep/suds clients,
credential keys in objects and configuration files, ``login/password``
session tokens. Each site is reported by exactly one rule, depending on what
its password is:

- a hard-coded password: IMS101 (``hardcoded-credentials``);
- a ``login/password`` session token with a literal or empty password: IMS102;
- a password that is not a literal (variable, environment, decryption...): IMS103;
- a session token in a URL that IMS102 does not already report: IMS104.

The rule that reports a site also publishes the login it uses as a
``Fact("campaign-login", login, location)``; IMS103 additionally publishes
``logonEscalation('<login>')`` and logins of sites nobody reports (a
configuration file whose password comes from the environment), so that the
operator rules can mark those operators technical.

Documentation files (``language == "markdown"``) describe patterns: by default
only the literal-secret rules (IMS101, IMS102, IMS106) look at them, and
placeholders (``PASSWORD_HERE``, ``<password>``, ``{{password}}``...) never
count as secrets anywhere. No rule keeps state across files: IMS101's
cross-file step works from the facts its ``check`` publishes
(``finish_from_facts``), so the engine can spread files over worker
processes and cache each file's results.

The package, in the order its modules depend on each other:

- ``model``: what the analysis finds (logon sites, tokens, marks);
- ``resolve``: one step of data flow in a file (constants, format slots, defaults);
- ``code_scanners``: logon calls, SOAP bodies, keys, session tokens, HTTP Basic...;
- ``gates``: the cheap necessary conditions that let most files go unread;
- ``config_scanner``: passwords in configuration files;
- ``analysis``: :func:`analyze`, the entry point, and same-file logon helpers;
- ``messages``: how findings name logins without showing a password;
- ``logon_rules`` (IMS101-IMS103) and ``token_rules`` (IMS104-IMS106).

The literal/placeholder judgement is ``imslint.rules._patterns``; format slots and
function parameters are ``imslint.rules._flow``.
"""

from __future__ import annotations

from .analysis import analyze
from .gates import Gates, gates
from .logon_rules import HardcodedCredentials, LegacyLogon, PasswordSessionToken
from .model import FACT_KIND, LONELY_LOGON, MIGRATE, WRAPPER, Analysis, LogonSite, Spans, TokenSite
from .token_rules import RULES, JwtServiceAccount, PastedToken, SessionTokenInUrl, imslint_register_rules

__all__ = [
    "RULES",
    "Analysis",
    "FACT_KIND",
    "Gates",
    "HardcodedCredentials",
    "JwtServiceAccount",
    "LONELY_LOGON",
    "LegacyLogon",
    "LogonSite",
    "MIGRATE",
    "PasswordSessionToken",
    "PastedToken",
    "SessionTokenInUrl",
    "Spans",
    "TokenSite",
    "WRAPPER",
    "analyze",
    "gates",
    "imslint_register_rules",
]
