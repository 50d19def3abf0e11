"""How the engine contains plugin faults: what it catches, and how it describes them without leaking a secret."""

from __future__ import annotations

import os
from typing import Iterable

from ..model import redact

# What plugin code (a rule, a reader) may raise that costs its own work only: any error, and SystemExit
# (a plugin calling sys.exit() must not end the run with its status). KeyboardInterrupt still stops the run.
_FAULTS = (Exception, SystemExit)


class ContractError(TypeError):
    """A rule gave the engine what the plugin contract does not allow (a yield that is not a Problem or Fact).

    Reported as an error of the rule that names it and its plugin, without the
    engine's own position: the fault is in the plugin.
    """


MESSAGE_CAP = 300  # characters of a plugin's or reader's own message kept: it may quote the file


def _describe(exc: BaseException, secrets: Iterable[str]) -> str:
    """Exception type, message (secrets redacted) and where it was raised."""
    import traceback

    tb = traceback.extract_tb(exc.__traceback__)
    where = f" (at {os.path.basename(tb[-1].filename)}:{tb[-1].lineno} in {tb[-1].name})" if tb else ""
    return redact(f"{type(exc).__name__}: {_cap(str(exc))}", secrets) + where


def _cap(text: str) -> str:
    """``text`` cut to :data:`MESSAGE_CAP` characters, with an ellipsis."""
    return text if len(text) <= MESSAGE_CAP else text[:MESSAGE_CAP] + "…"
