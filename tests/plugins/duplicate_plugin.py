"""A plugin that registers a rule id the toy plugin already uses."""

from imslint import Rule, hookimpl


class Dup(Rule):
    """Duplicate id."""

    id = "TOY001"
    name = "dup-rule"


@hookimpl
def imslint_register_rules():
    return [Dup]
