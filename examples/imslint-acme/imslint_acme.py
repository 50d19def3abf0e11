"""ACME's house rules for imslint: an example third-party plugin."""

from __future__ import annotations

import re

from imslint import Problem, Rule, Severity, SourceText, hookimpl

__version__ = "1.2.0"

HOST_RE = re.compile(r"https?://([a-z0-9-]+)\.campaign\.adobe\.com", re.IGNORECASE)


class HardcodedInstanceUrl(Rule):
    """Campaign instance URL written into code.

    Integration code should read the instance URL from configuration, so that
    the same code runs against stage and production and the move to a new
    instance (Campaign v8) is a configuration change.

    Fails::

        url = "https://acme-mkt.campaign.adobe.com/nl/jsp/soaprouter.jsp"

    Passes::

        url = os.environ["CAMPAIGN_URL"]
    """

    id = "ACME001"
    name = "hardcoded-instance-url"
    subject = SourceText
    severity = Severity.NOTE
    defaults = {"allowed-instances": []}
    keywords = (b".campaign.adobe.com",)
    tags = ("maintainability",)
    help_uri = "https://wiki.acme.example/imslint/ACME001"  # a plugin documents its own rules

    def check(self, subject, options):
        allowed = {a.lower() for a in options["allowed-instances"]}
        for m in HOST_RE.finditer(subject.text):
            if m.group(1).lower() in allowed:
                continue
            yield Problem(
                subject.location(m.start(), m.end()),
                f"Campaign instance {m.group(1)!r} is hard-coded: read the URL from configuration",
                key=m.group(1).lower(),
            )


@hookimpl
def imslint_register_rules():
    return [HardcodedInstanceUrl]
