"""Worker processes: a crash-tolerant pool (a worker that dies costs one file, not the run) and the rule watchdog."""

from __future__ import annotations

import os
import sys
from typing import Any, Dict, List, Optional, Tuple

from ..config import Config
from ..discovery import Discovered
from ..model import FileError
from ..plugins import Registry
from ..readers import Reader
from .checker import Checker
from .outcome import FileOutcome, Plan

AUTO_JOBS_FILES = 400  # below this many files, starting worker processes costs more than it saves
MAX_JOBS_PER_CPU = 4  # more worker processes than this per CPU only cost memory


def auto_jobs(n_files: int) -> int:
    """Worker processes when the user chose none: one per CPU for large trees, none for a few files."""
    if n_files < AUTO_JOBS_FILES:
        return 1
    return max(1, min(usable_cpus(), n_files // AUTO_JOBS_FILES))


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask where the system has one, else all of them)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))  # Linux only: AttributeError elsewhere
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _run_parallel(
    files: List[Discovered],
    registry: Registry,
    plan: Plan,
    config: Config,
    jobs: int,
    warnings: Optional[List[str]] = None,
    progress: Optional[Any] = None,
) -> List[Tuple[Discovered, FileOutcome, Optional[Reader]]]:
    """Check ``files`` in ``jobs`` worker processes; a worker that dies costs one file, not the run.

    Each worker writes the index of the file it is checking in a shared slot. When
    a worker process dies (a crash in a native library, the out-of-memory killer),
    the pool breaks: the files then being checked are each run again alone in a
    process of its own (reported as an error if that one dies too), and the files
    not yet checked go to a new pool.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    method = "fork" if sys.platform.startswith("linux") else "spawn"
    mp = multiprocessing.get_context(method)
    inherited = registry if method == "fork" else None
    spec = (tuple(config.plugins), config.root if config.path else None)
    readers = {r.name: r for r in registry.readers}
    done: Dict[int, Tuple[FileOutcome, Optional[str]]] = {}
    todo = list(range(len(files)))
    suspects: List[int] = []
    while todo:
        chunk_size = max(1, min(256, len(todo) // (jobs * 8) or 1))
        chunks = [[(i, files[i]) for i in todo[k : k + chunk_size]] for k in range(0, len(todo), chunk_size)]
        slots, claimed = mp.RawArray("q", [-1] * jobs), mp.Value("i", 0)
        try:
            with ProcessPoolExecutor(
                max_workers=jobs,
                mp_context=mp,
                initializer=_worker_init,
                initargs=(inherited, plan, spec, slots, claimed),
            ) as pool:
                futures = {pool.submit(_worker_chunk, chunk): chunk for chunk in chunks}
                for future in as_completed(futures):
                    for (i, _), result in zip(futures[future], future.result()):
                        done[i] = result if result is not None else (FileOutcome(scanned=True, cacheable=True), None)
                    if progress is not None:
                        progress.advance(len(futures[future]))
            todo = []
        except BrokenProcessPool:
            in_flight = sorted({i for i in slots if i >= 0} - done.keys())
            retried = in_flight or [i for i in todo if i not in done]  # no clue: each file alone
            suspects += retried
            todo = [i for i in todo if i not in done and i not in suspects]
            if warnings is not None:
                names = ", ".join(files[i].display for i in retried[:5]) + (
                    f" and {len(retried) - 5} more" if len(retried) > 5 else ""
                )
                warnings.append(
                    f"a worker process died (killed, or a crash in a native library) while checking {names}: "
                    "checked again, each file in a process of its own"
                )
    for i in suspects:
        done[i] = _alone(files[i], mp, inherited, plan, spec)
    out: List[Tuple[Discovered, FileOutcome, Optional[Reader]]] = []
    for i, item in enumerate(files):
        outcome, reader_name = done[i]
        out.append((item, outcome, readers[reader_name] if reader_name else None))
    return out


def _alone(
    item: Discovered, mp: Any, registry: Optional[Registry], plan: Plan, spec: Any
) -> Tuple[FileOutcome, Optional[str]]:
    """Check one file in a process of its own: an error for the file if that process dies too."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    try:
        with ProcessPoolExecutor(
            max_workers=1, mp_context=mp, initializer=_worker_init, initargs=(registry, plan, spec)
        ) as pool:
            result = pool.submit(_worker_chunk, [(0, item)]).result()[0]
            return result if result is not None else (FileOutcome(scanned=True, cacheable=True), None)
    except BrokenProcessPool:
        out = FileOutcome()
        out.errors.append(
            FileError(
                item.display,
                "the worker process checking this file died (a crash in a native library, or the system ran out of "
                "memory); the file was not checked",
            )
        )
        return out, None


# --------------------------------------------------------------------------- inside a worker

_WORKER: Dict[str, Any] = {}
_CLEAN = FileOutcome(scanned=True, cacheable=True)  # the outcome of a file scanned with nothing to report


def _worker_init(
    registry: Optional[Registry],
    plan: Plan,
    plugin_spec: Tuple[Tuple[str, ...], Optional[str]],
    slots: Any = None,
    claimed: Any = None,
) -> None:
    import signal

    # The main process stops the workers (SIGINT from a terminal reaches the whole group: only it acts).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if registry is None:  # spawn start method: load the plugins again in this process
        from ..plugins import load_plugins

        registry = load_plugins(plugin_spec[0], plugin_spec[1])
    checker = Checker(registry, plan)
    if plan.rule_timeout > 0:
        _start_watchdog(plan.rule_timeout)
    _WORKER["checker"] = checker
    _WORKER["readers"] = list(registry.readers)
    _WORKER["slots"] = slots
    if claimed is not None:
        with claimed.get_lock():  # each worker process writes the file it is checking in its own slot
            _WORKER["slot"] = claimed.value % len(slots)
            claimed.value += 1


def _worker_chunk(chunk: List[Tuple[int, Discovered]]) -> List[Optional[Tuple[FileOutcome, Optional[str]]]]:
    """Check the files of ``chunk``; None stands for a file scanned with nothing to report (most of a tree)."""
    checker: Checker = _WORKER["checker"]
    readers = _WORKER["readers"]
    slots, slot = _WORKER.get("slots"), _WORKER.get("slot")
    results: List[Optional[Tuple[FileOutcome, Optional[str]]]] = []
    for index, item in chunk:
        if slots is not None:
            slots[slot] = index  # if this process dies, the main process knows which file it was on
        _WATCH[0] = _monotonic()  # the watchdog's clock for this file's rules
        outcome, deferred = checker.process(item, readers)
        _WATCH[0] = None
        if deferred is None and outcome == _CLEAN:
            results.append(None)  # nothing to pickle and send back: the main process rebuilds it
        else:
            results.append((outcome, deferred.name if deferred else None))
    if slots is not None:
        slots[slot] = -1
    return results


class RuleTimeout(Exception):
    """Raised inside a rule that ran out of the time allowed on one file (``rule-timeout``)."""


_WATCH: List[Optional[float]] = [None]  # when the current file's check started (worker processes)


def _monotonic() -> float:
    import time

    return time.monotonic()


def _start_watchdog(limit: float) -> None:
    """In a worker process: stop a rule that spends more than ``limit`` seconds on one file.

    A thread watches the time the current file started (:data:`_WATCH`, one
    assignment per file: nothing is armed per rule call) and sends SIGALRM to the
    process; the handler raises :class:`RuleTimeout` when a rule is running, which
    makes it an error of that rule on that file, and gives the file's other rules
    a fresh limit. Anywhere else (reading, stamping), it waits for the next tick.
    """
    import signal
    import threading

    if not hasattr(signal, "pthread_kill") or threading.current_thread() is not threading.main_thread():
        return  # pragma: no cover - Windows, or not the main thread
    main = threading.get_ident()
    batch_code = Checker._check_groups.__code__
    engine_codes = {
        Checker._group.__code__,
        Checker._calls_for.__code__,
        Checker._rule_error.__code__,
    }  # outside the guard

    def on_alarm(_signum: int, frame: Any) -> None:
        started = _WATCH[0]
        if started is None or _monotonic() - started <= limit:
            return
        f, below = frame, None
        while f is not None:
            if f.f_code is batch_code:
                if below is not None and below.f_code not in engine_codes:  # in a rule, under _check_batch's guard
                    _WATCH[0] = _monotonic()
                    raise RuleTimeout(f"took longer than {limit:g} s on this file (rule-timeout)")
                return
            f, below = f.f_back, f

    def watch() -> None:
        import time

        tick = min(1.0, limit / 10)
        while True:
            time.sleep(tick)
            started = _WATCH[0]
            if started is not None and _monotonic() - started > limit:
                try:
                    signal.pthread_kill(main, signal.SIGALRM)
                except (OSError, ProcessLookupError):  # pragma: no cover
                    return

    signal.signal(signal.SIGALRM, on_alarm)
    threading.Thread(target=watch, name="imslint-rule-timeout", daemon=True).start()
