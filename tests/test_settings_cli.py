"""Settings and input conveniences of the command line (issue 15, item 6), through the real CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner
from conftest import HERE, write

from imslint.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, main

ESC = "\x1b["


@pytest.fixture
def project(tmp_path, monkeypatch):
    shutil.copy(os.path.join(HERE, "plugins", "toy_plugin.py"), tmp_path / "toy_plugin.py")
    write(tmp_path, ".imslint.toml", 'plugins = ["toy_plugin"]\nselect = ["TOY"]\nexclude = ["*.py", "*.toml"]\n')
    monkeypatch.chdir(tmp_path)
    for name in ("NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def invoke(*args, env=None, input=None):
    return CliRunner().invoke(main, list(args), catch_exceptions=False, env=env, input=input)


def _stdout(result):
    """Standard output of a CliRunner result (older click mixes standard error into it)."""
    return "\n".join(line for line in result.output.splitlines() if not line.startswith("imslint: "))


def run_cli(args, cwd, env_extra=None, **kw):
    """The installed command in a child process (real standard streams)."""
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env["PYTHONPATH"] = os.path.join(HERE, "plugins") + os.pathsep + env.get("PYTHONPATH", "")
    env.update(env_extra or {})
    if "stdout" not in kw:
        kw.setdefault("capture_output", True)
    return subprocess.run(
        [sys.executable, "-m", "imslint.cli", *args], cwd=str(cwd), env=env, timeout=120, check=False, **kw
    )


# --------------------------------------------------------------------------- colour


@pytest.mark.parametrize(
    "args, env, coloured",
    [
        ((), {}, False),  # not a terminal
        ((), {"FORCE_COLOR": "1"}, True),
        ((), {"FORCE_COLOR": "0"}, True),  # force-color.org: any non-empty value
        ((), {"FORCE_COLOR": ""}, False),
        ((), {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),  # NO_COLOR wins over FORCE_COLOR
        (("--color=always",), {}, True),
        (("--color=always",), {"NO_COLOR": "1"}, True),  # the command line wins over the environment (ruff)
        (("--color=never",), {"FORCE_COLOR": "1"}, False),
        (("--no-color",), {"FORCE_COLOR": "1"}, False),
        (("--color=auto",), {"FORCE_COLOR": "1"}, True),
    ],
)
def test_color_choice(project, args, env, coloured):
    write(project, "a.toy", "password=hunter2\n")
    r = invoke("check", *args, env=env)
    assert r.exit_code == EXIT_FINDINGS, r.output
    assert (ESC in r.output) is coloured
    assert "hunter2" not in r.output


def test_color_never_in_a_report_file_or_json(project):
    write(project, "a.toy", "password=hunter2\n")
    r = invoke("check", "--color=always", "--format", "json")
    assert ESC not in r.output
    json.loads(r.output)
    invoke("check", "--color=always", "-o", "report.txt")
    assert ESC not in (project / "report.txt").read_text()


def test_no_color_and_color_always_contradict(project):
    write(project, "a.toy", "password=hunter2\n")
    r = invoke("check", "--no-color", "--color=always")
    assert r.exit_code == EXIT_ERROR
    assert "--no-color and --color=always" in r.output


@pytest.mark.skipif(sys.platform == "win32", reason="pty")
@pytest.mark.parametrize("env, coloured", [({}, True), ({"NO_COLOR": "1"}, False), ({"NO_COLOR": ""}, True)])
def test_auto_colours_a_terminal_unless_no_color(project, env, coloured):
    import pty

    write(project, "a.toy", "password=hunter2\n")
    master, slave = pty.openpty()
    try:
        proc = run_cli(["check"], project, env, stdout=slave, stderr=subprocess.PIPE)
        os.close(slave)
        slave = None
        out = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
    finally:
        if slave is not None:
            os.close(slave)
        os.close(master)
    assert proc.returncode == EXIT_FINDINGS, proc.stderr
    assert (ESC.encode() in out) is coloured, out
    assert b"hunter2" not in out


# --------------------------------------------------------------------------- a broken pyproject.toml


@pytest.fixture
def bare(tmp_path, monkeypatch):
    """A folder without any configuration (and none above it that imslint would find)."""
    monkeypatch.chdir(tmp_path)
    for name in ("NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_broken_pyproject_with_our_table_is_an_error(bare):
    write(bare, "pyproject.toml", '[tool.imslint]\nfail-on = "error\n')  # unterminated string
    write(bare, "sub/a.js", "var x = 1;\n")
    r = invoke("check", "sub")
    assert r.exit_code == EXIT_ERROR, r.output
    assert f"{bare / 'pyproject.toml'}: invalid TOML" in r.output
    assert "imslint settings" in r.output
    assert "Traceback" not in r.output
    r = invoke("rules")  # every command that looks for the configuration says so
    assert r.exit_code == EXIT_ERROR and "invalid TOML" in r.output


def test_broken_pyproject_with_our_table_as_dotted_keys_or_under_tool(bare):
    write(bare, "pyproject.toml", '[tool]\nimslint = { fail-on = "error" \n')
    r = invoke("check", ".")
    assert r.exit_code == EXIT_ERROR and "pyproject.toml: invalid TOML" in r.output


def test_broken_pyproject_without_our_table_is_not_ours(bare):
    write(bare, "pyproject.toml", '[project]\nname = "x\n[tool.ruff]\nline-length = 1\n')
    write(bare, "a.js", "var x = 1;\n")
    r = invoke("check", "a.js")
    assert r.exit_code == EXIT_OK, r.output
    assert "invalid TOML" not in r.output


def test_broken_pyproject_below_a_config_is_not_reached(bare):
    # .imslint.toml in the same folder is found first: the broken pyproject beside it is not read.
    write(bare, ".imslint.toml", 'fail-on = "error"\n')
    write(bare, "pyproject.toml", "[tool.imslint\n")
    write(bare, "a.js", "var x = 1;\n")
    assert invoke("check", "a.js").exit_code == EXIT_OK


def test_pyproject_not_utf8_with_our_table(bare):
    (bare / "pyproject.toml").write_bytes(b'[tool.imslint]\nfail-on = "\xff"\n')
    r = invoke("check", ".")
    assert r.exit_code == EXIT_ERROR and "not UTF-8" in r.output


# --------------------------------------------------------------------------- who is blamed for a selector


def test_select_typo_is_blamed_on_the_command_line(project):
    write(project, "a.toy", "x\n")
    r = invoke("check", "--select", "TOY001,TOYY01")
    assert r.exit_code == EXIT_ERROR
    assert "imslint: error: --select: unknown rule selector 'TOYY01'" in r.output
    assert ".imslint.toml" not in r.output  # the file has a select, but not this one


@pytest.mark.parametrize("option", ["--extend-select", "--ignore"])
def test_extend_select_and_ignore_typos_are_blamed_on_their_option(project, option):
    write(project, "a.toy", "x\n")
    r = invoke("check", option, "NOPE42")
    assert r.exit_code == EXIT_ERROR
    assert f"imslint: error: {option}: unknown rule selector 'NOPE42'" in r.output


def test_select_typo_in_the_file_is_still_blamed_on_the_file(project):
    write(project, ".imslint.toml", 'plugins = ["toy_plugin"]\nextend-select = ["NOPE42"]\n')
    write(project, "a.toy", "x\n")
    r = invoke("check", "--select", "TOY001")
    assert r.exit_code == EXIT_ERROR
    assert ".imslint.toml: unknown rule selector 'NOPE42' in 'extend-select'" in r.output


# --------------------------------------------------------------------------- rules --format json


RULE_KEYS = {
    "id",
    "name",
    "severity",
    "security_severity",
    "summary",
    "description",
    "help",
    "help_uri",
    "plugin",
    "subject",
    "languages",
    "tags",
    "options",
    "options_table",
}


def test_rules_json_is_complete(bare):
    r = invoke("rules", "--format", "json")
    assert r.exit_code == EXIT_OK, r.output
    doc = json.loads(r.output)
    assert len(doc) > 10
    for rule in doc:
        assert set(rule) == RULE_KEYS, rule["id"]
        assert rule["help_uri"].startswith("https://") and rule["description"] and rule["summary"]
    ims101 = next(rule for rule in doc if rule["id"] == "IMS101")
    assert ims101["security_severity"] == "9.0" and ims101["severity"] == "error"
    assert ims101["options"] == {"extra-placeholders": [], "include-docs": True}
    assert ims101["options_table"] == "tool.imslint.rules.hardcoded-credentials"
    assert "Fails:" in ims101["help"]


@pytest.mark.parametrize("name", ["IMS101", "ims101", "hardcoded-credentials"])
def test_rules_json_for_one_rule_is_one_object(bare, name):
    r = invoke("rules", name, "--format", "json")
    assert r.exit_code == EXIT_OK, r.output
    doc = json.loads(r.output)
    assert isinstance(doc, dict) and doc["id"] == "IMS101" and set(doc) == RULE_KEYS


def test_rules_json_for_a_prefix_is_a_list(bare):
    doc = json.loads(invoke("rules", "IMS10", "--format", "json").output)
    assert isinstance(doc, list) and len(doc) >= 2 and all(d["id"].startswith("IMS10") for d in doc)


def test_rules_json_of_a_plugin_rule_with_defaults(project):
    doc = json.loads(invoke("rules", "TOY003", "--format", "json").output)
    assert doc["options"] == {"max": 100, "word": "legacy"} and doc["plugin"] == "toy_plugin"
    assert doc["security_severity"] is None
    assert json.loads(invoke("rules", "TOY001", "-f", "json").output)["security_severity"] == "8.0"


# --------------------------------------------------------------------------- shell completion


def _installed_command():
    path = os.path.join(os.path.dirname(sys.executable), "imslint")
    if not os.path.exists(path):
        pytest.skip("the imslint console script is not installed next to this interpreter")
    return path


@pytest.mark.parametrize(
    "shell, marker", [("bash", "_imslint_completion()"), ("zsh", "#compdef imslint"), ("fish", "complete")]
)
def test_completion_script_is_produced(bare, shell, marker):
    env = dict(os.environ, _IMSLINT_COMPLETE=f"{shell}_source")
    proc = subprocess.run([_installed_command()], env=env, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert marker in proc.stdout and "_IMSLINT_COMPLETE" in proc.stdout


def test_completion_completes_commands_and_option_values(bare):
    def complete(words, cword):
        env = dict(os.environ, _IMSLINT_COMPLETE="bash_complete", COMP_WORDS=words, COMP_CWORD=str(cword))
        proc = subprocess.run([_installed_command()], env=env, capture_output=True, text=True, timeout=120, check=False)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.split()

    assert "plain,check" in complete("imslint ch", 1)
    assert "plain,operators" in complete("imslint op", 1)  # a plugin's command
    assert complete("imslint check --color ", 3) == ["plain,auto", "plain,always", "plain,never"]


# --------------------------------------------------------------------------- --show-settings


def test_show_settings_names_the_file_each_value_and_the_rules(project):
    write(
        project,
        ".imslint.toml",
        'plugins = ["toy_plugin"]\nselect = ["TOY"]\nignore = ["TOY002", "TOY004"]\n'
        'exclude = ["*.py", "*.toml"]\n[rules.toy-word]\nword = "old"\n',
    )
    write(project, "a.toy", "password=hunter2\n")
    r = invoke("check", "--show-settings", "--fail-on", "error")
    assert r.exit_code == EXIT_OK, r.output
    out = r.output
    config = str(project / ".imslint.toml")
    assert f"Configuration file: {config}" in out
    assert f'select            = ["TOY"]  # {config}' in out
    assert 'fail-on           = "error"  # --fail-on' in out
    assert "respect-gitignore = true  # default" in out
    assert "Rules selected (2 of " in out
    assert "TOY001  toy-secret  error" in out and 'TOY003  toy-word    note     (toy_plugin)  word = "old"' in out
    assert "TOY002" not in out.split("Rules selected")[1]
    assert "hunter2" not in out and "Found" not in out  # nothing was scanned


def test_show_settings_json_and_without_a_configuration(bare):
    r = invoke("check", "--show-settings", "--format", "json", "--select", "IMS101")
    assert r.exit_code == EXIT_OK, r.output
    doc = json.loads(r.output)["settings"]
    assert doc["config_file"] is None
    assert doc["settings"]["select"] == {"value": ["IMS101"], "from": "--select"}
    assert doc["settings"]["exclude"]["from"] == "default" and "node_modules" in doc["settings"]["exclude"]["value"]
    assert [rule["id"] for rule in doc["rules_selected"]] == ["IMS101"]
    assert "Configuration file: none" in invoke("check", "--show-settings").output


def test_show_settings_reports_a_selection_error(project):
    r = invoke("check", "--show-settings", "--select", "TOY9")
    assert r.exit_code == EXIT_ERROR and "--select: unknown rule selector 'TOY9'" in r.output


# --------------------------------------------------------------------------- --show-files


@pytest.fixture
def tree(project):
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    write(project, ".gitignore", "out/\n*.log\n")
    write(project, "src/a.toy", "password=hunter2\n")
    write(project, "src/b.js", "var x = 1;\n")
    write(project, "out/c.toy", "x\n")
    write(project, "debug.log", "x\n")
    write(project, "node_modules/m/d.js", "x\n")
    (project / "img.bin").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (project / "big.toy").write_bytes(b"x" * 2000)
    write(project, "vendor/v.toy", "x\n")
    return project


def test_show_files_lists_what_is_scanned_and_why_the_rest_is_skipped(tree):
    r = invoke("check", "--show-files", "--max-file-size", "1000", "--exclude", "vendor")
    assert r.exit_code == EXIT_OK, r.output
    lines = r.output.splitlines()
    assert "src/a.toy: scan (toy)" in lines
    assert "src/b.js: scan (source)" in lines
    assert "toy_plugin.py: skip: excluded (exclude settings)" in lines
    assert "vendor: skip: excluded (exclude settings)" in lines  # --exclude
    assert "node_modules: skip: excluded (exclude settings)" not in lines  # the file's exclude replaces the defaults
    assert any(line.startswith("out/c.toy: skip: ignored by git") for line in lines)
    assert any(line.startswith("debug.log: skip: ignored by git") for line in lines)
    assert "img.bin: skip: binary or unsupported file" in lines
    assert "big.toy: skip: larger than the size limit (2000 > 1000 bytes)" in lines
    assert lines[-1].endswith("that cannot be read.")
    assert "hunter2" not in r.output


def test_show_files_json_names_missing_paths(tree):
    r = invoke("check", "--show-files", "-f", "json", "src", "nope")
    assert r.exit_code == EXIT_OK, r.output
    doc = json.loads(r.output)["files"]
    by_path = {e["path"]: e for e in doc["files"]}
    assert by_path["src/a.toy"] == {"path": "src/a.toy", "status": "scan", "reader": "toy"}
    assert by_path["nope"]["status"] == "error" and by_path["nope"]["reason"] == "no such file or directory"
    assert doc["counts"] == {"scan": 2, "skip": 0, "error": 1}


def test_show_files_knows_its_own_reports(tree):
    write(tree, "src/a.toy", "password=hunter2\n")
    invoke("check", "src", "-f", "json", "-o", "report.json")
    r = invoke("check", "--show-files", ".")
    assert "report.json: skip: imslint's own output (JSON report or baseline)" in r.output.splitlines()


@pytest.mark.skipif(sys.platform != "linux", reason="file names as bytes")
def test_show_files_escapes_hostile_names(tree):
    os.makedirs(b"hostile", exist_ok=True)
    for name in (b"hostile/evil\x1b[31m.toy", b"hostile/line\nbreak.toy", b"hostile/bad\xff.toy"):
        with open(name, "wb") as fh:
            fh.write(b"x\n")
    r = invoke("check", "--show-files", "hostile")
    assert r.exit_code == EXIT_OK
    assert "\x1b" not in r.output
    assert "hostile/evil\\x1b[31m.toy: scan (toy)" in r.output
    assert "hostile/line\\nbreak.toy: scan (toy)" in r.output
    assert "hostile/bad\\xff.toy: scan (toy)" in r.output
    doc = json.loads(invoke("check", "--show-files", "-f", "json", "hostile").output)
    assert len(doc["files"]["files"]) == 3


# --------------------------------------------------------------------------- check - (standard input)


def test_stdin_is_linted_under_its_name(project):
    r = invoke("check", "-", "--stdin-filename", "src/new.toy", input=b"x\npassword=hunter2\n")
    assert r.exit_code == EXIT_FINDINGS, r.output
    assert r.output.startswith("src/new.toy:2:1: error TOY001 password <redacted:")
    assert "hunter2" not in r.output
    assert not (project / "src").exists()  # nothing written beside the real file
    doc = json.loads(
        invoke("check", "-", "--stdin-filename", "src/new.toy", "-f", "json", input=b"password=hunter2\n").output
    )
    assert doc["findings"][0]["location"]["path"] == "src/new.toy"
    assert "imslint-stdin-" not in json.dumps(doc)


def test_stdin_filename_alone_reads_stdin_and_dash_alone_is_named_dash(project):
    r = invoke("check", "--stdin-filename", "a.toy", input=b"password=hunter2\n")
    assert r.exit_code == EXIT_FINDINGS and r.output.startswith("a.toy:1:1:")
    r = invoke("check", "-", "--select", "TOY001", input=b"password=hunter2\n")
    assert r.exit_code == EXIT_FINDINGS and r.output.startswith("-:1:1:")


def test_stdin_name_chooses_the_reader(project):
    data = b"password=one\nTRUNCATED\n"
    r = invoke("check", "-", "--stdin-filename", "a.toy", input=data)
    assert r.exit_code == EXIT_ERROR and "a.toy:2: error toy: unexpected end of toy file" in r.output
    r = invoke("check", "-", "--stdin-filename", "a.txt", input=data)  # the source reader: no such error
    assert "unexpected end of toy file" not in r.output and r.output.startswith("a.txt:1:1: error TOY001")
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR password=x"
    r = invoke("check", "-", "--stdin-filename", "logo.png", "-v", input=png)
    assert r.exit_code == EXIT_OK and "logo.png: skipped: binary or unsupported file" in r.output
    r = invoke("check", "-", "--stdin-filename", "logo.txt", input=png)  # named as text: read as text
    assert r.output.startswith("logo.txt:4:6: error TOY001")  # \r ends a line too


def test_stdin_name_is_excluded_and_per_file_ignored(project):
    write(
        project,
        ".imslint.toml",
        'plugins = ["toy_plugin"]\nselect = ["TOY"]\nexclude = ["*.py", "vendor"]\n'
        '[per-file-ignores]\n"tests/*.toy" = ["TOY001"]\n',
    )
    data = b"password=hunter2\n"
    r = invoke("check", "-", "--stdin-filename", "vendor/lib/a.toy", "-v", input=data)
    assert r.exit_code == EXIT_OK, r.output
    assert "vendor/lib/a.toy: skipped: excluded" in r.output and "TOY001" not in r.output
    assert invoke("check", "-", "--stdin-filename", "tests/a.toy", input=data).exit_code == EXIT_OK
    assert invoke("check", "-", "--stdin-filename", "src/a.toy", input=data).exit_code == EXIT_FINDINGS


def test_stdin_uses_the_configuration_above_its_name(project):
    write(project, "sub/.imslint.toml", 'plugins = ["toy_plugin"]\nselect = ["TOY003"]\n')
    data = b"password=hunter2\nlegacy\n"
    r = invoke("check", "-", "--stdin-filename", "sub/a.toy", "--fail-on", "note", input=data)
    assert r.exit_code == EXIT_FINDINGS
    assert "TOY003" in r.output and "TOY001" not in r.output


def test_stdin_finding_matches_the_baseline_of_the_real_file(project):
    write(project, "src/a.toy", "x\npassword=hunter2\n")
    assert invoke("check", "src", "--write-baseline", "base.json").exit_code == EXIT_OK
    data = b"inserted line\nx\npassword=hunter2\n"
    r = invoke("check", "-", "--stdin-filename", "src/a.toy", "--baseline", "base.json", input=data)
    assert r.exit_code == EXIT_OK, r.output
    assert "1 in the baseline" in r.output


def test_stdin_mistakes(project):
    r = invoke("check", "-", "a.toy", input=b"")
    assert r.exit_code == EXIT_ERROR and "cannot be checked together" in r.output
    r = invoke("check", "a.toy", "--stdin-filename", "b.toy")
    assert r.exit_code == EXIT_ERROR and "give '-' as the only path" in r.output


def test_stdin_hostile_name_is_escaped(project):
    r = invoke("check", "-", "--stdin-filename", "evil\x1b[31m\n.toy", input=b"password=hunter2\n")
    assert r.exit_code == EXIT_FINDINGS
    assert "\x1b" not in r.output and r.output.startswith("evil\\x1b[31m\\n.toy:1:1:")


def test_stdin_through_a_real_pipe(project):
    proc = run_cli(["check", "-", "--stdin-filename", "piped.toy"], project, input=b"password=hunter2\n")
    assert proc.returncode == EXIT_FINDINGS, proc.stderr
    assert proc.stdout.startswith(b"piped.toy:1:1: error TOY001") and b"hunter2" not in proc.stdout


# --------------------------------------------------------------------------- --show-source


def test_show_source_prints_the_line_redacted(project):
    write(project, "src/a.toy", "x\n  password=hunter2 # set by ops\n")
    r = invoke("check", "src", "--show-source")
    assert r.exit_code == EXIT_FINDINGS, r.output
    lines = r.output.splitlines()
    assert lines[0].startswith("src/a.toy:2:3: error TOY001")
    assert lines[1].startswith("     2 |   password=<redacted:") and lines[1].endswith("> # set by ops")
    assert "hunter2" not in r.output
    assert "     2 |" not in invoke("check", "src").output  # only when asked


def test_show_source_hides_secrets_the_run_left_out(project):
    # TOY001 (the rule that knows the password) is not selected and the file is per-file ignored for it:
    # the line flagged by another rule still never shows the password.
    write(
        project,
        ".imslint.toml",
        'plugins = ["toy_plugin"]\nselect = ["TOY003"]\nexclude = ["*.py", "*.toml"]\n'
        '[per-file-ignores]\n"src/*" = ["TOY001"]\n',
    )
    write(project, "src/a.toy", "legacy password=hunter2\n")
    r = invoke("check", "src", "--show-source", "--fail-on", "note")
    assert r.exit_code == EXIT_FINDINGS, r.output
    assert "TOY003" in r.output and "     1 | legacy password=<redacted:" in r.output
    assert "hunter2" not in r.output


def test_show_source_with_stdin(project):
    r = invoke("check", "-", "--stdin-filename", "s.toy", "--show-source", input=b"password=hunter2\n")
    assert "     1 | password=<redacted:" in r.output and "hunter2" not in r.output


def test_show_source_escapes_control_characters(project):
    write(project, "a.toy", "legacy \x1b[2J\x1b[31mforged:1:1: error\r\n")
    r = invoke("check", "a.toy", "--show-source", "--fail-on", "note")
    assert "\x1b" not in r.output and "\\x1b[2J" in r.output


def test_show_source_does_not_show_a_secret_it_cannot_locate(project):
    # A rule whose secret is not written as is in the line (escaped, encoded): the line is not shown at all.
    write(
        project,
        "reversed_plugin.py",
        '''
from imslint import Problem, Rule, Severity, hookimpl


class Reversed(Rule):
    """A password written backwards."""

    id = "REV001"
    name = "reversed-secret"
    severity = Severity.ERROR

    def check(self, subject, options):
        i = subject.text.find("drowssap:")
        if i >= 0:
            yield Problem(subject.location(i, i + 9), "a backwards password", secret=subject.text[i + 9:].split()[0][::-1])


@hookimpl
def imslint_register_rules():
    return [Reversed]
''',
    )
    write(
        project,
        ".imslint.toml",
        'plugins = ["toy_plugin", "reversed_plugin"]\nselect = ["REV", "TOY003"]\nexclude = ["*.py", "*.toml"]\n',
    )
    write(project, "a.toy", "legacy drowssap:2retnuh\nlegacy\n")
    r = invoke("check", "a.toy", "--show-source", "--fail-on", "note")
    assert r.exit_code == EXIT_FINDINGS, r.output
    assert "2retnuh" not in r.output and "hunter2" not in r.output
    findings = [line for line in r.output.splitlines() if line.startswith("a.toy:")]
    assert len(findings) >= 2
    assert r.output.count("(source line not shown)") == len(
        findings
    )  # none of that file: the secret may be on any line


def test_show_source_on_the_credential_fixtures_never_prints_a_secret(tmp_path, monkeypatch):
    """Every secret any rule reports in the fixtures (recorded as the engine hashes it) is absent from the output."""
    from conftest import ROOT

    import imslint.model

    shutil.copytree(os.path.join(ROOT, "fixtures", "repo"), tmp_path / "repo")
    monkeypatch.chdir(tmp_path)
    seen = set()
    original = imslint.model.secret_hash

    def recording(secret):
        seen.add(secret)
        return original(secret)

    for name, module in list(sys.modules.items()):
        # The engine's calls (the secrets rules report), not --show-source's own search for them.
        if (
            name.startswith("imslint")
            and name != "imslint.source_lines"
            and getattr(module, "secret_hash", None) is original
        ):
            monkeypatch.setattr(module, "secret_hash", recording)
    r = invoke("check", "repo", "--show-source", "--no-config", "-j", "1")
    assert r.exit_code == EXIT_FINDINGS, r.output
    shown = [line for line in r.output.splitlines() if " | " in line[:10]]
    assert len(shown) >= 8 and sum("<redacted:" in line for line in shown) >= 8
    secrets = {s for s in seen if len(s) >= 4}
    assert secrets  # the run found secrets
    for secret in secrets:
        assert secret not in r.output, f"a secret of {len(secret)} characters is printed"


def test_a_show_source_report_left_in_the_tree_is_not_scanned_again(project):
    write(project, "src/a.toy", "legacy code\n")  # (the toy rule would take a redaction token for a password)
    invoke("check", "src", "--show-source", "-o", "report.txt")
    assert "     1 | legacy code\n" in (project / "report.txt").read_text()
    r = invoke("check", ".", "-v")
    assert "report.txt: skipped: imslint's own output (text report)" in r.output


# --------------------------------------------------------------------------- stale baseline entries, unknown rules in directives


def test_stale_baseline_entries_are_reported_without_changing_the_exit_code(project):
    write(project, "src/a.toy", "password=one\n")
    write(project, "src/b.toy", "password=two\n")
    assert invoke("check", "src", "--write-baseline", "base.json").exit_code == EXIT_OK
    write(project, "src/b.toy", "nothing any more\n")  # fixed
    r = invoke("check", "src", "--baseline", "base.json")
    assert r.exit_code == EXIT_OK, r.output  # a stale entry is a warning, never a failure
    assert "imslint: warning: src/b.toy: baseline entry TOY001 (password <redacted:" in r.output
    assert "matches no finding any more" in r.output and "src/a.toy: baseline entry" not in r.output
    assert "two" not in r.output
    doc = json.loads(_stdout(invoke("check", "src", "--baseline", "base.json", "-f", "json")))
    [w] = doc["warnings"]
    assert w["kind"] == "stale-baseline-entry" and w["path"] == "src/b.toy" and w["rule_id"] == "TOY001"


def test_stale_entries_only_for_files_the_run_scanned_or_that_are_gone(project):
    write(project, "src/a.toy", "password=one\n")
    write(project, "src/b.toy", "password=two\n")
    invoke("check", "src", "--write-baseline", "base.json")
    r = invoke("check", "src/a.toy", "--baseline", "base.json")  # pre-commit on one file: b is not stale
    assert r.exit_code == EXIT_OK and "warning" not in r.output
    os.remove(project / "src" / "b.toy")
    r = invoke("check", "src", "--baseline", "base.json")
    assert "imslint: warning: src/b.toy: baseline entry TOY001" in r.output


def test_a_repeated_finding_absorbs_only_its_count(project):
    write(project, "a.toy", "password=one\npassword=one\n")
    invoke("check", "a.toy", "--write-baseline", "base.json")
    write(project, "a.toy", "password=one\n")
    r = invoke("check", "a.toy", "--baseline", "base.json")
    assert r.exit_code == EXIT_OK and r.output.count("matches no finding any more") == 1


def test_unknown_rule_in_a_disable_comment_is_reported(project):
    write(
        project,
        "src/a.toy",
        "legacy # imslint: disable=TOY003, toy-wrod\nlegacy\n# imslint: disable-next-line=NOPE123\nx\n",
    )
    r = invoke("check", "src", "--fail-on", "error")
    assert r.exit_code == EXIT_OK, r.output  # a warning: the exit code is the findings' alone
    assert "imslint: warning: src/a.toy:1: unknown rule 'toy-wrod' in an imslint: disable comment" in r.output
    assert "imslint: warning: src/a.toy:3: unknown rule 'NOPE123'" in r.output
    assert "'TOY003'" not in r.output  # known rules are fine
    doc = json.loads(_stdout(invoke("check", "src", "-f", "json", "--fail-on", "error")))
    assert [(w["path"], w["line"], w["selector"]) for w in doc["warnings"]] == [
        ("src/a.toy", 1, "toy-wrod"),
        ("src/a.toy", 3, "NOPE123"),
    ]


def test_unknown_rule_in_a_disable_comment_on_stdin_and_hostile_names(project):
    r = invoke("check", "-", "--stdin-filename", "e\x1bvil.toy", input=b"x # imslint: disable=ZZZ999\n")
    assert "imslint: warning: e\\x1bvil.toy:1: unknown rule 'ZZZ999'" in r.output and "\x1b" not in r.output


def test_no_warnings_key_when_there_is_nothing_to_say(project):
    write(project, "a.toy", "x\n")
    assert "warnings" not in json.loads(invoke("check", "-f", "json").output)


def test_show_files_with_stdin_tells_what_the_name_decides(project):
    write(project, ".imslint.toml", 'plugins = ["toy_plugin"]\nselect = ["TOY"]\nexclude = ["vendor"]\n')
    r = invoke("check", "-", "--stdin-filename", "src/a.toy", "--show-files", input=b"password=hunter2\n")
    assert r.exit_code == EXIT_OK and r.output.splitlines()[0] == "src/a.toy: scan (toy)"
    r = invoke("check", "-", "--stdin-filename", "vendor/a.toy", "--show-files", input=b"x\n")
    assert r.output.splitlines()[0] == "vendor/a.toy: skip: excluded (exclude settings, --stdin-filename)"
    r = invoke("check", "-", "--stdin-filename", "a.png", "--show-files", input=b"\x89PNG\r\n\x1a\n\x00\x00")
    assert r.output.splitlines()[0] == "a.png: skip: binary or unsupported file"


def test_unknown_rules_are_not_looked_for_in_files_over_the_size_limit(bare):
    # A streamed export (read whatever its size) is not read a second time for this past max-file-size.
    from conftest import ROOT

    with open(os.path.join(ROOT, "fixtures", "operators", "package-export.xml"), encoding="utf-8") as fh:
        text = fh.read()
    write(bare, "export.xml", text.replace("?>", "?>\n<!-- imslint: disable=NOPE001 -->", 1))
    r = invoke("check", "export.xml", "--fail-on", "never")
    assert "export.xml:2: unknown rule 'NOPE001'" in r.output
    r = invoke("check", "export.xml", "--fail-on", "never", "--max-file-size", "1000")
    assert "in 1 file scanned." in r.output and "IMS006" in r.output  # the export is still read (streamed)
    assert "NOPE001" not in r.output
