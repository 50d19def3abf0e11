"""The run: discover files, check them (in worker processes with --jobs), finish, gather a RunResult."""

from __future__ import annotations

import functools
import os
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

from ..config import DEFAULT_EXCLUDE, Config, resolve_rule_options, resolve_selection, resolve_severities
from ..discovery import Discovered, discover
from ..model import FileError, RunResult
from ..plugins import Registry
from ..readers import InputFile, Reader
from ..rule import RunContext
from ..suppressions import apply_baseline
from .checker import Checker
from .faults import _FAULTS, _describe
from .intake import HEAD_SIZE, choose_reader
from .outcome import FileOutcome, Plan
from .parallel import MAX_JOBS_PER_CPU, _run_parallel, auto_jobs, usable_cpus


def lint(  # noqa: C901
    paths: Sequence[str],
    config: Config,
    registry: Registry,
    baseline: Optional[Any] = None,
    cwd: Optional[str] = None,
    jobs: Optional[int] = None,
    cache_dir: Optional[str] = None,
    require: Optional[Tuple[str, Sequence[str], Callable[[str], str]]] = None,
    progress: Optional[Any] = None,
) -> RunResult:
    """Scan ``paths`` with the rules selected by ``config``; return the :class:`RunResult`.

    ``baseline`` is a Counter of known fingerprints (see :func:`imslint.suppressions.read_baseline`).
    ``cache_dir`` (or ``config.cache_dir``) turns the result cache on (see :mod:`imslint.cache`).
    ``require`` is (subject kind, paths, explain): every file under those paths must yield
    subjects of that kind (``imslint operators``: every input is an export); one that does
    not is an error, with its skip reason or ``explain(path)``.
    ``progress`` (an :class:`imslint.progress.Progress`) is told as files are done.
    Raises :class:`imslint.config.ConfigError` for configuration mistakes.
    """
    selected = resolve_selection(config, registry.rules)
    if not selected:  # a gate that checks nothing would pass everything
        from ..config import ConfigError

        raise ConfigError(f"{config.source()}: no rule is selected (see 'select', 'extend-select' and 'ignore')")
    severities = resolve_severities(config, registry.rules)
    options = resolve_rule_options(config, registry.rules)
    for impl in registry.pm.hook.imslint_configure.get_hookimpls():
        try:
            impl.function(config=config)
        except _FAULTS as exc:
            from ..plugins import PluginError

            raise PluginError(f"plugin {impl.plugin_name!r}: imslint_configure() raised {_describe(exc, ())}") from None
    plan = Plan(
        rule_ids=sorted(selected),
        severities={rid: severities[rid] for rid in selected},
        options={rid: options[rid] for rid in selected},
        root=os.path.abspath(config.root),
        per_file_ignores=dict(config.per_file_ignores),
        max_file_size=config.max_file_size,
        rule_timeout=config.rule_timeout,
        reader_options={"operator-csv": dict(config.operators)} if config.operators else {},
        read_all=require is not None,
    )
    result = RunResult(
        rules={rid: registry.rules[rid] for rid in plan.rule_ids},
        severities=plan.severities,
        root=plan.root,
        base=os.path.abspath(cwd or os.getcwd()),
    )
    exclude = list(config.exclude or DEFAULT_EXCLUDE) + list(config.extend_exclude)
    cache_dir = cache_dir or config.cache_dir
    if cache_dir:
        check_cache_dir(cache_dir, paths or ["."], cwd or os.getcwd())
    unreadable: List[Tuple[str, str]] = []
    files, missing = discover(
        paths or ["."],
        exclude,
        plan.root,
        config.respect_gitignore,
        config.force_exclude,
        cwd=cwd,
        unreadable=unreadable,
        skipped=result.skipped,
    )
    for path, reason in unreadable:
        result.errors.append(FileError(path, reason))
    for m in missing:
        result.errors.append(FileError(m.replace(os.sep, "/"), "no such file or directory"))

    cache = None
    if cache_dir:
        from ..cache import ResultCache, settings_key

        cache = ResultCache(cache_dir, settings_key(plan, registry))
        kept = []
        for f in files:
            if cache.holds(f.path):
                result.skipped.append((f.display, "imslint's result cache"))
            else:
                kept.append(f)
        files = kept
        if cache.worth_reading(len(files)):
            cache.load()
        else:  # a few files (pre-commit) and a big cache: checking them costs less than reading it
            result.cache = {"path": cache.path, "hits": 0, "files": len(files), "warning": None, "used": False}
            cache = None
    context = RunContext(root=plan.root)
    checker = Checker(registry, plan, context)
    jobs = jobs or config.jobs
    if jobs and jobs > usable_cpus() * MAX_JOBS_PER_CPU:  # `jobs = 100000` in a committed configuration
        cap = usable_cpus() * MAX_JOBS_PER_CPU
        result.warnings.append(f"{jobs} jobs is more than {MAX_JOBS_PER_CPU} per CPU: {cap} used")
        jobs = cap
    first, stats = _phase0(files, checker, config, jobs, cache, result.warnings, progress)
    chosen_jobs = jobs
    outcomes: List[Tuple[Discovered, FileOutcome]] = []
    deferred: Dict[int, List[Tuple[Discovered, Reader]]] = {}
    read: List[Tuple[Discovered, Optional[Reader], Dict[str, int]]] = []  # for RunContext.read_again
    # (used once read is complete)
    context.set_read_again(functools.partial(_read_again, read, registry.readers))
    for item, outcome, reader in first:
        if reader is None:
            outcomes.append((item, outcome))
            if outcome.subjects:
                read.append((item, None, outcome.subjects))
        else:
            deferred.setdefault(reader.phase, []).append((item, reader))
    # A big streamed export is read in pieces by as many processes as jobs allow (all CPUs by default).
    split_jobs = chosen_jobs or usable_cpus()
    for phase in sorted(deferred):
        for item, reader in deferred[phase]:
            split = checker.check_split(item, reader, split_jobs) if split_jobs > 1 else None
            outcome = split or checker.check_file(item, reader)
            outcomes.append((item, outcome))
            read.append((item, reader, outcome.subjects))
    checker.display_paths = {item.display: item.path for item in files}
    outcomes.append((Discovered("<run>", "<run>"), checker.finish()))
    context.set_read_again(None)
    if cache is not None:
        for item, outcome, _reader in first:
            if (
                outcome.cacheable and item.path in stats and item.path not in cache.visited
            ):  # (hits are kept as they were)
                cache.store(item.path, item.display, stats[item.path], outcome.digest, outcome)
        cache.save([os.path.join(cwd or os.getcwd(), p) for p in (paths or ["."])])  # the roots discover() walked
        result.cache = {
            "path": cache.path,
            "hits": cache.hits,
            "files": len(first),
            "warning": cache.warning,
            "used": True,
        }

    if require is not None:
        _require(outcomes, *require, cwd=cwd)
    for item, outcome in outcomes:
        if outcome.scanned:
            result.files_scanned += 1
        for kind, n in outcome.subjects.items():
            result.subjects[kind] = result.subjects.get(kind, 0) + n
        if outcome.skipped:
            result.skipped.append((item.display, outcome.skipped))
        if item.path != "<run>" and not (outcome.skipped or "").startswith("imslint's own output"):
            result.inputs.append(item.path)
        result.findings.extend(outcome.findings)
        result.suppressed.extend(outcome.suppressed)
        result.errors.extend(outcome.errors)

    result.findings.sort(key=lambda f: f.sort_key)
    result.suppressed.sort(key=lambda f: f.sort_key)
    if baseline is not None:
        result.findings, result.baselined = apply_baseline(result.findings, baseline)
    result.errors.sort(key=lambda e: (e.path, e.line or 0, e.message))
    result.skipped.sort()
    return result


def check_cache_dir(cache_dir: str, paths: Sequence[str], cwd: str) -> None:
    """Raise ConfigError when the cache folder is a scanned folder or holds one (it would leave it out, or write in it)."""
    from ..config import ConfigError

    cache = os.path.realpath(os.path.join(cwd, cache_dir))
    for given in paths:
        scanned = os.path.realpath(os.path.join(cwd, given))
        if scanned == cache or scanned.startswith(cache.rstrip(os.sep) + os.sep):
            raise ConfigError(
                f"cache-dir {cache_dir!r} is, or holds, the scanned path {given!r}: choose a folder of its own "
                "(for example .imslint-cache)"
            )


def _require(
    outcomes: List[Tuple[Discovered, FileOutcome]],
    kind: str,
    paths: Sequence[str],
    explain: Callable[[str], str],
    cwd: Optional[str] = None,
) -> None:
    """Make an error of each file under ``paths`` that yielded no subject of ``kind`` (see :func:`lint`)."""
    base = cwd or os.getcwd()
    roots = [os.path.normpath(os.path.join(base, p)) for p in paths]
    for item, outcome in outcomes:
        if outcome.subjects.get(kind) or outcome.errors or outcome.unchanged:
            continue
        if (outcome.skipped or "").startswith("imslint's own output"):
            continue  # a worklist or report left next to the exports is not an input
        if not any(item.path == r or item.path.startswith(r.rstrip(os.sep) + os.sep) for r in roots):
            continue
        reason = outcome.skipped or explain(item.path)
        outcome.skipped, outcome.scanned = None, False
        outcome.errors.append(FileError(item.display, f"not read as an {kind} export: {reason}"))


def _check_files(
    todo: List[Discovered],
    checker: Checker,
    config: Config,
    n_jobs: int,
    warnings: Optional[List[str]],
    progress: Optional[Any],
) -> List[Tuple[Discovered, FileOutcome, Optional[Reader]]]:
    """Check ``todo`` in this process or in ``n_jobs`` workers, telling ``progress`` as files are done."""
    if progress is not None:
        progress.start(len(todo))
    try:
        if n_jobs > 1:
            return _run_parallel(todo, checker.registry, checker.plan, config, n_jobs, warnings, progress)
        fresh = []
        for item in todo:
            outcome, reader = checker.process(item, checker.registry.readers)
            fresh.append((item, outcome, reader))
            if progress is not None:
                progress.advance()
        return fresh
    finally:
        if progress is not None:
            progress.close()


def _phase0(
    files: List[Discovered],
    checker: Checker,
    config: Config,
    jobs: Optional[int],
    cache: Any,
    warnings: Optional[List[str]] = None,
    progress: Optional[Any] = None,
) -> Tuple[List[Tuple[Discovered, FileOutcome, Optional[Reader]]], Dict[str, Any]]:
    """Sniff and check every file's phase 0 where it is read (in workers with --jobs), in file order.

    Streaming and later-phase files come back with their reader, deferred to the
    main process. With a ``cache``, a file whose stat is unchanged takes its cached
    outcome without being opened, and one whose bytes hash to the cached digest
    without being checked; the second item is each file's stat (:func:`imslint.cache.file_stat`).
    """
    plan, context = checker.plan, checker.context
    cached: Dict[int, FileOutcome] = {}
    stats: Dict[str, Any] = {}
    todo = files
    if cache is not None:
        todo = []
        for i, item in enumerate(files):
            outcome, stat, known = cache.lookup(item.path, item.display, FileOutcome)
            if stat is not None:
                stats[item.path] = stat
            if outcome is not None:
                cached[i] = outcome
                cache.confirm(item.path, stat)
                continue
            if known:
                plan.known_digests[item.path] = known
            todo.append(item)
        plan.cache = True
    chosen_jobs = jobs or config.jobs
    n_jobs = min(chosen_jobs or auto_jobs(len(todo)), max(1, len(todo)))  # never more processes than files
    # a rule that keeps state for finish() sees every file in this process; one that works from facts does not need to
    uses_finish = any(r.has_finish() and not r.finish_from_facts for r in checker.source_rules)
    parallel = n_jobs > 1 and len(todo) > 1 and not uses_finish
    fresh = _check_files(todo, checker, config, n_jobs if parallel else 1, warnings, progress)
    first: List[Tuple[Discovered, FileOutcome, Optional[Reader]]] = []
    it = iter(fresh)
    for i, item in enumerate(files):
        if i in cached:
            first.append((item, cached[i], None))
            continue
        item, outcome, reader = next(it)
        if outcome.unchanged:  # same bytes as when cached: the cached outcome stands
            outcome = cache.pending(item.path)
            cache.confirm(item.path, stats[item.path])
        first.append((item, outcome, reader))
    # Facts in file order, whichever process (or the cache) produced them: the context holds
    # only phase-0 facts so far, those this process published as it checked.
    context.clear_facts()
    for _item, outcome, _reader in first:
        for fact in outcome.facts:
            context.add(fact)
    return first, stats


def _read_again(
    read: List[Tuple[Discovered, Optional[Reader], Dict[str, int]]],
    readers: Sequence[Reader],
    kind: str,
    needles: Optional[Sequence[bytes]] = None,
) -> Iterator[Any]:
    """The subjects of ``kind`` of the files ``read`` yielded some, read once more (see :meth:`RunContext.read_again`).

    Files checked in worker processes did not say which reader read them: they are
    sniffed again. A file that no longer reads is passed over quietly: its faults
    were reported by the first reading, and the rule asking keeps what it has.
    """
    for item, reader, subjects in read:
        if not subjects.get(kind):
            continue
        try:
            data: Optional[bytes] = None
            if reader is None or not reader.streaming:
                with open(item.path, "rb") as fh:
                    data = fh.read()
                if needles is not None:
                    low = data.lower()
                    if not any(n in low for n in needles):
                        continue
                if reader is None:
                    reader = choose_reader(readers, item.path, data[:HEAD_SIZE])[0]
                    if reader is None:
                        continue
                    if reader.streaming:
                        data = None
            for subject in reader.read(InputFile(item.path, item.display, data, {})):
                if subject.kind == kind:
                    yield subject
        except Exception:  # noqa: BLE001 - reported by the first reading
            continue
