"""The ``imslint operators`` command: the periodic compliance scan of operator exports.

Added to the command line through :func:`imslint.hookspecs.imslint_register_commands`
(see :func:`imslint.rules.operators.imslint_register_commands`), like any plugin's command.
It runs the operator rules, takes a census of the exports (:mod:`.census`), gives a
verdict that needs evidence, and writes the worklist and the readiness reports.
"""

from __future__ import annotations

import sys
from typing import Any, Dict, List, Mapping, Optional, Sequence, Set, Tuple

import click

from imslint.cli import EXIT_ERROR, EXIT_OK, UserError, common_options, emit, exit_code, fail, inputs_of, run_check

from ..instance.command import with_instance
from .census import BLOCKING, Census, export_files, take_census, verdict_of

__all__ = ["BLOCKING", "register", "readiness_summary", "scan"]


def register(cli: click.Group) -> None:
    """Add ``operators`` to ``cli``."""

    @cli.command()
    @click.argument("exports", nargs=-1, type=click.Path())  # required unless --instance (with_instance)
    @click.option(
        "--worklist", type=click.Path(dir_okay=False), help="Write a CSV worklist: one row per login that needs action."
    )
    @click.option(
        "--worklist-format",
        type=click.Choice(["imslint", "campaign"]),
        default="imslint",
        show_default=True,
        help="imslint: every column (docs/compliance-scan.md); campaign: name,label,email of the person operators, "
        "to load with an Update data activity.",
    )
    @click.option(
        "--worklist-encoding",
        type=click.Choice(["utf-8-sig", "utf-8"]),
        default="utf-8-sig",
        show_default=True,
        help="utf-8-sig: UTF-8 with a byte-order mark (Excel reads accents); utf-8: without it.",
    )
    @click.option(
        "--report",
        "reports",
        multiple=True,
        type=click.Path(dir_okay=False),
        help="Write the readiness report: FILE.html (self-contained, for a manager) or FILE.md (a CI job summary). "
        "Repeatable.",
    )
    @click.option(
        "--compare",
        "compare",
        multiple=True,
        type=click.Path(dir_okay=False, exists=True),
        help="An earlier scan's JSON (imslint operators -f json): the report shows what was fixed, what is new, "
        "and the trend. Repeatable, oldest first.",
    )
    @click.option(
        "--top",
        type=click.IntRange(min=1),
        default=200,
        show_default=True,
        help="Rows per table in the report (every count covers all).",
    )
    @click.option(
        "--code",
        "code_paths",
        multiple=True,
        type=click.Path(),
        help="Also scan this code folder, so that logins used in code mark operators technical (IMS005).",
    )
    @common_options
    @with_instance
    def operators(
        exports: Tuple[str, ...],
        worklist: Optional[str],
        worklist_format: str,
        worklist_encoding: str,
        reports: Tuple[str, ...],
        compare: Tuple[str, ...],
        top: int,
        code_paths: Tuple[str, ...],
        **opts: Any,
    ) -> None:
        """Check operator exports and say whether the organisation is ready for IMS (exit 2 when it cannot tell)."""
        code = EXIT_ERROR
        try:
            for path in reports:
                if not path.lower().endswith((".html", ".htm", ".md", ".markdown")):
                    raise UserError(f"--report {path}: name an .html or .md file")
            previous = [_load_previous(p) for p in compare]
            select = ["IMS0"] if not code_paths else ["ALL"]
            result, registry, cfg = run_check(
                tuple(exports) + tuple(code_paths), opts, default_select=select, exports=exports
            )
            if opts.get("write_baseline"):
                _write_baseline(result, opts["write_baseline"])
                sys.exit(EXIT_ERROR if result.errors else EXIT_OK)
            census, block = scan(result, registry, cfg, exports)
            result.extra["readiness"] = block
            everything = list(result.findings) + list(result.baselined) + list(result.suppressed)
            if worklist:
                _write_worklist(result, census, worklist, worklist_format, worklist_encoding)
            report = _report(census, block, everything, previous, top, bool(code_paths)) if reports else None
            for path in reports:
                _write_report(path, result, report)
            emit(result, registry, opts)
            # After the text report on the terminal; otherwise (a report file, JSON or SARIF on standard
            # output) on standard error, so that the administrator still reads it and the report stays clean.
            to_stdout = opts.get("fmt", "text") == "text" and not opts.get("output")
            click.echo(readiness_summary(block), err=not to_stdout)
            code = EXIT_ERROR if block["verdict"] == "unknown" else exit_code(result, cfg.fail_on)
        except UserError as exc:
            fail(str(exc))
        sys.exit(code)


def scan(result: Any, registry: Any, cfg: Any, exports: Tuple[str, ...]) -> Tuple[Census, Dict[str, Any]]:
    """The census of the exports a run read, and its readiness block (see :func:`.census.verdict_of`)."""
    from imslint.config import resolve_rule_options

    try:
        options = resolve_rule_options(cfg, registry.rules).get("IMS001") or {}
    except Exception:  # noqa: BLE001 - the run itself resolved them; a rule plugin without IMS001 keeps the defaults
        options = {}
    everything = list(result.findings) + list(result.baselined) + list(result.suppressed)
    files = export_files(inputs_of(result), exports, result.base)
    jobs = cfg.jobs
    if not jobs:
        from imslint.engine import usable_cpus

        jobs = usable_cpus()
    census = take_census(files, registry.readers, options, everything, jobs)
    block = verdict_of(census, everything, result.rules, len(result.errors))
    return census, block


def _write_baseline(result: Any, path: str) -> None:
    from imslint.reporters.text import safe
    from imslint.suppressions import BaselineError, write_baseline

    try:
        n = write_baseline(path, result.findings, inputs=inputs_of(result))
    except BaselineError as exc:
        raise UserError(str(exc)) from None
    click.echo(f"imslint: wrote {n} finding(s) to baseline {safe(path)}", err=True)


def _write_worklist(result: Any, census: Census, path: str, fmt: str, encoding: str) -> None:
    from imslint.outputs import OutputError, open_output
    from imslint.reporters.text import safe

    from ..worklist import build_rows, write_rows

    rows = build_rows(result.findings, census)
    try:
        with open_output(path, "backslashreplace", newline="", inputs=inputs_of(result)) as fh:
            if encoding == "utf-8-sig":
                fh.write("\ufeff")
            n = write_rows(rows, fh, fmt)
    except OutputError as exc:
        raise UserError(str(exc)) from None
    click.echo(f"imslint: wrote {n} login(s) needing action to {safe(path)}", err=True)


def _report(
    census: Census,
    block: Mapping[str, Any],
    findings: List[Any],
    previous: Sequence[Mapping[str, Any]],
    top: int,
    with_code: bool,
) -> Any:
    from ..worklist import build_rows
    from .report import Report

    return Report(
        block,
        build_rows(findings, census, include_suppressed=True),
        findings,
        previous,
        top,
        with_code,
        [safe_name(e) for e in census.exports],
    )


def _write_report(path: str, result: Any, report: Any) -> None:
    from imslint.outputs import OutputError, open_output

    text = report.markdown() if path.lower().endswith((".md", ".markdown")) else report.html()
    try:
        with open_output(path, "backslashreplace", inputs=inputs_of(result)) as fh:
            fh.write(text)
    except OutputError as exc:
        raise UserError(str(exc)) from None


def safe_name(text: str) -> str:
    """A path as text any output can hold (bytes that were not UTF-8 shown escaped)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _load_previous(path: str) -> Dict[str, Any]:
    """An earlier scan's JSON report: its readiness block and the logins each rule named."""
    import json

    try:
        with open(path, "r", encoding="utf-8") as fh:
            doc = json.load(fh)
    except (OSError, ValueError) as exc:
        raise UserError(f"--compare {path}: not a JSON report of imslint operators ({exc})") from None
    block = doc.get("readiness") if isinstance(doc, dict) else None
    if not isinstance(block, dict) or not isinstance(doc.get("findings"), list):
        raise UserError(f"--compare {path}: no readiness block (write it with: imslint operators ... -f json -o FILE)")
    open_logins: Dict[str, Set[str]] = {}
    for f in doc["findings"]:
        if isinstance(f, dict) and str(f.get("rule_id", "")) in BLOCKING:
            login = str((f.get("properties") or {}).get("login", ""))
            open_logins.setdefault(login, set()).add(str(f["rule_id"]))
    return {"path": path, "block": block, "blocking": open_logins}


def _fmt_percent(value: Any) -> str:
    return "n/a" if value is None else f"{value:.1f} %"


def readiness_summary(block: Mapping[str, Any]) -> str:
    """A short report an administrator can act on: the verdict with its evidence, counts per login and kind."""
    from imslint.reporters.text import safe

    people, tech, groups = block["people"], block["technical"], block["groups"]
    lines = ["", "IMS migration readiness", "======================="]
    lines.append(
        f"Operators and groups read: {block['records']} in {len(block['exports'])} export(s); "
        f"distinct logins: {block['logins']}; ready: {_fmt_percent(block['percent_ready'])}."
    )
    lines.append(
        f"  People:              {people['total']:>7}  on IMS {people['on_ims']}, ready {people['ready']} "
        f"({_fmt_percent(people['percent_ready'])}), blocking {people['blocking']}, disabled {people['disabled']}"
    )
    lines.append(
        f"  Technical operators: {tech['total']:>7}  on IMS {tech['on_ims']}, ready {tech['ready']} "
        f"({_fmt_percent(tech['percent_ready'])}), blocking {tech['blocking']}, Adobe built-in {tech['builtin']}"
    )
    lines.append(f"  Groups:              {groups['total']:>7}  to map to Admin Console product profiles")
    for rid, count in block["by_rule"].items():
        lines.append(f"  {rid}: {count} login(s)")
    verdict = block["verdict"]
    if verdict == "not ready":
        lines.append(f"Not ready: {block['blocking_logins']} login(s) block the move to IMS (IMS001-IMS005).")
        if "some inputs could not be read completely" in block["unknown_because"]:
            lines.append("Some inputs could not be read (see the errors above): they may hold more.")
        elif block["unknown_because"]:
            lines.append("The count may be short: " + "; ".join(safe(r) for r in block["unknown_because"]) + ".")
    elif verdict == "unknown":
        lines.append("Unknown: " + "; ".join(safe(r) for r in block["unknown_because"]) + ".")
    else:
        lines.append("Ready: no operator blocks the move to IMS.")
    return "\n".join(lines)
