"""The ``imslint operators`` command and its readiness summary: the operator side of the Campaign plugin.

Added to the command line through :func:`imslint.hookspecs.imslint_register_commands`
(see :func:`imslint.rules.operators.imslint_register_commands`), like any plugin's command.
"""

from __future__ import annotations

import sys
from typing import Any, Optional, Tuple

import click

from imslint.cli import UserError, common_options, emit, exit_code, fail, inputs_of, run_check

from .instance.command import with_instance

#: The rules whose findings block the move to IMS: the verdict is "Ready" only when all of them ran and found nothing.
BLOCKING = ("IMS001", "IMS002", "IMS003", "IMS004", "IMS005")


def register(cli: click.Group) -> None:
    """Add ``operators`` to ``cli``."""

    @cli.command()
    @click.argument("exports", nargs=-1, type=click.Path())  # required unless --instance (with_instance)
    @click.option("--worklist", type=click.Path(dir_okay=False), help="Write a CSV worklist: one row per operator that needs action.")
    @click.option("--code", "code_paths", multiple=True, type=click.Path(), help="Also scan this code folder, so that logins used in code mark operators technical (IMS005).")
    @common_options
    @with_instance
    def operators(exports: Tuple[str, ...], worklist: Optional[str], code_paths: Tuple[str, ...], **opts: Any) -> None:
        """Check operator exports and print a readiness summary for the Campaign administrator."""
        try:
            select = ["IMS0"] if not code_paths else ["ALL"]
            result, registry, cfg = run_check(tuple(exports) + tuple(code_paths), opts, default_select=select, exports=exports)
            if worklist:
                from .worklist import write_worklist
                from imslint.outputs import OutputError, open_output

                try:
                    with open_output(worklist, "backslashreplace", newline="", inputs=inputs_of(result)) as fh:
                        rows = write_worklist(result.findings, fh)
                except OutputError as exc:
                    raise UserError(str(exc)) from None
                click.echo(f"imslint: wrote {rows} operator(s) needing action to {worklist}", err=True)
            emit(result, registry, opts)
            # After the text report on the terminal; otherwise (a report file, JSON or SARIF on standard
            # output) on standard error, so that the administrator still reads it and the report stays clean.
            to_stdout = opts.get("fmt", "text") == "text" and not opts.get("output")
            click.echo(readiness_summary(result), err=not to_stdout)
        except UserError as exc:
            fail(str(exc))
        sys.exit(exit_code(result, cfg.fail_on))


def readiness_summary(result: Any) -> str:
    """A short report an administrator can act on: what blocks the move to IMS, by rule."""
    operators_read = result.subjects.get("operator", 0)
    needing = {
        (f.location.path, f.location.line, f.location.column, f.properties.get("login"))  # one-line exports: same line
        for f in result.findings if f.rule_id.startswith("IMS00")
    }
    blocking = [f for f in result.findings if f.rule_id in BLOCKING]
    lines = ["", "IMS migration readiness", "======================="]
    lines.append(f"Operators and groups read: {operators_read}; needing action: {len(needing)}.")
    counts = result.by_rule()
    for rid, count in counts.items():
        cls = result.rules.get(rid)
        if cls is not None:
            lines.append(f"  {rid} {cls.name:<28} {count:>6}  {cls.summary()}")
    if blocking:
        lines.append(f"Not ready: {len(blocking)} finding(s) block the move to IMS (IMS001-IMS005).")
        if result.errors:
            lines.append("Some inputs could not be read (see the errors above): they may hold more.")
    elif result.errors:
        lines.append("Unknown: some inputs could not be read as exports, or not completely (see the errors above).")
    elif not operators_read:
        lines.append("Unknown: no operator was read, so nothing shows the move is ready.")
    else:
        lines.append("Ready: no operator blocks the move to IMS.")
    return "\n".join(lines)
