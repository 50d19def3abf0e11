"""What a run would do, without running it: ``check --show-settings`` and ``check --show-files``."""

from __future__ import annotations

import functools
import json
import os
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .config import _KEYS, DEFAULT_EXCLUDE, Config, resolve_rule_options, resolve_selection, resolve_severities

# --------------------------------------------------------------------------- --show-settings


def settings_document(cfg: Config, registry: Any) -> Dict[str, Any]:
    """The effective settings, where each comes from, and the rules selected (raises ConfigError as a run would)."""
    selected = resolve_selection(cfg, registry.rules)
    severities = resolve_severities(cfg, registry.rules)
    options = resolve_rule_options(cfg, registry.rules)
    settings: Dict[str, Dict[str, Any]] = {}
    defaults = Config()
    for key, (attr, _expected) in _KEYS.items():
        value = getattr(cfg, attr)
        origin = cfg.origins.get(key, "default")
        if key == "exclude" and not value:
            value = list(DEFAULT_EXCLUDE)  # what the run uses when no exclude is configured
        elif key in ("extend-select", "ignore", "extend-exclude") and value == getattr(defaults, attr):
            origin = "default"
        settings[key] = {"value": _plain(value), "from": origin}
    rules = []
    for rid in sorted(selected):
        cls = registry.rules[rid]
        changed = {k: _plain(v) for k, v in sorted(options[rid].items()) if cls.defaults.get(k) != v}
        rules.append(
            {
                "id": rid,
                "name": cls.name,
                "severity": severities[rid].label,
                "plugin": registry.rule_plugin.get(rid, ""),
                "options_changed": changed,
            }
        )
    return {
        "config_file": cfg.path,
        "root": os.path.abspath(cfg.root),
        "settings": settings,
        "rules_selected": rules,
        "rules_available": len(registry.rules),
        "plugins": [{"name": p.name, "version": p.version, "source": p.source} for p in registry.plugins],
    }


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    return value


def settings_text(doc: Dict[str, Any]) -> str:
    """``--show-settings`` for people: one ``key = value  # from`` line per setting, then the rules."""
    from .reporters.text import safe

    def show(value: Any) -> str:
        return safe(json.dumps(value, ensure_ascii=False, sort_keys=True))

    lines = [
        f"Configuration file: {safe(doc['config_file']) if doc['config_file'] else 'none (defaults and command line only)'}",
        f"Root (relative globs and fingerprints): {safe(doc['root'])}",
        "",
        "Settings:",
    ]
    width = max(len(k) for k in doc["settings"])
    for key, item in doc["settings"].items():
        lines.append(f"  {key:<{width}} = {show(item['value'])}  # {safe(item['from'])}")
    rules = doc["rules_selected"]
    lines += ["", f"Rules selected ({len(rules)} of {doc['rules_available']}):"]
    name_width = max((len(r["name"]) for r in rules), default=0)
    for r in rules:
        extra = "".join(f"  {k} = {show(v)}" for k, v in r["options_changed"].items())
        lines.append(f"  {r['id']}  {safe(r['name']):<{name_width}}  {r['severity']:<7}  ({safe(r['plugin'])}){extra}")
    lines += ["", "Plugins: " + ", ".join(f"{safe(p['name'])} {safe(p['version'])}" for p in doc["plugins"])]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- --show-files


def files_document(
    paths: Sequence[str],
    cfg: Config,
    registry: Any,
    cwd: Optional[str] = None,
    stdin: Optional[Tuple[str, bytes]] = None,
) -> Dict[str, Any]:
    """Every file and folder the paths lead to: scanned (with its reader) or skipped (with the reason).

    The decisions a run takes before reading a file whole: excludes, .gitignore,
    links and special files, imslint's own reports and cache, the reader each
    file's name and first bytes choose (binary or unsupported files have none),
    and the size limit. What only reading tells (an export that holds no
    operator) is not known here.
    """
    from .discovery import discover
    from .engine import HEAD_SIZE, choose_reader
    from .own_output import HOST_RECOGNISERS, candidates

    recognisers = [*HOST_RECOGNISERS, *registry.output_recognisers]

    exclude = list(cfg.exclude or DEFAULT_EXCLUDE) + list(cfg.extend_exclude)
    if stdin is not None:
        return _stdin_document(stdin, cfg, registry, exclude, cwd)
    skipped: List[Tuple[str, str]] = []
    gitignored: List[Tuple[str, str]] = []
    unreadable: List[Tuple[str, str]] = []
    files, missing = discover(
        list(paths) or ["."],
        exclude,
        os.path.abspath(cfg.root),
        cfg.respect_gitignore,
        cfg.force_exclude,
        cwd=cwd,
        unreadable=unreadable,
        skipped=skipped,
        gitignored=gitignored,
    )
    entries: List[Dict[str, Any]] = []
    for item in files:
        try:
            with open(item.path, "rb") as fh:
                head = fh.read(HEAD_SIZE)
                size = os.fstat(fh.fileno()).st_size
                own = candidates(head, functools.partial(_tail, fh, size), recognisers)
                if own and size <= cfg.max_file_size:
                    fh.seek(0)
                    whole = fh.read()
                    kind = next((r for r in own if r.confirm_output(whole, item.display)), None)
                    if kind is not None:
                        entries.append(
                            _entry(item.display, "skip", reason=f"imslint's own output ({kind.output_label})")
                        )
                        continue
        except OSError as exc:
            entries.append(_entry(item.display, "error", reason=f"cannot read file: {exc.strerror or exc}"))
            continue
        reader, skip, error = choose_reader(registry.readers, item.path, head)
        if error:
            entries.append(_entry(item.display, "error", reason=error))
        elif reader is None:
            entries.append(_entry(item.display, "skip", reason=skip or "no reader"))
        elif not reader.streaming and size > cfg.max_file_size:
            entries.append(
                _entry(item.display, "skip", reason=f"larger than the size limit ({size} > {cfg.max_file_size} bytes)")
            )
        else:
            entries.append(_entry(item.display, "scan", reader=reader.name))
    entries += [_entry(p, "skip", reason=r) for p, r in skipped + gitignored]
    entries += [_entry(p, "error", reason=r) for p, r in unreadable]
    entries += [_entry(m.replace(os.sep, "/"), "error", reason="no such file or directory") for m in missing]
    entries.sort(key=lambda e: (e["path"], e["status"]))
    counts = {s: sum(1 for e in entries if e["status"] == s) for s in ("scan", "skip", "error")}
    return {"files": entries, "counts": counts}


def _stdin_document(
    stdin: Tuple[str, bytes], cfg: Config, registry: Any, exclude: List[str], cwd: Optional[str]
) -> Dict[str, Any]:
    """``check - --stdin-filename NAME --show-files``: what a run would do with the bytes under that name."""
    from .discovery import Excluder, display_path, relative_to
    from .engine import HEAD_SIZE, choose_reader

    name, data = stdin
    real = os.path.normpath(os.path.join(cwd or os.getcwd(), name))
    shown = name if name == "-" else display_path(real, cwd)
    if Excluder(exclude)(relative_to(real, os.path.abspath(cfg.root))):
        entry = _entry(shown, "skip", reason="excluded (exclude settings, --stdin-filename)")
    else:
        reader, skip, error = choose_reader(registry.readers, real, data[:HEAD_SIZE])
        if error:
            entry = _entry(shown, "error", reason=error)
        elif reader is None:
            entry = _entry(shown, "skip", reason=skip or "no reader")
        elif not reader.streaming and len(data) > cfg.max_file_size:
            entry = _entry(
                shown, "skip", reason=f"larger than the size limit ({len(data)} > {cfg.max_file_size} bytes)"
            )
        else:
            entry = _entry(shown, "scan", reader=reader.name)
    counts = {s: int(entry["status"] == s) for s in ("scan", "skip", "error")}
    return {"files": [entry], "counts": counts}


def _tail(fh: Any, size: int, n: int = 512) -> bytes:
    here = fh.tell()
    fh.seek(max(0, size - n))
    data = fh.read(n)
    fh.seek(here)
    return data


def _entry(path: str, status: str, reader: Optional[str] = None, reason: Optional[str] = None) -> Dict[str, Any]:
    out: Dict[str, Any] = {"path": path, "status": status}
    if reader is not None:
        out["reader"] = reader
    if reason is not None:
        out["reason"] = reason
    return out


def files_text(doc: Dict[str, Any]) -> str:
    """``--show-files`` for people: ``path: scan (reader)`` or ``path: skip: reason``, then the counts."""
    from .reporters.text import safe

    lines = []
    for e in doc["files"]:
        if e["status"] == "scan":
            lines.append(f"{safe(e['path'])}: scan ({safe(e['reader'])})")
        else:
            lines.append(f"{safe(e['path'])}: {e['status']}: {safe(e['reason'])}")
    c = doc["counts"]
    lines.append(f"{c['scan']} to scan, {c['skip']} skipped, {c['error']} that cannot be read.")
    return "\n".join(lines) + "\n"
