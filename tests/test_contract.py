"""The plugin contract as the host uses it: hookspec signatures, optional features, what a rule may yield."""

from __future__ import annotations

import inspect

from conftest import registry_with, write

from imslint import Problem, Rule, hookimpl, hookspecs
from imslint.config import Config
from imslint.engine import lint
from imslint.protocols import BatchChecker, Reporter, SplittableReader, StreamingReporter, supports


def _hookspecs():
    return {name: fn for name, fn in vars(hookspecs).items() if name.startswith("imslint_") and callable(fn)}


def _spy_plugin(calls):
    """A plugin implementing every hookspec with exactly the spec's parameters, recording how it is called."""
    namespace = {"calls": calls, "hookimpl": hookimpl}
    body = []
    for name, fn in _hookspecs().items():
        params = list(inspect.signature(fn).parameters)
        args = "".join(", " + p for p in params)
        record = ", ".join(f"{p!r}: {p}" for p in params)
        body.append(
            f"    @hookimpl\n    def {name}(self{args}):\n        calls.append(({name!r}, {{{record}}}))\n        return []\n"
        )
    exec("class Spy:\n" + "\n".join(body), namespace)
    return namespace["Spy"]()


def test_every_hook_is_called_the_way_its_hookspec_says(tmp_path, monkeypatch):
    import imslint.plugins as plugins

    calls = []
    registry = plugins.load_plugins(extra=[("spy", _spy_plugin(calls))])
    write(tmp_path, "a.js", "var x = 1;\n")
    lint(["."], Config(root=str(tmp_path), respect_gitignore=False), registry, cwd=str(tmp_path), jobs=1)
    monkeypatch.setattr(plugins, "load_plugins", lambda *a, **k: registry)
    plugins.plugin_commands(taken=())
    specs = _hookspecs()
    assert {name for name, _ in calls} == set(specs)  # every hookspec is called by the host...
    for name, kwargs in calls:  # ... with the arguments its signature names, no other
        assert list(kwargs) == list(inspect.signature(specs[name]).parameters), name


def test_the_hookspec_of_reporters_documents_how_render_is_called():
    doc = inspect.getdoc(hookspecs.imslint_register_reporters)
    assert "render(result, options) -> str" in doc
    assert list(inspect.signature(Reporter.render).parameters) == ["self", "result", "options"]


def test_builtin_objects_declare_their_optional_features(registry):
    reporters = registry.reporters
    assert all(supports(r, Reporter) for r in reporters.values())
    assert [f for f, r in sorted(reporters.items()) if supports(r, StreamingReporter)] == ["json"]
    assert {r.name for r in registry.readers if supports(r, SplittableReader)} == {"operator-xml", "operator-csv"}
    assert supports(registry.rules["IMS001"](), BatchChecker) and not supports(registry.rules["IMS101"](), BatchChecker)


def test_a_feature_is_supported_only_when_every_method_is_callable():
    class Half:
        def split(self, path, parts):
            return None

        read_piece = None

    class Whole(Half):
        def read_piece(self, source, piece):
            return iter(())

    assert not supports(Half(), SplittableReader) and supports(Whole(), SplittableReader)


class YieldsANumber(Rule):
    """Yields what is not a Problem (a broken third-party rule)."""

    id = "TST921"
    name = "yields-a-number"

    def check(self, subject, options):
        yield 42


class FinishesWithText(Rule):
    """Yields text from its finish step (a broken third-party rule)."""

    id = "TST922"
    name = "finishes-with-text"

    def finish(self, options):
        yield "not a problem"


class YieldsAProblemWithoutLocation(Rule):
    """Yields a Problem made by hand without a Location (a broken third-party rule)."""

    id = "TST923"
    name = "problem-without-location"

    def check(self, subject, options):
        yield Problem("a.js:1", "message")  # type: ignore[arg-type]


def test_a_rule_yielding_what_is_not_a_problem_is_an_error_naming_the_rule_and_its_plugin(tmp_path):
    registry = registry_with(YieldsANumber, FinishesWithText, YieldsAProblemWithoutLocation)
    write(tmp_path, "a.js", "var x = 1;\n")
    config = Config(root=str(tmp_path), respect_gitignore=False, select=["TST921", "TST922", "TST923"])
    result = lint(["."], config, registry, cwd=str(tmp_path), jobs=1)
    assert result.findings == []
    assert sorted((e.path, e.rule_id, e.message) for e in result.errors) == [
        (
            "<run>",
            "TST922",
            "rule TST922 (finishes-with-text) of plugin 'tst' in finish(): yielded str, expected Problem",
        ),
        ("a.js", "TST921", "rule TST921 (yields-a-number) of plugin 'tst': yielded int, expected Problem or Fact"),
        (
            "a.js",
            "TST923",
            "rule TST923 (problem-without-location) of plugin 'tst': "
            "yielded a Problem without a valid location, message, key or secret",
        ),
    ]


# --------------------------------------------------------------------------- outputs recognised by what writes them


class AcmeOutput:
    """What a third-party plugin writes: lines of '#'."""

    output_label = "acme notes"
    output_first_bytes = (b"#",)

    def sniff_output(self, head, tail):
        return head.startswith(b"# acme notes\n")

    def confirm_output(self, data, path):
        return path.endswith(".txt") and all(not line or line.startswith(b"#") for line in data.split(b"\n"))

    def secret_checked_part(self, data):
        return data


class AcmePlugin:
    @hookimpl
    def imslint_register_output_recognisers(self):
        return [AcmeOutput]


def test_a_plugin_recognises_the_files_it_writes_through_the_hook(tmp_path):
    from imslint.plugins import load_plugins

    write(tmp_path, "notes.txt", "# acme notes\n# seen: xtk:session#Logon in sync.js\n")
    write(tmp_path, "other.txt", "# other notes\n")
    config = Config(root=str(tmp_path), respect_gitignore=False)
    with_plugin = lint(["."], config, load_plugins(extra=[("acme", AcmePlugin())]), cwd=str(tmp_path), jobs=1)
    assert dict(with_plugin.skipped) == {"notes.txt": "imslint's own output (acme notes)"}
    without = lint(["."], config, load_plugins(), cwd=str(tmp_path), jobs=1)
    assert without.skipped == []


def test_a_recogniser_without_the_protocol_is_an_error_naming_the_plugin():
    import pytest

    from imslint.plugins import PluginError, load_plugins

    class Half:
        output_label = "half"

        def sniff_output(self, head, tail):
            return False

    class Broken:
        @hookimpl
        def imslint_register_output_recognisers(self):
            return [Half()]

    with pytest.raises(
        PluginError, match=r"^plugin 'broken': output recogniser .* needs an 'output_label' and the methods"
    ):
        load_plugins(use_entry_points=False, extra=[("broken", Broken())])


def test_the_host_never_imports_the_campaign_rules():
    import os

    from conftest import ROOT

    offenders = []
    for folder, _dirs, files in os.walk(os.path.join(ROOT, "linter")):
        for name in files:
            if name.endswith(".py"):
                with open(os.path.join(folder, name), encoding="utf-8") as fh:
                    for n, line in enumerate(fh, 1):
                        code = line.split("#", 1)[0]
                        if (
                            "imslint.rules" in code
                            and ("import" in code)
                            or "from ..rules" in code
                            or "from .rules" in code
                        ):
                            offenders.append(f"{name}:{n}")
    assert offenders == []
