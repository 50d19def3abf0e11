"""The imslint hook specifications: signatures and documentation, nothing else.

Plugins implement these with the :data:`linter.hookimpl` marker. The host calls
every hook with keyword arguments only.
"""

from __future__ import annotations

from typing import Any, Iterable

import pluggy

PROJECT_NAME = "imslint"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def imslint_register_rules() -> Iterable[type]:
    """Return the rule classes this plugin provides.

    Each item is a subclass of :class:`linter.Rule`. Rules are returned, not
    implemented as hooks, so the engine can run each one in isolation: a rule
    that raises is reported with its id and file while every other rule goes on.

    :return: an iterable of :class:`linter.Rule` subclasses.
    """


@hookspec
def imslint_register_reporters() -> Iterable[Any]:
    """Return reporters for new output formats.

    Each item is an object (or class) with a ``format`` attribute (the name used
    with ``--format``) and a ``render(result, options) -> str`` method
    (:class:`imslint.protocols.Reporter`); ``result`` is the
    :class:`imslint.model.RunResult` (its ``rules`` are the rules applied),
    ``options`` a mapping of display options (``color``, ``quiet``, ``verbose``,
    ``statistics``, ``show_suppressed``, ``show_related``). A reporter may also
    define ``write(result, options, out)`` (:class:`imslint.protocols.StreamingReporter`)
    to stream its output. Reporters return text; they never print or exit.

    :return: an iterable of reporter objects or classes.
    """


@hookspec
def imslint_register_output_recognisers() -> Iterable[Any]:
    """Return recognisers of the files this plugin writes (a worklist...), so that a scan leaves them out.

    imslint's outputs quote what they found: one left in a scanned tree would be
    flagged on the next run. Each item (an object, or a class to instantiate)
    offers :class:`imslint.protocols.OutputRecogniser`. Reporters recognise their
    own reports by offering the same protocol; the baseline and the result cache
    are recognised by the host.

    :return: an iterable of recognisers.
    """


@hookspec
def imslint_register_readers() -> Iterable[Any]:
    """Return readers that teach the host new kinds of input.

    Each item is a subclass (or instance) of :class:`linter.Reader`: it
    recognises its files by content (``sniff``) and yields subjects
    (``read``), such as :class:`linter.OperatorRecord` from another export
    format. Readers are asked in descending ``priority``.

    :return: an iterable of :class:`linter.Reader` subclasses or instances.
    """


@hookspec
def imslint_configure(config: Any) -> None:
    """Called once with the effective configuration before a run starts.

    A plugin may read its own keys from ``config.plugin_options`` (the table
    ``[tool.imslint.plugin-options]``). It must not modify the configuration.

    :param config: the :class:`imslint.config.Config` of the run.
    """


@hookspec
def imslint_register_commands(cli: Any) -> None:
    """Add subcommands to the ``imslint`` command line (datasette's ``register_commands`` pattern).

    ``cli`` is the top-level :class:`click.Group`: decorate functions with
    ``@cli.command()``. Only installed plugins (entry points) can add commands,
    as the command line is parsed before any configuration file is read; they
    are loaded when a command that is not built in is asked for, so built-in
    commands never pay for them. A command name already taken is an error
    naming the plugin. Helpers for commands that lint, shaped like
    ``imslint check``, are in :mod:`imslint.cli` (``common_options``,
    ``run_check``, ``emit``, ``exit_code``, ``UserError``).

    :param cli: the ``imslint`` click group.
    """
