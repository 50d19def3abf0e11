"""Built-in imslint rules for Adobe Campaign: operators (IMS0xx), credentials (IMS1xx), configuration (IMS2xx).

They load through the ``imslint`` entry-point group, exactly like a third party's plugin.
"""

from __future__ import annotations

from typing import Sequence, Tuple, Type

from imslint.rule import Rule

#: The generated rule reference; each built-in rule's ``help_uri`` is its section there.
RULES_DOC = "https://github.com/imslint/imslint/blob/main/docs/rules.md"


def documented(*classes: Type[Rule]) -> Tuple[Type[Rule], ...]:
    """Point each rule's ``help_uri`` at its section of ``docs/rules.md``; returns the classes."""
    for cls in classes:
        cls.help_uri = f"{RULES_DOC}#{cls.id.lower()}-{cls.name}"
    return classes


__all__: Sequence[str] = ("RULES_DOC", "documented")
