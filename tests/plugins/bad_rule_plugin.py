"""A plugin that registers a rule with an invalid id."""

from imslint import Rule, hookimpl


class Bad(Rule):
    """Bad id."""

    id = "bad-1"
    name = "bad-rule"


@hookimpl
def imslint_register_rules():
    return [Bad]
