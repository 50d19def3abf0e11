"""Plugin loading: entry points, local plugins, clear errors naming the plugin."""

from __future__ import annotations

import os
import sys

import pytest

from imslint import hookspecs
from imslint.plugins import PluginError, load_plugins

PLUGINS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "plugins")


def test_local_plugin_loads_with_version():
    reg = load_plugins(["toy_plugin"], PLUGINS, use_entry_points=False)
    assert [(p.name, p.version, p.source) for p in reg.plugins] == [("toy_plugin", "9.9.9", "config")]
    assert list(reg.rules) == ["TOY001", "TOY002", "TOY003", "TOY004"]
    assert reg.rule_plugin["TOY001"] == "toy_plugin"
    assert [r.name for r in reg.readers] == ["toy", "toy-lines"]


def test_plugin_that_fails_to_import_is_named():
    with pytest.raises(PluginError) as err:
        load_plugins(["broken_plugin"], PLUGINS, use_entry_points=False)
    assert str(err.value) == (
        "plugin 'broken_plugin' (from the 'plugins' setting) failed to import: ImportError: this plugin is broken on purpose"
    )


def test_missing_local_plugin():
    with pytest.raises(PluginError, match="plugin 'no_such_plugin_mod' .* ModuleNotFoundError"):
        load_plugins(["no_such_plugin_mod"], PLUGINS, use_entry_points=False)


def test_duplicate_rule_id_names_both_plugins():
    with pytest.raises(PluginError) as err:
        load_plugins(["toy_plugin", "duplicate_plugin"], PLUGINS, use_entry_points=False)
    assert str(err.value) == "plugin 'duplicate_plugin': rule id TOY001 is already registered by plugin 'toy_plugin'"


def test_invalid_rule_id_is_rejected():
    with pytest.raises(PluginError) as err:
        load_plugins(["bad_rule_plugin"], PLUGINS, use_entry_points=False)
    assert "plugin 'bad_rule_plugin': rule Bad: id 'bad-1' does not match" in str(err.value)


def test_registration_hook_that_raises_is_named():
    class Exploding:
        @hookspecs.hookimpl
        def imslint_register_rules(self):
            raise RuntimeError("kaput")

    with pytest.raises(PluginError) as err:
        load_plugins(use_entry_points=False, extra=[("exploding", Exploding())])
    assert str(err.value) == "plugin 'exploding': imslint_register_rules() raised RuntimeError: kaput"


def test_unknown_hook_is_rejected_by_pluggy():
    class Typo:
        @hookspecs.hookimpl
        def imslint_register_rulez(self):
            return []

    with pytest.raises(PluginError) as err:
        load_plugins(use_entry_points=False, extra=[("typo", Typo())])
    assert str(err.value) == "plugin 'typo': unknown hook 'imslint_register_rulez' (not an imslint hook)"


def test_every_hookspec_is_documented():
    names = [n for n in dir(hookspecs) if n.startswith("imslint_")]
    assert set(names) == {
        "imslint_register_rules",
        "imslint_register_reporters",
        "imslint_register_readers",
        "imslint_register_output_recognisers",
        "imslint_register_commands",
        "imslint_configure",
    }
    for n in names:
        doc = getattr(hookspecs, n).__doc__ or ""
        assert len(doc.split()) > 10, n
        assert ":return:" in doc or ":param" in doc, n


def test_builtins_load_through_the_entry_point_group(registry):
    names = {p.name: p for p in registry.plugins}
    assert {"core", "operators", "credentials", "config"} <= set(names)
    assert all(names[n].source == "entry point" for n in ("core", "operators", "credentials", "config"))
    assert {"text", "json", "sarif"} <= set(registry.reporters)


def test_entry_points_are_read_from_dist_info_and_egg_info(tmp_path, monkeypatch):
    import sys

    from imslint.plugins import _entry_points

    def dist(folder, meta_name, name, version, entry_points):
        folder.mkdir(parents=True)
        (folder / meta_name).write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\nbody\n")
        (folder / "entry_points.txt").write_text(entry_points)

    a = tmp_path / "a"
    dist(
        a / "acme_rules-2.0.1.dist-info",
        "METADATA",
        "acme-rules",
        "2.0.1",
        "[console_scripts]\nx = y:z\n\n[imslint]\nacme = acme_rules:plugin\n",
    )
    dist(a / "legacy.egg-info", "PKG-INFO", "legacy", "0.3", "[imslint]\nlegacy = legacy_mod\n")
    b = tmp_path / "b"
    # shadowed: the first distribution of a name on sys.path wins
    dist(b / "acme_rules-1.0.dist-info", "METADATA", "acme_rules", "1.0", "[imslint]\nold = old_mod\n")
    monkeypatch.setattr(sys, "path", [str(a), str(b), str(tmp_path / "missing")])
    eps = sorted((e.name, e.value, e.version) for e in _entry_points())
    assert eps == [("acme", "acme_rules:plugin", "2.0.1"), ("legacy", "legacy_mod", "0.3")]


@pytest.mark.skipif(sys.version_info < (3, 10), reason="entry_points(group=...) is Python 3.10+")
def test_the_entry_point_scanner_agrees_with_importlib_metadata():
    from importlib import metadata

    from imslint.plugins import ENTRY_POINT_GROUP, _entry_points

    expected = sorted((e.name, e.value, e.dist.version) for e in metadata.entry_points(group=ENTRY_POINT_GROUP))
    assert expected and sorted((e.name, e.value, e.version) for e in _entry_points()) == expected


def _installed_plugin(tmp_path, name, source):
    """A plugin installed the way pip leaves one: a module and a dist-info folder with its entry point."""
    site = tmp_path / "site"
    (site / f"{name}-1.0.dist-info").mkdir(parents=True)
    (site / f"{name}-1.0.dist-info" / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (site / f"{name}-1.0.dist-info" / "entry_points.txt").write_text(f"[imslint]\n{name} = {name}\n")
    (site / f"{name}.py").write_text(source)
    env = dict(os.environ, PYTHONPATH=str(site))
    return env


COMMAND_PLUGIN = """
import click
from imslint import hookimpl

@hookimpl
def imslint_register_commands(cli):
    @cli.command(NAME)
    @click.argument("who")
    def hello(who):
        "Say hello."
        click.echo("hello " + who)
"""


def _imslint(env, *args, cwd):
    import subprocess

    return subprocess.run(
        [sys.executable, "-m", "imslint.cli", *args], env=env, cwd=cwd, capture_output=True, text=True
    )


def test_an_installed_plugin_adds_a_command(tmp_path):
    env = _installed_plugin(tmp_path, "toycmd", COMMAND_PLUGIN.replace("NAME", '"hello"'))
    r = _imslint(env, "hello", "world", cwd=tmp_path)
    assert (r.returncode, r.stdout) == (0, "hello world\n"), r.stderr
    listed = _imslint(env, "--help", cwd=tmp_path).stdout
    assert "hello" in listed and "operators" in listed and "check" in listed


def test_a_plugin_command_cannot_hide_a_built_in_one(tmp_path):
    env = _installed_plugin(tmp_path, "toyclash", COMMAND_PLUGIN.replace("NAME", '"check"'))
    r = _imslint(env, "no-such-command", cwd=tmp_path)
    assert r.returncode == 2
    assert "plugin 'toyclash': command 'check' is built into imslint" in r.stderr
    ok = _imslint(env, "check", "--no-config", str(tmp_path / "site" / "toyclash.py"), cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr  # built-in commands never load plugin commands


def test_an_entry_point_named_like_a_built_in_is_an_error_not_dropped(tmp_path):
    env = _installed_plugin(tmp_path, "toyname", "from imslint import hookimpl\n")
    entry = tmp_path / "site" / "toyname-1.0.dist-info" / "entry_points.txt"
    entry.write_text("[imslint]\noperators = toyname\n")  # the name of the built-in operator rules
    r = _imslint(env, "check", "--no-config", str(tmp_path / "site" / "toyname.py"), cwd=tmp_path)
    assert r.returncode == 2
    assert "plugin 'operators'" in r.stderr and "already taken" in r.stderr
