"""Plugin loading: built-ins and third parties through the ``imslint`` entry-point group, plus local modules."""

from __future__ import annotations

import importlib
import os
import re
import sys
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Type

import pluggy

from . import hookspecs
from .protocols import OutputRecogniser, Reporter, supports
from .readers import Reader
from .rule import Rule, validate_rule_class

ENTRY_POINT_GROUP = "imslint"


class PluginError(Exception):
    """A plugin could not be loaded or registered something invalid; the message names the plugin."""


@dataclass(frozen=True)
class PluginInfo:
    """What ``imslint plugins`` shows for one loaded plugin."""

    name: str
    module: str
    version: str
    source: str  # "entry point", "config" or "api"


@dataclass
class Registry:
    """Everything the loaded plugins contributed."""

    pm: pluggy.PluginManager
    plugins: List[PluginInfo] = field(default_factory=list)
    rules: Dict[str, Type[Rule]] = field(default_factory=dict)  # by id, sorted
    rule_plugin: Dict[str, str] = field(default_factory=dict)  # rule id -> plugin name
    readers: List[Reader] = field(default_factory=list)  # by descending priority
    reporters: Dict[str, Any] = field(default_factory=dict)  # by format name
    output_recognisers: List[Any] = field(default_factory=list)  # reporters' and plugins' (see imslint.own_output)


@dataclass(frozen=True)
class EntryPoint:
    """One ``[imslint]`` entry point of an installed distribution, with that distribution's version."""

    name: str
    value: str
    version: str

    def load(self) -> Any:
        """Import the module (and attribute, for ``module:attr``) the entry point names."""
        module_name, _, attr = self.value.partition(":")
        obj = importlib.import_module(module_name.strip())
        for part in filter(None, attr.strip().split(".")):
            obj = getattr(obj, part)
        return obj


def _entry_points() -> List[EntryPoint]:
    """Entry points of the ``imslint`` group, read from the ``*.dist-info``/``*.egg-info`` folders on sys.path.

    This is what ``importlib.metadata.entry_points(group=...)`` returns, without
    importing importlib.metadata (with zipfile, email and pathlib): a hand-written
    scanner kept for one benchmark row, "pre-commit, 3 files" of
    ``benchmarks/bench_code.py --targets`` (issue 16: <= 1.5x the Python + imports
    floor), where importlib.metadata cost about 40 ms of wall time per call
    (see docs/performance.md). As there, the first distribution of a name on
    sys.path wins (also on Python 3.9, whose ``entry_points()`` lacks that rule);
    a test checks that the answer is importlib.metadata's.
    """
    seen: set = set()
    found: List[EntryPoint] = []
    for entry in sys.path:
        try:
            names = sorted(os.listdir(entry or "."))
        except OSError:
            continue
        for name in names:
            stem, _, suffix = name.rpartition(".")
            if suffix not in ("dist-info", "egg-info"):
                continue
            dist, _, version = stem.partition("-")
            key = re.sub(r"[-_.]+", "_", dist).lower()
            if key in seen:
                continue
            seen.add(key)
            folder = os.path.join(entry or ".", name)
            try:
                with open(os.path.join(folder, "entry_points.txt"), encoding="utf-8") as fh:
                    text = fh.read()
            except OSError:
                continue
            pairs = _group(text, ENTRY_POINT_GROUP)
            if pairs:
                version = version.split("-")[0] or _metadata_version(folder)
                found.extend(EntryPoint(n, v, version) for n, v in pairs)
    return found


def _metadata_version(folder: str) -> str:
    """``Version:`` from a distribution's METADATA (dist-info) or PKG-INFO (egg-info)."""
    for meta in ("METADATA", "PKG-INFO"):
        try:
            with open(os.path.join(folder, meta), encoding="utf-8") as fh:
                for line in fh:
                    if line.startswith("Version:"):
                        return line.split(":", 1)[1].strip()
                    if not line.strip():
                        break
        except OSError:
            continue
    return "unknown"


def _group(text: str, group: str) -> List[Tuple[str, str]]:
    """``name = value`` pairs of one ``[group]`` section of an entry_points.txt file."""
    out: List[Tuple[str, str]] = []
    current = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1].strip()
        elif current == group and "=" in line:
            name, _, value = line.partition("=")
            out.append((name.strip(), value.strip()))
    return out


def _ep_version(ep: Any) -> str:
    return getattr(ep, "version", None) or "unknown"


def _module_version(module: Any) -> str:
    return str(getattr(module, "__version__", "") or "unknown")


def load_plugins(
    local_plugins: Sequence[str] = (),
    local_root: Optional[str] = None,
    extra: Iterable[Tuple[str, Any]] = (),
    use_entry_points: bool = True,
) -> Registry:
    """Load every plugin and return the validated :class:`Registry`.

    ``local_plugins`` are module names from the ``plugins`` configuration key,
    imported with ``local_root`` (the configuration file's folder) on ``sys.path``;
    ``extra`` are ``(name, module_or_object)`` pairs registered directly (tests,
    embedding). Raises :class:`PluginError` naming the plugin at fault.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    registry = Registry(pm=pm)

    def register(name: str, obj: Any, version: str, source: str) -> None:
        if pm.is_registered(obj):
            return  # the same module reached twice (an entry point also named in `plugins`)
        if pm.has_plugin(name):
            other = next((p for p in registry.plugins if p.name == name), None)
            where = f" by {other.module} ({other.source})" if other else ""
            raise PluginError(f"plugin {name!r} ({source}): the name is already taken{where}; rename one of them")
        try:
            pm.register(obj, name=name)
        except (Exception, SystemExit) as exc:  # pluggy validates hook implementations
            raise PluginError(f"plugin {name!r}: cannot register: {exc}") from exc
        registry.plugins.append(PluginInfo(name, getattr(obj, "__name__", type(obj).__name__), version, source))

    if use_entry_points:
        for ep in sorted(_entry_points(), key=lambda e: e.name):
            try:
                obj = ep.load()
            except (Exception, SystemExit) as exc:  # a plugin calling sys.exit() on import is a broken plugin
                raise PluginError(
                    f"plugin {ep.name!r} (entry point {ep.value!r}) failed to import: {type(exc).__name__}: {exc}"
                ) from exc
            register(ep.name, obj, _ep_version(ep), "entry point")

    if local_plugins:
        added = False
        if local_root and local_root not in sys.path:
            sys.path.insert(0, local_root)
            added = True
        try:
            for modname in local_plugins:
                try:
                    module = importlib.import_module(modname)
                except (Exception, SystemExit) as exc:
                    raise PluginError(
                        f"plugin {modname!r} (from the 'plugins' setting) failed to import: {type(exc).__name__}: {exc}"
                    ) from exc
                register(modname, module, _module_version(module), "config")
        finally:
            if added and local_root:
                sys.path.remove(local_root)

    for name, obj in extra:
        register(name, obj, _module_version(obj), "api")

    try:
        pm.check_pending()  # an implementation of a hook that does not exist (a typo) is an error
    except pluggy.PluginValidationError as exc:
        name = pm.get_name(exc.plugin) or repr(exc.plugin)
        raise PluginError(f"plugin {name!r}: {str(exc).split(' in plugin ')[0]} (not an imslint hook)") from None
    _collect(registry)
    return registry


def _call_each(pm: pluggy.PluginManager, hook_name: str) -> Iterable[Tuple[str, Any]]:
    """Call a registration hook plugin by plugin, so a failing plugin is named."""
    hook = getattr(pm.hook, hook_name)
    for impl in hook.get_hookimpls():
        try:
            result = impl.function()
        except (Exception, SystemExit) as exc:
            raise PluginError(f"plugin {impl.plugin_name!r}: {hook_name}() raised {type(exc).__name__}: {exc}") from exc
        for item in result or ():
            yield impl.plugin_name, item


def _collect(registry: Registry) -> None:
    pm = registry.pm
    rules: Dict[str, Type[Rule]] = {}
    names: Dict[str, str] = {}
    for plugin, rule_cls in _call_each(pm, "imslint_register_rules"):
        problem = validate_rule_class(rule_cls)
        if problem:
            raise PluginError(f"plugin {plugin!r}: {problem}")
        if rule_cls.id in rules:
            if rules[rule_cls.id] is rule_cls:
                continue
            other = registry.rule_plugin[rule_cls.id]
            raise PluginError(f"plugin {plugin!r}: rule id {rule_cls.id} is already registered by plugin {other!r}")
        if rule_cls.name in names:
            raise PluginError(
                f"plugin {plugin!r}: rule name {rule_cls.name!r} ({rule_cls.id}) is already used by {names[rule_cls.name]}"
            )
        rules[rule_cls.id] = rule_cls
        names[rule_cls.name] = rule_cls.id
        registry.rule_plugin[rule_cls.id] = plugin
    registry.rules = dict(sorted(rules.items()))

    readers: List[Tuple[int, int, Reader]] = []
    seen_readers: Dict[str, str] = {}
    for n, (plugin, reader) in enumerate(_call_each(pm, "imslint_register_readers")):
        obj = reader() if isinstance(reader, type) else reader
        if not isinstance(obj, Reader) or not obj.name:
            raise PluginError(f"plugin {plugin!r}: reader {reader!r} is not a named imslint.Reader")
        if obj.name in seen_readers:
            raise PluginError(
                f"plugin {plugin!r}: reader {obj.name!r} is already registered by plugin {seen_readers[obj.name]!r}"
            )
        seen_readers[obj.name] = plugin
        readers.append((-obj.priority, n, obj))
    registry.readers = [r for _, _, r in sorted(readers, key=lambda t: (t[0], t[1]))]

    reporters: Dict[str, Any] = {}
    for plugin, reporter in _call_each(pm, "imslint_register_reporters"):
        obj = reporter() if isinstance(reporter, type) else reporter
        fmt = getattr(obj, "format", None)
        if not fmt or not supports(obj, Reporter):
            raise PluginError(f"plugin {plugin!r}: reporter {reporter!r} needs a 'format' name and a render() method")
        if fmt in reporters:
            raise PluginError(f"plugin {plugin!r}: output format {fmt!r} is already registered")
        reporters[fmt] = obj
    registry.reporters = reporters

    recognisers = [r for r in reporters.values() if supports(r, OutputRecogniser)]
    for plugin, recogniser in _call_each(pm, "imslint_register_output_recognisers"):
        obj = recogniser() if isinstance(recogniser, type) else recogniser
        if not supports(obj, OutputRecogniser) or not getattr(obj, "output_label", ""):
            raise PluginError(
                f"plugin {plugin!r}: output recogniser {recogniser!r} needs an 'output_label' and the methods of "
                "imslint.protocols.OutputRecogniser"
            )
        recognisers.append(obj)
    registry.output_recognisers = recognisers


def plugin_commands(taken: Iterable[str]) -> Dict[str, Any]:
    """The subcommands installed plugins add through ``imslint_register_commands``, by name.

    A name already ``taken`` (a built-in command) or added by two plugins is a
    :class:`PluginError` naming the plugin: never one command silently hiding another.
    """
    import click

    registry = load_plugins()
    taken = set(taken)
    commands: Dict[str, Any] = {}
    owner: Dict[str, str] = {}
    for impl in registry.pm.hook.imslint_register_commands.get_hookimpls():
        group = click.Group()
        try:
            impl.function(cli=group)
        except (Exception, SystemExit) as exc:
            raise PluginError(
                f"plugin {impl.plugin_name!r}: imslint_register_commands() raised {type(exc).__name__}: {exc}"
            ) from exc
        for name, command in group.commands.items():
            if name in taken:
                raise PluginError(f"plugin {impl.plugin_name!r}: command {name!r} is built into imslint")
            if name in commands:
                raise PluginError(
                    f"plugin {impl.plugin_name!r}: command {name!r} is already added by plugin {owner[name]!r}"
                )
            commands[name] = command
            owner[name] = impl.plugin_name
    return commands


def get_plugin_manager(*args: Any, **kwargs: Any) -> Registry:
    """Deprecated name of :func:`load_plugins` (it never returned a pluggy manager); kept for one release."""
    import warnings

    warnings.warn("imslint.plugins.get_plugin_manager is now load_plugins", DeprecationWarning, stacklevel=2)
    return load_plugins(*args, **kwargs)
