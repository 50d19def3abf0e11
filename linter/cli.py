"""The ``imslint`` command: a thin click layer over the library."""

from __future__ import annotations

import os
import sys
from typing import Any, Dict, List, Optional, Sequence, Tuple

import click

from . import __version__

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2

FAIL_LEVELS = {"error": 3, "warning": 2, "note": 1}


class UserError(Exception):
    """A mistake the user can fix; printed as one line, exit 2."""


def _split(values: Sequence[str]) -> List[str]:
    out: List[str] = []
    for v in values:
        out.extend(p.strip() for p in v.split(",") if p.strip())
    return out


def _load_config(paths: Sequence[str], config_file: Optional[str], no_config: bool):
    from .config import Config, find_config, load_config

    if no_config:
        return Config(root=os.getcwd())
    if config_file:
        return load_config(config_file)
    start = os.path.abspath(paths[0] if paths else ".")
    while not os.path.exists(start) and os.path.dirname(start) != start:
        start = os.path.dirname(start)  # a path that does not exist (a --stdin-filename): its nearest folder
    found = find_config(start)
    return load_config(found) if found else Config(root=os.getcwd())


def _registry(cfg):
    from .plugins import load_plugins

    return load_plugins(cfg.plugins, cfg.root if cfg.path else None)


def fail(message: str) -> None:
    from .reporters.text import safe

    click.echo(f"imslint: error: {safe(message)}", err=True)
    sys.exit(EXIT_ERROR)


class _Commands(click.Group):
    """The built-in commands, then those installed plugins add (:func:`imslint.hookspecs.imslint_register_commands`).

    Plugins are loaded only when a name that is not built in is asked for (or
    the list of commands is shown), so ``imslint check`` does not load them twice.
    """

    _plugin_commands: Optional[Dict[str, click.Command]] = None

    def _plugins(self) -> Dict[str, click.Command]:
        if self._plugin_commands is None:
            from .plugins import PluginError, plugin_commands

            try:
                self._plugin_commands = plugin_commands(set(self.commands))
            except PluginError as exc:
                fail(str(exc))
        return self._plugin_commands or {}

    def list_commands(self, ctx: click.Context) -> List[str]:
        return sorted(set(self.commands) | set(self._plugins()))

    def get_command(self, ctx: click.Context, cmd_name: str) -> Optional[click.Command]:
        return self.commands.get(cmd_name) or self._plugins().get(cmd_name)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="imslint", message="%(prog)s %(version)s")
def main() -> None:
    """Find what keeps an Adobe Campaign organisation from moving to Adobe IMS.

    Scans Campaign operator exports (package XML, SOAP query results, console CSV) and
    custom-code repositories (Campaign JS, JSSP, workflow packages, server configuration,
    integration code in any language).
    """


_common = [
    click.option(
        "--format",
        "-f",
        "fmt",
        default="text",
        show_default=True,
        help="Output format: text, json, sarif, github, or one a plugin adds.",
    ),
    click.option(
        "--output",
        "-o",
        type=click.Path(dir_okay=False, writable=True),
        help="Write the report to FILE instead of standard output.",
    ),
    click.option(
        "--select",
        multiple=True,
        help="Rules to apply (ids, id prefixes or names; comma-separated or repeated). Replaces the configured selection.",
    ),
    click.option("--extend-select", multiple=True, help="Rules to add to the selection."),
    click.option("--ignore", multiple=True, help="Rules to leave out."),
    click.option(
        "--fail-on",
        type=click.Choice(["error", "warning", "note", "never"], case_sensitive=False),
        help="Lowest severity that makes the exit code 1 (default: warning).",
    ),
    click.option(
        "--config",
        "config_file",
        type=click.Path(dir_okay=False),
        help="Read configuration from FILE (otherwise found by walking up).",
    ),
    click.option("--no-config", is_flag=True, help="Ignore every configuration file."),
    click.option(
        "--jobs",
        "-j",
        type=click.IntRange(min=0),
        help="Worker processes (0 = one per CPU; default: one per CPU for 400 code files or more "
        "and for operator exports over 8 MiB, else 1).",
    ),
    click.option("--quiet", "-q", is_flag=True, help="Print findings only, no summary when there are none."),
    click.option(
        "--no-progress",
        is_flag=True,
        help="Never show progress (shown on a terminal only, never when redirected, in CI or with --quiet).",
    ),
    click.option(
        "--verbose", "-v", is_flag=True, help="List every file or folder left out, with the reason (text output)."
    ),
    click.option(
        "--debug",
        is_flag=True,
        expose_value=False,
        is_eager=True,
        callback=lambda ctx, param, value: _DEBUG.append(value),
        help="Print the traceback of an internal error (also IMSLINT_DEBUG=1).",
    ),
    click.option("--statistics", is_flag=True, help="Add a count of findings per rule."),
    click.option("--exclude", multiple=True, help="Glob of paths to skip (adds to the configured excludes)."),
    click.option(
        "--force-exclude", is_flag=True, help="Apply excludes to files named on the command line too (pre-commit)."
    ),
    click.option("--max-file-size", help="Skip code files larger than this (e.g. 5MB)."),
    click.option(
        "--color",
        "color",
        type=click.Choice(["auto", "always", "never"], case_sensitive=False),
        help="Colour the text output: auto (on a terminal, unless NO_COLOR is set; FORCE_COLOR forces it), always or never.",
    ),
    click.option("--no-color", is_flag=True, help="Never colour the text output (the same as --color=never)."),
    click.option(
        "--baseline",
        "baseline_file",
        type=click.Path(dir_okay=False),
        help="Report only findings that are not in this baseline file.",
    ),
    click.option(
        "--write-baseline", type=click.Path(dir_okay=False), help="Record the current findings in FILE and exit 0."
    ),
    click.option(
        "--cache-dir",
        envvar="IMSLINT_CACHE_DIR",
        type=click.Path(file_okay=False),
        help="Keep per-file results in DIR and reuse them for unchanged files (env IMSLINT_CACHE_DIR; config cache-dir).",
    ),
    click.option("--no-cache", is_flag=True, help="Do not use the result cache, even if one is configured."),
    click.option("--show-suppressed", is_flag=True, help="Include suppressed and baselined findings in JSON output."),
]


def common_options(func):
    """Attach the options shared by ``check`` and ``operators``."""
    for option in reversed(_common + _ci):
        func = option(func)
    return func


def configure(  # noqa: C901
    paths: Sequence[str], opts: Dict[str, Any], default_select: Optional[List[str]] = None
) -> Tuple[Any, Any]:
    """The effective configuration (file values, then command-line values) and the plugin registry.

    Raises ConfigError or PluginError. Each value the command line sets is
    recorded in ``cfg.origins`` under its option (``--select``).
    """
    from .config import ConfigError, parse_size

    cfg = _load_config(paths, opts.get("config_file"), opts.get("no_config", False))
    if opts.get("select"):
        cfg.select = _split(opts["select"])
        if not cfg.select:
            raise ConfigError("--select: no rule given (use rule ids, id prefixes, names or ALL)")
        cfg.from_command_line["select"] = list(cfg.select)
        cfg.origins["select"] = "--select"
    elif default_select is not None:
        cfg.select = default_select
        cfg.origins["select"] = "the command's default"
    for key, attr in (("extend-select", "extend_select"), ("ignore", "ignore")):
        given = _split(opts.get(attr) or ())
        setattr(cfg, attr, getattr(cfg, attr) + given)
        cfg.from_command_line[key] = given
        if given:
            cfg.origins[key] = _also(cfg.origins.get(key), f"--{key}")
    if opts.get("exclude"):
        cfg.extend_exclude += list(opts["exclude"])
        cfg.origins["extend-exclude"] = _also(cfg.origins.get("extend-exclude"), "--exclude")
    if opts.get("force_exclude"):
        cfg.force_exclude = True
        cfg.origins["force-exclude"] = "--force-exclude"
    if opts.get("fail_on"):
        cfg.fail_on = opts["fail_on"].lower()
        cfg.origins["fail-on"] = "--fail-on"
    if opts.get("max_file_size"):
        size = parse_size(opts["max_file_size"])
        if size is None:
            raise ConfigError(f"--max-file-size: expected a size such as 5MB, got {opts['max_file_size']!r}")
        cfg.max_file_size = size
        cfg.origins["max-file-size"] = "--max-file-size"
    if opts.get("no_cache"):
        cfg.cache_dir = None
        cfg.origins["cache-dir"] = "--no-cache"
    elif opts.get("cache_dir"):
        cfg.cache_dir = opts["cache_dir"]
        cfg.origins["cache-dir"] = "--cache-dir or IMSLINT_CACHE_DIR"
    jobs = opts.get("jobs")
    if jobs is not None:
        from .engine import usable_cpus

        cfg.jobs = jobs or usable_cpus()
        cfg.origins["jobs"] = "--jobs"
    baseline_file = opts.get("baseline_file")
    if baseline_file:
        cfg.baseline = baseline_file
        cfg.origins["baseline"] = "--baseline"
    elif opts.get("write_baseline"):
        cfg.baseline = None  # a run that writes the baseline reads none
    registry = _registry(cfg)
    return cfg, registry


def _also(before: Optional[str], option: str) -> str:
    return f"{before} + {option}" if before else option


# Options for CI gates (docs/ci.md): what is reported, not how files are checked.
_ci = [
    click.option(
        "--diff-base",
        "--new-since",
        "diff_base",
        metavar="REF",
        help="Report only findings on lines changed since the merge base of REF and HEAD (git; renames followed).",
    ),
    click.option(
        "--fix-diff",
        is_flag=True,
        help="Print the suggested fixes as a unified diff for 'git apply' instead of the report "
        "(files are never changed).",
    ),
    click.option(
        "--automation-id",
        metavar="ID",
        help="SARIF automationDetails.id, the run's category (default: imslint/<command>/).",
    ),
]


def run_check(
    paths: Sequence[str], opts: Dict[str, Any], default_select: Optional[List[str]] = None, exports: Sequence[str] = ()
) -> Tuple[Any, Any, Any]:
    """Configure, load plugins and lint; returns (result, registry, config). Raises UserError.

    Every file under ``exports`` must be read as an operator export (an error otherwise).
    """
    from .config import ConfigError
    from .engine import lint
    from .plugins import PluginError
    from .suppressions import BaselineError, read_baseline

    try:
        cfg, registry = configure(paths, opts, default_select)
        fmt = opts.get("fmt", "text")
        if fmt not in registry.reporters:
            raise ConfigError(f"unknown output format {fmt!r} (available: {', '.join(sorted(registry.reporters))})")
        baseline = read_baseline(cfg.baseline) if cfg.baseline else None
        require = None
        if exports:
            from .readers.operators import why_not_export

            require = ("operator", list(exports), lambda path: why_not_export(path, registry.readers))
        if opts.get("stdin") is not None:
            from .stdin import lint_stdin

            name, data = opts["stdin"]
            result = lint_stdin(data, name, cfg, registry, baseline=baseline)
        else:
            from .progress import Progress, wanted

            progress = Progress() if wanted(bool(opts.get("quiet")), bool(opts.get("no_progress"))) else None
            result = lint(list(paths) or ["."], cfg, registry, baseline=baseline, require=require, progress=progress)
        from .notices import collect, stderr_lines
        from .reporters.text import safe

        result.notices = collect(result, registry, paths, cfg.baseline, opts.get("stdin"), max_size=cfg.max_file_size)
        if result.cache and result.cache.get("warning"):
            click.echo(f"imslint: warning: {safe(result.cache['warning'])}", err=True)
        for warning in getattr(result, "warnings", ()):
            click.echo(f"imslint: warning: {safe(warning)}", err=True)  # may name a file of the scanned tree
        for line in stderr_lines(result.notices):
            click.echo(line, err=True)
        if opts.get("diff_base"):
            result = _only_changed(result, opts["diff_base"], paths, bool(opts.get("write_baseline")))
    except (ConfigError, PluginError, BaselineError) as exc:
        raise UserError(str(exc)) from None
    return result, registry, cfg


def _only_changed(result: Any, ref: str, paths: Sequence[str], writing_baseline: bool) -> Any:
    """--diff-base: the findings on changed lines only (a filter after linting, like the baseline)."""
    from .diffbase import DiffBaseError, only_changed
    from .reporters.text import safe

    if writing_baseline:
        raise UserError("--diff-base and --write-baseline do not go together: a baseline records every finding")
    try:
        result, left_out = only_changed(result, ref, paths[0] if paths else ".")
    except DiffBaseError as exc:
        raise UserError(str(exc)) from None
    if left_out:
        click.echo(
            f"imslint: --diff-base {safe(ref)}: {left_out} finding(s) on lines not changed since the merge base "
            "left out",
            err=True,
        )
    return result


def emit(result: Any, registry: Any, opts: Dict[str, Any], config: Any = None) -> None:
    """Render with the chosen reporter and write to --output or stdout (with --fix-diff: the fixes as a patch)."""
    if opts.get("fix_diff"):
        write_fix_diff(result, opts)
        return
    fmt = opts.get("fmt", "text")
    output = opts.get("output")
    color = fmt == "text" and not output and wants_color(opts)
    reporter = registry.reporters[fmt]
    source = None
    if opts.get("show_source") and fmt == "text" and config is not None and result.findings:
        from .source_lines import SourceLines

        source = SourceLines(result, config, registry, stdin=opts.get("stdin"))
    ropts = {
        "source": source,
        "color": color,
        "quiet": opts.get("quiet"),
        "verbose": opts.get("verbose"),
        "statistics": opts.get("statistics"),
        "show_suppressed": opts.get("show_suppressed"),
        "show_related": True,
        "diff_base": opts.get("diff_base"),
        "automation_id": opts.get("automation_id") or _default_automation_id(),
    }
    # A reporter may stream (write(result, options, stream)); otherwise its render() text is written.
    # File names may hold bytes that are not UTF-8: JSON escapes them, other formats write them escaped.
    from .outputs import OutputError, errors_for, open_output
    from .protocols import StreamingReporter, supports

    try:
        with open_output(output or "-", errors_for(fmt), inputs=inputs_of(result)) as fh:
            if supports(reporter, StreamingReporter):
                reporter.write(result, ropts, fh)
            else:
                fh.write(reporter.render(result, ropts))
    except OutputError as exc:
        raise UserError(str(exc)) from None
    if getattr(reporter, "summary", None) and os.environ.get("GITHUB_STEP_SUMMARY"):
        _job_summary(reporter, result, ropts)
    if (output or fmt != "text") and result.errors:
        from .reporters.text import safe

        for e in result.errors:
            where = f"{e.path}:{e.line}" if e.line else e.path
            click.echo(f"imslint: error: {safe(where)}: {safe(e.message)}", err=True)


def wants_color(opts: Dict[str, Any]) -> bool:
    """Colour standard output? (see :func:`imslint.terminal.color_wanted`); a report file is never coloured."""
    from .terminal import color_wanted

    choice = (opts.get("color") or "auto").lower()
    if opts.get("no_color") and choice == "always":
        raise UserError("--no-color and --color=always contradict each other")
    try:
        isatty = sys.stdout.isatty()
    except (AttributeError, ValueError):
        isatty = False
    return color_wanted(choice, bool(opts.get("no_color")), os.environ, isatty)


def _default_automation_id() -> str:
    ctx = click.get_current_context(silent=True)
    name = ctx.info_name if ctx is not None and ctx.info_name else "check"
    return f"imslint/{name}/"


def write_fix_diff(result: Any, opts: Dict[str, Any]) -> None:
    """--fix-diff: the fixes as a patch on --output or standard output; what was left out, on standard error."""
    from .fixes import fix_diff
    from .outputs import OutputError, open_output
    from .reporters.text import safe

    patch, notes = fix_diff(result)
    for note in notes:
        click.echo(f"imslint: {safe(note)}", err=True)
    try:
        with open_output(opts.get("output") or "-", "surrogateescape", inputs=inputs_of(result)) as fh:
            fh.write(patch)
    except OutputError as exc:
        raise UserError(str(exc)) from None
    n = sum(1 for line in patch.splitlines() if line.startswith("diff --git "))
    click.echo(f"imslint: suggested fixes for {n} file(s); apply them with 'git apply' and review", err=True)


def _job_summary(reporter: Any, result: Any, ropts: Dict[str, Any]) -> None:
    """Append the reporter's Markdown summary to ``$GITHUB_STEP_SUMMARY`` (shown on the run's page)."""
    env = os.environ
    ropts = dict(
        ropts,
        github={
            "server": env.get("GITHUB_SERVER_URL", ""),
            "repository": env.get("GITHUB_REPOSITORY", ""),
            "sha": env.get("GITHUB_SHA", ""),
            "workspace": env.get("GITHUB_WORKSPACE", ""),
        },
    )
    text = reporter.summary(result, ropts)
    try:
        with open(env["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8", errors="replace") as fh:
            fh.write(text)
    except OSError as exc:
        raise UserError(f"cannot write the job summary to $GITHUB_STEP_SUMMARY: {exc.strerror or exc}") from None


def inputs_of(result: Any) -> List[str]:
    """The files an output must not replace: every file the run read."""
    return list(getattr(result, "inputs", ()))


def exit_code(result: Any, fail_on: str) -> int:
    """EXIT_ERROR when anything could not be processed, EXIT_FINDINGS at or above ``fail_on``, else EXIT_OK."""
    if result.errors:
        return EXIT_ERROR
    if fail_on == "never":
        return EXIT_OK
    threshold = FAIL_LEVELS[fail_on]
    return EXIT_FINDINGS if any(int(f.severity) >= threshold for f in result.findings) else EXIT_OK


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@common_options
@click.option(
    "--stdin-filename",
    metavar="NAME",
    help="With '-' as the path: the file name of the input read from standard input (it chooses the reader, "
    "excludes and per-file ignores apply to it, findings name it).",
)
@click.option(
    "--show-source", is_flag=True, help="Text output: print the source line under each finding (every secret redacted)."
)
@click.option(
    "--show-settings",
    is_flag=True,
    help="Print the effective settings, the file each comes from and the rules selected, then exit.",
)
@click.option(
    "--show-files",
    is_flag=True,
    help="Print the files that would be scanned, and why each other file is skipped, then exit.",
)
def check(paths: Tuple[str, ...], **opts: Any) -> None:
    """Scan files and folders (default: the current folder) and report findings.

    Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it,
    2 usage, configuration or plugin error, a file that could not be read or
    checked, or a rule that crashed (every other finding is still reported).
    """
    stdin_name = opts.pop("stdin_filename", None)
    if "-" in paths or (stdin_name is not None and not paths):
        if len(paths) > 1:
            fail("'-' (standard input) cannot be checked together with other paths")
        if stdin_name is not None and not stdin_name.strip():
            fail("--stdin-filename: expected a file name")
        name = stdin_name or "-"
        only_settings = opts.get("show_settings") and not opts.get("show_files")
        if not only_settings:  # --show-settings alone does not need the bytes
            opts["stdin"] = (name, _read_stdin())
        paths = (name,)
    elif stdin_name is not None:
        fail("--stdin-filename names the input read from standard input: give '-' as the only path")
    if opts.get("show_settings") or opts.get("show_files"):
        show(paths, opts)
        sys.exit(EXIT_OK)
    try:
        result, registry, cfg = run_check(paths, opts)
        if opts.get("write_baseline"):
            from .reporters.text import safe
            from .suppressions import BaselineError, write_baseline

            try:
                n = write_baseline(opts["write_baseline"], result.findings, inputs=inputs_of(result))
            except BaselineError as exc:
                raise UserError(str(exc)) from None
            click.echo(f"imslint: wrote {n} finding(s) to baseline {safe(opts['write_baseline'])}", err=True)
            sys.exit(EXIT_ERROR if result.errors else EXIT_OK)
        emit(result, registry, opts, cfg)
    except UserError as exc:
        fail(str(exc))
    sys.exit(exit_code(result, cfg.fail_on))


def _read_stdin() -> bytes:
    """Standard input as bytes (the bytes decide the encoding, as for a file)."""
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is not None:
        return buffer.read()
    return sys.stdin.read().encode("utf-8", "surrogateescape")  # pragma: no cover - a replaced text stream


def show(paths: Sequence[str], opts: Dict[str, Any]) -> None:
    """``--show-settings`` and ``--show-files``: what a run would use, without running it (text or JSON)."""
    import json

    from .config import ConfigError
    from .outputs import JSON_ERRORS, OutputError, open_output
    from .plugins import PluginError
    from .show import files_document, files_text, settings_document, settings_text

    fmt = opts.get("fmt", "text")
    try:
        if fmt not in ("text", "json"):
            raise UserError(f"--show-settings and --show-files write text or json, not {fmt!r}")
        cfg, registry = configure(paths, opts)
        docs: Dict[str, Any] = {}
        if opts.get("show_settings"):
            docs["settings"] = settings_document(cfg, registry)
        if opts.get("show_files"):
            docs["files"] = files_document(paths, cfg, registry, stdin=opts.get("stdin"))
        if fmt == "json":
            text = json.dumps(docs, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        else:
            parts = []
            if "settings" in docs:
                parts.append(settings_text(docs["settings"]))
            if "files" in docs:
                parts.append(files_text(docs["files"]))
            text = "\n".join(parts)
        with open_output(opts.get("output") or "-", JSON_ERRORS if fmt == "json" else "backslashreplace") as fh:
            fh.write(text)
    except (ConfigError, PluginError, OutputError, UserError) as exc:
        fail(str(exc))


@main.command("rules")
@click.argument("rule", required=False)
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="Configuration file (for its plugins).")
@click.option("--no-config", is_flag=True, help="Ignore every configuration file.")
@click.option(
    "--format", "-f", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True
)
def rules_command(rule: Optional[str], config_file: Optional[str], no_config: bool, fmt: str) -> None:
    """List every loaded rule, or print the full documentation of RULE (id or name)."""
    from .config import ConfigError, match_selector
    from .docs import rule_markdown, rules_json
    from .plugins import PluginError

    try:
        cfg = _load_config(["."], config_file, no_config)
        registry = _registry(cfg)
    except (ConfigError, PluginError) as exc:
        fail(str(exc))
    rules = registry.rules
    if rule:
        matched = sorted(match_selector(rule, rules))
        if not matched:
            fail(f"unknown rule {rule!r} (see 'imslint rules')")
        if fmt == "json":
            # One object for a rule named by its id or name; a list for a prefix or ALL.
            exact = rule.strip().upper() in rules or any(c.name == rule.strip().lower() for c in rules.values())
            click.echo(rules_json(registry, matched, single=exact))
            return
        for rid in matched:
            cls = rules[rid]
            if fmt == "markdown":
                click.echo(rule_markdown(cls, rules.values()))
            else:
                click.echo(f"{cls.id} {cls.name} ({cls.severity.label}, plugin {registry.rule_plugin[rid]})")
                click.echo(f"\n{cls.summary()}\n")
                click.echo(cls.help_text())
                if cls.defaults:
                    click.echo("\nOptions ([tool.imslint.rules." + cls.name + "]):")
                    for k, v in sorted(cls.defaults.items()):
                        click.echo(f"  {k} = {v!r}")
                click.echo()
        return
    if fmt == "json":
        click.echo(rules_json(registry))
        return
    if fmt == "markdown":
        for cls in rules.values():
            click.echo(rule_markdown(cls, rules.values()))
        return
    width = max((len(c.name) for c in rules.values()), default=10)
    for cls in rules.values():
        click.echo(f"{cls.id}  {cls.name:<{width}}  {cls.severity.label:<7}  {cls.summary()}")


@main.command("plugins")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="Configuration file (for its plugins).")
@click.option("--no-config", is_flag=True, help="Ignore every configuration file.")
def plugins_command(config_file: Optional[str], no_config: bool) -> None:
    """List the loaded plugins with their versions, rules, readers and output formats."""
    from .config import ConfigError
    from .plugins import PluginError

    try:
        cfg = _load_config(["."], config_file, no_config)
        registry = _registry(cfg)
    except (ConfigError, PluginError) as exc:
        fail(str(exc))
    for info in registry.plugins:
        rule_ids = [rid for rid, p in registry.rule_plugin.items() if p == info.name]
        click.echo(f"{info.name} {info.version} ({info.module}, {info.source})")
        if rule_ids:
            click.echo(f"  rules: {', '.join(rule_ids)}")
    click.echo(f"readers: {', '.join(r.name for r in registry.readers)}")
    click.echo(f"formats: {', '.join(sorted(registry.reporters))}")


def run() -> None:
    """The ``imslint`` command: :func:`main`, with signals and internal errors turned into exit codes.

    The process leaves the usual way (``sys.exit``), so plugins' ``atexit``
    handlers run and every output is flushed by the interpreter.
    """
    _catch_signals()
    try:
        main()  # click's standalone mode always ends with SystemExit
    except SystemExit as exc:
        code = exc.code
    except Interrupted as exc:
        _stop_children()
        _say(f"imslint: interrupted by {exc.name}")
        code = exc.status
    except BaseException as exc:  # noqa: BLE001 - the one guard: an internal error is exit 2, never 0 or 1
        _stop_children()
        code = _internal_error(exc)
    else:  # pragma: no cover - standalone mode does not return
        code = 0
    _leave(code)


class Interrupted(BaseException):
    """SIGINT or SIGTERM: the run stops (not a KeyboardInterrupt, which click would turn into exit 1)."""

    def __init__(self, signum: int) -> None:
        import signal

        super().__init__(signum)
        self.name = signal.Signals(signum).name
        self.status = 128 + signum  # 130 for SIGINT, 143 for SIGTERM, as a shell reports them


def _catch_signals() -> None:
    import signal

    def handler(signum: int, _frame: Any) -> None:
        _stop_children()  # first: a worker pool being left waits for its workers
        raise Interrupted(signum)

    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            signal.signal(sig, handler)
        except (ValueError, OSError):  # pragma: no cover - not the main thread
            pass


def _stop_children() -> None:
    """Kill the worker processes still running (a pool being shut down would wait for them)."""
    multiprocessing = sys.modules.get("multiprocessing")
    if multiprocessing is None:
        return
    try:
        children = multiprocessing.active_children()
    except Exception:  # noqa: BLE001 - best effort on the way out
        return
    for child in children:
        try:
            child.kill()
            child.join(5)
        except Exception:  # noqa: BLE001
            pass


def _say(text: str) -> None:
    try:
        sys.stderr.write(text + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass


def _internal_error(exc: BaseException) -> int:
    """One line on standard error (the traceback with --debug or IMSLINT_DEBUG), exit 2."""
    from .reporters.text import safe

    if isinstance(exc, KeyboardInterrupt):  # raised before the handlers were set
        _say("imslint: interrupted by SIGINT")
        return 130
    if isinstance(exc, MemoryError):
        what = "out of memory"
    elif isinstance(exc, RecursionError):
        what = "input nested too deeply"
    elif isinstance(exc, OSError):
        what = f"{exc.strerror or exc}" + (f": {exc.filename}" if getattr(exc, "filename", None) else "")
    else:
        text = str(exc)
        what = f"{type(exc).__name__}: {text[:300] + '…' if len(text) > 300 else text}"
    if _debug():
        import traceback

        try:
            traceback.print_exception(type(exc), exc, exc.__traceback__)
        except Exception:  # noqa: BLE001
            pass
    _say(
        f"imslint: error: internal error: {safe(what)}" + ("" if _debug() else " (run with --debug for the traceback)")
    )
    return EXIT_ERROR


_DEBUG: List[bool] = []


def _debug() -> bool:
    return bool(_DEBUG and _DEBUG[-1]) or bool(os.environ.get("IMSLINT_DEBUG"))


def _leave(code: Any) -> None:
    """Exit with ``code``, as ``sys.exit`` takes it."""
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
