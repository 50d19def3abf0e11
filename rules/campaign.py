"""Campaign facts shared by the rule families (operators, credentials, configuration)."""

from __future__ import annotations

#: Adobe's default ``allowOperator`` list: operators that keep native access after the move,
#: "enabled by default and must not be modified" (impact-ims-migration.md). Operator rules leave
#: them alone (``allowed-logins``); IMS202 accepts them in ``allowOperator`` (``allowed-logins`` too).
DEFAULT_ALLOWED_LOGINS = ("admin", "aemserver", "campaign-loginmonitor", "internal", "monitoring")

#: The fact a code or configuration rule publishes for each Campaign login it sees used
#: (``Fact(LOGIN_FACT, login, location)``); IMS005 reads them to call an operator technical.
LOGIN_FACT = "campaign-login"
