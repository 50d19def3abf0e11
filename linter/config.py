"""Configuration: ``[tool.imslint]`` in ``pyproject.toml`` or a ``.imslint.toml``, found by walking up.

Every unknown key or bad value is a :class:`ConfigError` naming the file, the key and what was expected.
"""

from __future__ import annotations

import copy
import os
import re
import sys
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Set, Tuple, Type

from .model import Severity
from .rule import Rule


def _toml() -> Any:
    """tomllib, or tomli before Python 3.11; imported only when a configuration file is read."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.9/3.10 only
        import tomli as tomllib
    return tomllib


CONFIG_FILES = (".imslint.toml", "pyproject.toml")
FAIL_ON = ("error", "warning", "note", "never")
DEFAULT_EXCLUDE = (
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    ".venv",
    "venv",
    "__pycache__",
    ".tox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    "dist",
    "build",
    "*.egg-info",
)
DEFAULT_MAX_FILE_SIZE = 5 * 1024 * 1024


class ConfigError(Exception):
    """A user mistake in configuration or on the command line; the message says where and what."""


@dataclass
class Config:
    """The effective configuration of a run (file values merged with command-line values)."""

    path: Optional[str] = None  # the file it came from
    root: str = "."  # folder that relative globs and fingerprints are based on
    select: List[str] = field(default_factory=lambda: ["ALL"])
    ignore: List[str] = field(default_factory=list)
    extend_select: List[str] = field(default_factory=list)
    exclude: List[str] = field(default_factory=list)
    extend_exclude: List[str] = field(default_factory=list)
    fail_on: str = "warning"
    severity: Dict[str, str] = field(default_factory=dict)
    per_file_ignores: Dict[str, List[str]] = field(default_factory=dict)
    plugins: List[str] = field(default_factory=list)
    rules: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    plugin_options: Dict[str, Any] = field(default_factory=dict)
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    respect_gitignore: bool = True
    baseline: Optional[str] = None
    jobs: Optional[int] = None  # None: automatic (processes only for large trees)
    cache_dir: Optional[str] = None  # result cache folder (off when None)
    force_exclude: bool = False
    operators: Dict[str, Any] = field(default_factory=dict)  # [tool.imslint.operators]: reading operator exports
    rule_timeout: float = 60.0  # seconds the rules may spend on one file in a worker process (0: no limit)
    # Selectors given on the command line, by key ("select", "extend-select", "ignore"): a mistake in one
    # is blamed on its option, never on a configuration file that may not even set that key.
    from_command_line: Dict[str, List[str]] = field(default_factory=dict)
    origins: Dict[str, str] = field(default_factory=dict)  # key -> the file or command-line option that set it

    def source(self) -> str:
        """Name of the configuration file for messages."""
        return self.path or "command line"


_KEYS: Dict[str, Tuple[str, Any]] = {
    # key: (attribute, expected type description)
    "select": ("select", "list of strings"),
    "ignore": ("ignore", "list of strings"),
    "extend-select": ("extend_select", "list of strings"),
    "exclude": ("exclude", "list of strings"),
    "extend-exclude": ("extend_exclude", "list of strings"),
    "fail-on": ("fail_on", "one of error, warning, note, never"),
    "severity": ("severity", "table of rule = severity"),
    "per-file-ignores": ("per_file_ignores", "table of glob = list of rules"),
    "plugins": ("plugins", "list of strings"),
    "rules": ("rules", "table of rule-name tables"),
    "plugin-options": ("plugin_options", "table"),
    "max-file-size": ("max_file_size", 'a size in bytes (integer, or a string like "5MB")'),
    "respect-gitignore": ("respect_gitignore", "true or false"),
    "baseline": ("baseline", "a path string"),
    "cache-dir": ("cache_dir", "a path string"),
    "jobs": ("jobs", "a positive integer"),
    "force-exclude": ("force_exclude", "true or false"),
    "operators": ("operators", "a table with 'columns' (a table of column title = field)"),
    "rule-timeout": ("rule_timeout", "a number of seconds (0 for no limit)"),
}

_SIZE_RE = re.compile(r"^\s*(\d+)\s*(b|kb|kib|mb|mib|gb|gib)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {None: 1, "b": 1, "kb": 1000, "kib": 1024, "mb": 1000**2, "mib": 1024**2, "gb": 1000**3, "gib": 1024**3}


def parse_size(value: Any) -> Optional[int]:
    """Return ``value`` as a byte count, or None when it is not a size."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, str):
        m = _SIZE_RE.match(value)
        if m:
            unit = m.group(2).lower() if m.group(2) else None
            n = int(m.group(1)) * _SIZE_UNITS[unit]
            return n if n > 0 else None
    return None


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _err(path: str, key: str, expected: str, value: Any) -> ConfigError:
    return ConfigError(f"{path}: invalid value for '{key}': expected {expected}, got {value!r}")


def find_config(start: str) -> Optional[str]:
    """Walk up from ``start`` and return the first ``.imslint.toml`` or ``pyproject.toml`` with ``[tool.imslint]``."""
    here = os.path.abspath(start)
    if not os.path.isdir(here):
        here = os.path.dirname(here)
    while True:
        for name in CONFIG_FILES:
            candidate = os.path.join(here, name)
            if os.path.isfile(candidate):
                if name == "pyproject.toml":
                    tomllib = _toml()
                    try:
                        with open(candidate, "rb") as fh:
                            raw = fh.read()
                        data = tomllib.loads(raw.decode("utf-8"))
                    except OSError:
                        continue
                    except (tomllib.TOMLDecodeError, UnicodeDecodeError, RecursionError) as exc:
                        if _mentions_imslint(raw):
                            # Ignoring it would run with default settings: a gate that silently changes.
                            why = (
                                "not UTF-8" if isinstance(exc, UnicodeDecodeError) else str(exc) or "nested too deeply"
                            )
                            raise ConfigError(
                                f"{candidate}: invalid TOML: {why} (it holds imslint settings, which cannot be read)"
                            ) from None
                        continue  # someone else's broken pyproject, without imslint settings, is not ours to report
                    tool = data.get("tool", {})
                    if not isinstance(tool, dict) or "imslint" not in tool:
                        continue
                return candidate
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


_IMSLINT_TABLE_RE = re.compile(
    rb"^[ \t]*(?:\[\[?[ \t]*[\"']?tool[\"']?[ \t]*\.[ \t]*[\"']?imslint\b"  # a [tool.imslint...] header
    rb"|[\"']?tool[\"']?[ \t]*\.[ \t]*[\"']?imslint\b"  # a tool.imslint... key
    rb"|[\"']?imslint[\"']?[ \t]*[.=])",  # an imslint... key under [tool]
    re.MULTILINE,
)


def _mentions_imslint(raw: bytes) -> bool:
    """True when a pyproject.toml that does not parse looks like it holds imslint settings.

    A ``[tool.imslint...]`` header, a ``tool.imslint...`` dotted key, or an
    ``imslint = ...`` / ``imslint.x = ...`` key (under ``[tool]``). We cannot know
    for sure what a file that does not parse holds; we err on the side of an error.
    """
    return bool(_IMSLINT_TABLE_RE.search(raw))


def load_config(path: str) -> Config:
    """Read and validate one configuration file."""
    tomllib = _toml()
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: not UTF-8 (byte {exc.start})") from None
    except RecursionError:
        raise ConfigError(f"{path}: invalid TOML: nested too deeply") from None
    if os.path.basename(path) == "pyproject.toml":
        table = data.get("tool", {}).get("imslint", {})
        prefix = "tool.imslint."
    else:
        table = data.get("tool", {}).get("imslint", data) if "tool" in data else data
        prefix = ""
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.imslint] must be a table")
    cfg = Config(path=path, root=os.path.dirname(os.path.abspath(path)))
    apply_table(cfg, table, path, prefix)
    return cfg


def apply_table(cfg: Config, table: Mapping[str, Any], path: str, prefix: str = "") -> None:  # noqa: C901
    """Validate ``table`` and set its values on ``cfg``."""
    for key, value in table.items():
        if key not in _KEYS:
            known = ", ".join(sorted(_KEYS))
            raise ConfigError(f"{path}: unknown key '{prefix}{key}' (known keys: {known})")
        attr, expected = _KEYS[key]
        full = prefix + key
        if attr in ("select", "ignore", "extend_select", "exclude", "extend_exclude", "plugins"):
            if not _is_str_list(value):
                raise _err(path, full, expected, value)
        elif attr == "fail_on":
            if not isinstance(value, str) or value.lower() not in FAIL_ON:
                raise _err(path, full, expected, value)
            value = value.lower()
        elif attr == "severity":
            if not isinstance(value, dict):
                raise _err(path, full, expected, value)
            for rule, sev in value.items():
                if not isinstance(sev, str) or sev.lower() not in ("error", "warning", "note"):
                    raise _err(path, f"{full}.{rule}", "one of error, warning, note", sev)
            value = {k: v.lower() for k, v in value.items()}
        elif attr == "per_file_ignores":
            if not isinstance(value, dict):
                raise _err(path, full, expected, value)
            for glob, rules in value.items():
                if not _is_str_list(rules):
                    raise _err(path, f"{full}.{glob}", "list of strings", rules)
        elif attr == "rules":
            if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
                raise _err(path, full, expected, value)
        elif attr == "plugin_options":
            if not isinstance(value, dict):
                raise _err(path, full, expected, value)
        elif attr == "max_file_size":
            size = parse_size(value)
            if size is None:
                raise _err(path, full, expected, value)
            value = size
        elif attr in ("respect_gitignore", "force_exclude"):
            if not isinstance(value, bool):
                raise _err(path, full, expected, value)
        elif attr in ("baseline", "cache_dir"):
            if not isinstance(value, str) or not value:
                raise _err(path, full, expected, value)
            value = value if os.path.isabs(value) else os.path.join(cfg.root, value)
        elif attr == "jobs":
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise _err(path, full, expected, value)
        elif attr == "operators":
            _check_operators(value, path, full, expected)
        elif attr == "rule_timeout":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1e9:
                raise _err(path, full, expected, value)
            value = float(value)
        setattr(cfg, attr, copy.deepcopy(value))
        cfg.origins[key] = path


def _check_operators(value: Any, path: str, full: str, expected: str) -> None:
    """``[tool.imslint.operators]``: ``columns`` maps the title of a CSV column to a field of the record."""
    from .readers.operator_labels import FIELDS

    if not isinstance(value, dict):
        raise _err(path, full, expected, value)
    for key, sub in value.items():
        if key != "columns":
            raise ConfigError(f"{path}: unknown key '{full}.{key}' (known keys: columns)")
        if not isinstance(sub, dict):
            raise _err(path, f"{full}.columns", "a table of column title = field", sub)
        for title, fld in sub.items():
            if not isinstance(fld, str) or fld not in FIELDS:
                raise _err(path, f"{full}.columns.{title}", f"one of {', '.join(FIELDS)}", fld)


# --------------------------------------------------------------------------- rule selection


def match_selector(selector: str, rules: Mapping[str, Type[Rule]]) -> Set[str]:
    """Rule ids matched by ``selector``: ``ALL``, an id, an id prefix, or a rule name."""
    sel = selector.strip()
    if sel.upper() == "ALL":
        return set(rules)
    if sel.upper() in rules:
        return {sel.upper()}
    by_name = {cls.name: rid for rid, cls in rules.items()}
    if sel.lower() in by_name:
        return {by_name[sel.lower()]}
    if sel.isalnum():
        return {rid for rid in rules if rid.startswith(sel.upper())}
    return set()


def resolve_selection(cfg: Config, rules: Mapping[str, Type[Rule]]) -> Set[str]:
    """The ids of the rules this run applies, validating every selector against the loaded rules."""

    def ids(selectors: Sequence[str], key: str) -> Set[str]:
        out: Set[str] = set()
        for s in selectors:
            matched = match_selector(s, rules)
            if not matched:
                expected = "expected a rule id, id prefix, name or ALL"
                if s in cfg.from_command_line.get(key, ()):
                    raise ConfigError(f"--{key}: unknown rule selector {s!r} ({expected})")
                raise ConfigError(f"{cfg.source()}: unknown rule selector {s!r} in '{key}' ({expected})")
            out |= matched
        return out

    selected = ids(cfg.select, "select") | ids(cfg.extend_select, "extend-select")
    selected -= ids(cfg.ignore, "ignore")
    for glob, sels in cfg.per_file_ignores.items():
        ids(sels, f"per-file-ignores.{glob}")
    return selected


def resolve_severities(cfg: Config, rules: Mapping[str, Type[Rule]]) -> Dict[str, Severity]:
    """Effective severity of every rule (defaults, then the ``severity`` table)."""
    out = {rid: cls.severity for rid, cls in rules.items()}
    for sel, sev in cfg.severity.items():
        matched = match_selector(sel, rules)
        if not matched:
            raise ConfigError(f"{cfg.source()}: unknown rule selector {sel!r} in 'severity'")
        for rid in matched:
            out[rid] = Severity.parse(sev)
    return out


def resolve_rule_options(cfg: Config, rules: Mapping[str, Type[Rule]]) -> Dict[str, Dict[str, Any]]:
    """Options of every rule: its defaults overlaid with ``[tool.imslint.rules.<selector>]``; types are checked.

    A table is named by a rule name or id, or by a selector of several rules (an id
    prefix such as ``IMS0``, or ``ALL``): its options then go to every matched rule
    that has them, so options shared by a family (the operator rules'
    ``allowed-logins``) are set once. A table for one rule wins over a prefix, a
    longer prefix over a shorter one, and any prefix over ``ALL``.
    """
    by_name = {cls.name: rid for rid, cls in rules.items()}
    out = {rid: copy.deepcopy(dict(cls.defaults)) for rid, cls in rules.items()}
    tables = []
    for key, table in cfg.rules.items():
        rid = by_name.get(key) or (key.upper() if key.upper() in rules else None)
        if rid is not None:
            tables.append(((2, 0), key, [rid], table))
            continue
        matched = match_selector(key, rules) if key.strip() else set()
        if not matched:
            raise ConfigError(
                f"{cfg.source()}: unknown rule {key!r} in 'rules' (expected a rule name such as 'native-operator', "
                "an id, an id prefix or ALL)"
            )
        rank = (0, 0) if key.strip().upper() == "ALL" else (1, len(key.strip()))
        tables.append((rank, key, sorted(matched), table))
    for _, key, ids, table in sorted(tables, key=lambda t: t[0]):
        for opt, value in table.items():
            holders = [rid for rid in ids if opt in rules[rid].defaults]
            if not holders:
                known = ", ".join(sorted({o for rid in ids for o in rules[rid].defaults})) or "none"
                whose = ids[0] if len(ids) == 1 else f"the rules {key!r} selects"
                raise ConfigError(f"{cfg.source()}: unknown option 'rules.{key}.{opt}' (options of {whose}: {known})")
            for rid in holders:
                default = rules[rid].defaults[opt]
                if not _same_type(default, value):
                    raise ConfigError(
                        f"{cfg.source()}: invalid value for 'rules.{key}.{opt}': expected {_type_name(default)}, "
                        f"got {value!r}"
                    )
                out[rid][opt] = copy.deepcopy(value)
    return out


def _same_type(default: Any, value: Any) -> bool:
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, (int, float)):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(default, str):
        return isinstance(value, str)
    if isinstance(default, (list, tuple)):
        return (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
            if all(isinstance(d, str) for d in default)
            else isinstance(value, list)
        )
    if isinstance(default, dict):
        return isinstance(value, dict)
    return True


def _type_name(default: Any) -> str:
    if isinstance(default, bool):
        return "true or false"
    if isinstance(default, (int, float)):
        return "a number"
    if isinstance(default, str):
        return "a string"
    if isinstance(default, (list, tuple)):
        return "a list of strings"
    if isinstance(default, dict):
        return "a table"
    return type(default).__name__
