"""Configuration files: discovery, validation with exact messages, rule selection and options."""

from __future__ import annotations

import pytest
from conftest import write

from imslint.config import (
    Config,
    ConfigError,
    find_config,
    load_config,
    match_selector,
    parse_size,
    resolve_rule_options,
    resolve_selection,
    resolve_severities,
)


def test_pyproject_found_by_walking_up(tmp_path):
    write(tmp_path, "pyproject.toml", '[project]\nname="x"\n\n[tool.imslint]\nfail-on = "error"\n')
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    found = find_config(str(sub))
    assert found == str(tmp_path / "pyproject.toml")
    cfg = load_config(found)
    assert cfg.fail_on == "error" and cfg.root == str(tmp_path)


def test_pyproject_without_our_table_is_skipped(tmp_path):
    write(tmp_path, "pyproject.toml", '[project]\nname="x"\n')
    write(tmp_path, "sub/pyproject.toml", "[tool.other]\nx=1\n")
    assert find_config(str(tmp_path / "sub")) is None


def test_dot_imslint_toml_wins_over_pyproject(tmp_path):
    write(tmp_path, "pyproject.toml", '[tool.imslint]\nfail-on = "error"\n')
    write(tmp_path, ".imslint.toml", 'fail-on = "note"\nselect = ["IMS1"]\n')
    cfg = load_config(find_config(str(tmp_path)))
    assert cfg.fail_on == "note" and cfg.select == ["IMS1"]


@pytest.mark.parametrize(
    "body, message",
    [
        ('selct = ["IMS1"]', "unknown key 'tool.imslint.selct' (known keys: "),
        ('select = "IMS1"', "invalid value for 'tool.imslint.select': expected list of strings, got 'IMS1'"),
        (
            'fail-on = "fatal"',
            "invalid value for 'tool.imslint.fail-on': expected one of error, warning, note, never, got 'fatal'",
        ),
        ('max-file-size = "lots"', "invalid value for 'tool.imslint.max-file-size': expected a size in bytes"),
        ("jobs = 0", "invalid value for 'tool.imslint.jobs': expected a positive integer, got 0"),
        (
            '[severity]\nIMS101 = "fatal"',
            "invalid value for 'tool.imslint.severity.IMS101': expected one of error, warning, note, got 'fatal'",
        ),
        (
            '[per-file-ignores]\n"tests/*" = "IMS101"',
            "invalid value for 'tool.imslint.per-file-ignores.tests/*': expected list of strings",
        ),
        ("respect-gitignore = 1", "invalid value for 'tool.imslint.respect-gitignore': expected true or false, got 1"),
    ],
)
def test_bad_values_name_file_key_and_expectation(tmp_path, body, message):
    path = write(
        tmp_path,
        "pyproject.toml",
        "[tool.imslint]\n" + body.replace("[", "[tool.imslint.", 1)
        if body.startswith("[")
        else "[tool.imslint]\n" + body,
    )
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value).startswith(f"{path}: {message}")


def test_invalid_toml_names_the_file(tmp_path):
    path = write(tmp_path, ".imslint.toml", "select = [\n")
    with pytest.raises(ConfigError, match=r"\.imslint\.toml: invalid TOML"):
        load_config(path)


def test_sizes():
    assert parse_size("5MB") == 5_000_000
    assert parse_size("2 MiB") == 2 * 1024 * 1024
    assert parse_size(1024) == 1024
    assert parse_size(True) is None and parse_size("-3") is None and parse_size(0) is None


def test_selectors_and_unknown_ids(toy_registry):
    rules = toy_registry.rules
    assert match_selector("ALL", rules) == {"TOY001", "TOY002", "TOY003", "TOY004"}
    assert match_selector("toy-word", rules) == {"TOY003"}
    assert match_selector("TOY00", rules) == {"TOY001", "TOY002", "TOY003", "TOY004"}
    assert match_selector("toy001", rules) == {"TOY001"}
    assert match_selector("IMS", rules) == set()
    cfg = Config(path="cfg.toml", select=["TOY0"], ignore=["TOY002", "TOY004"], extend_select=[])
    assert resolve_selection(cfg, rules) == {"TOY001", "TOY003"}
    cfg = Config(path="cfg.toml", select=["TOY999"])
    with pytest.raises(ConfigError) as err:
        resolve_selection(cfg, rules)
    assert (
        str(err.value)
        == "cfg.toml: unknown rule selector 'TOY999' in 'select' (expected a rule id, id prefix, name or ALL)"
    )


def test_rule_options_are_validated(toy_registry):
    rules = toy_registry.rules
    cfg = Config(path="c.toml", rules={"toy-word": {"word": "x"}})
    assert resolve_rule_options(cfg, rules)["TOY003"] == {"word": "x", "max": 100}
    with pytest.raises(ConfigError) as err:
        resolve_rule_options(Config(path="c.toml", rules={"toy-word": {"wrod": "x"}}), rules)
    assert str(err.value) == "c.toml: unknown option 'rules.toy-word.wrod' (options of TOY003: max, word)"
    with pytest.raises(ConfigError) as err:
        resolve_rule_options(Config(path="c.toml", rules={"toy-word": {"max": "many"}}), rules)
    assert str(err.value) == "c.toml: invalid value for 'rules.toy-word.max': expected a number, got 'many'"
    with pytest.raises(ConfigError) as err:
        resolve_rule_options(Config(path="c.toml", rules={"no-such-rule": {}}), rules)
    assert "unknown rule 'no-such-rule' in 'rules'" in str(err.value)


def test_severity_overrides(toy_registry):
    sev = resolve_severities(Config(severity={"toy-word": "error"}), toy_registry.rules)
    assert sev["TOY003"].label == "error" and sev["TOY001"].label == "error" and sev["TOY002"].label == "warning"
    with pytest.raises(ConfigError, match="unknown rule selector 'XYZ001' in 'severity'"):
        resolve_severities(Config(severity={"XYZ001": "note"}), toy_registry.rules)


def test_rule_option_tables_may_name_a_family(registry):
    rules = registry.rules
    cfg = Config(
        path="c.toml",
        rules={
            "ALL": {"allowed-logins": ["everyone"]},
            "IMS0": {"allowed-logins": ["family"], "technical-logins": ["robot_*"]},
            "native-operator": {"allowed-logins": ["only-ims001"]},
        },
    )
    opts = resolve_rule_options(cfg, rules)
    assert opts["IMS001"]["allowed-logins"] == ["only-ims001"]  # a rule's own table wins
    assert opts["IMS002"]["allowed-logins"] == ["family"]  # a prefix wins over ALL
    assert opts["IMS005"]["technical-logins"] == ["robot_*"]
    assert "allowed-logins" not in opts["IMS101"]  # rules without the option are left alone
    with pytest.raises(ConfigError) as err:
        resolve_rule_options(Config(path="c.toml", rules={"IMS0": {"allowed-login": []}}), rules)
    assert str(err.value).startswith(
        "c.toml: unknown option 'rules.IMS0.allowed-login' (options of the rules 'IMS0' selects: "
    )
    assert "allowed-logins" in str(err.value)
    with pytest.raises(ConfigError) as err:
        resolve_rule_options(Config(path="c.toml", rules={"IMS0": {"allowed-logins": "admin, svc"}}), rules)
    assert "invalid value for 'rules.IMS0.allowed-logins': expected a list of strings" in str(err.value)
    with pytest.raises(ConfigError) as err:
        resolve_rule_options(Config(path="c.toml", rules={"IMS9": {}}), rules)
    assert "unknown rule 'IMS9' in 'rules'" in str(err.value)
