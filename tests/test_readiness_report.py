"""The readiness report (HTML for a manager, Markdown for a CI job summary): content, escaping, trend, browser."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess

import pytest
from click.testing import CliRunner
from conftest import write

from imslint.cli import EXIT_FINDINGS, main

HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(2)>|**bold**[link](http://evil.example)\u202e'

_EVIL = HOSTILE.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
EXPORT = f"""<?xml version='1.0'?>
<package><entities schema="xtk:operator">
<operator name="asmith" label="Alice Smith" email="alice.smith@acme.com"><access authenticationType="native"/>
</operator>
<operator name="evil" label="{_EVIL}" email="evil@acme.com"/>
<operator name="jdoe" label="John Doe"><access authenticationType="native"/></operator>
<operator name="bob@acme.com" label="Bob" email="bob@acme.com"><access authenticationType="ims"/></operator>
<operator name="crm_sync" label="CRM sync"><access authenticationType="native"/></operator>
<operator name="api_batch" label="Batch"><access authenticationType="native" noConsoleCnx="true"/></operator>
<operator name="gone" label="Gone" disable="1"><access authenticationType="native"/></operator>
<operator name="delivery" label="Delivery operators" type="1"/>
</entities></package>
"""
CODE = (
    'var svc = new SoapService(cnx, "urn:xtk:session");\nvar r = svc.Logon("", "crm_sync", "Secr3t!Pa55", <params/>);\n'
)


def run(*args):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def scanned(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "exports/ops.xml", EXPORT)
    write(tmp_path, "src/sync.js", CODE)
    r = run(
        "operators",
        "--no-config",
        "exports",
        "--code",
        "src",
        "--report",
        "r.html",
        "--report",
        "r.md",
        "-f",
        "json",
        "-o",
        "scan1.json",
    )
    assert r.exit_code == EXIT_FINDINGS, r.output
    return tmp_path


def test_the_html_report_is_self_contained_and_escapes_everything(scanned):
    page = (scanned / "r.html").read_text(encoding="utf-8")
    assert (
        "<script>alert" not in page
        and "<img" not in page
        and "onerror=alert" not in page.replace("onerror=alert(2)&gt;", "")
    )
    assert page.count("<script>") == 1  # its own, allowed by hash
    assert "\u202e" not in page and "\\u202e" in page  # a bidi override shown, not obeyed
    assert "Secr3t" not in page
    # Nothing to fetch: no src/href attributes, no url(), no @import; the CSP forbids everything else.
    assert not re.search(r"\b(?:src|href|action|srcset)\s*=|url\(|@import", page.replace("img src=x", ""))
    assert "default-src 'none'" in page
    for kind, body in (
        ("style", re.search(r"<style>(.*?)</style>", page, re.S).group(1)),
        ("script", re.search(r"<script>(.*?)</script>", page, re.S).group(1)),
    ):
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"{kind}-src 'sha256-{digest}'" in page


def test_the_html_report_says_what_a_manager_needs(scanned):
    page = (scanned / "r.html").read_text(encoding="utf-8")
    assert 'id="verdict">NOT READY<' in page
    # people: asmith, evil, jdoe blocking; bob on IMS; gone disabled -> 2 of 5 ready (40.0 %)
    assert "<b>40.0 %</b>ready: 2 of 5" in page
    assert "technical" in page and "<b>0.0 %</b>ready: 0 of 2" in page
    assert "campaign - &lt;instance&gt; - delivery" in page
    tech = page[page.index('id="t-technical"') :].split("</table>")[0]
    assert "src/sync.js:2" in tech and tech.index("crm_sync") < tech.index("api_batch")  # code users first
    assert 'id="t-disabled"' in page and ">gone<" in page


def test_top_n_rows_per_table_and_counts_for_all(scanned):
    r = run("operators", "--no-config", "exports", "--report", "small.html", "--top", "1")
    assert r.exit_code == EXIT_FINDINGS
    page = (scanned / "small.html").read_text(encoding="utf-8")
    assert "Showing the first 1 of 4"  # without --code, crm_sync looks like a person in page
    people = page[page.index('id="t-people"') :].split("</table>")[0]
    assert people.count("<tr>") == 2  # the header row and one row


def test_trend_against_earlier_scans(scanned):
    fixed = EXPORT.replace(
        'name="asmith" label="Alice Smith" email="alice.smith@acme.com"><access authenticationType="native"/>',
        'name="asmith" label="Alice Smith" email="alice.smith@acme.com"><access authenticationType="ims"/>',
    )
    fixed = fixed.replace("</entities>", '<operator name="newbie" label="New" email="new@acme.com"/></entities>')
    write(scanned, "exports/ops.xml", fixed)
    r = run(
        "operators",
        "--no-config",
        "exports",
        "--compare",
        "scan1.json",
        "--compare",
        "scan1.json",
        "--report",
        "r2.html",
        "--report",
        "r2.md",
    )
    assert r.exit_code == EXIT_FINDINGS, r.output
    page = (scanned / "r2.html").read_text(encoding="utf-8")
    assert "Fixed: <b>1</b> &middot; new: <b>1</b> &middot; still open: <b>4</b>" in page
    assert 'id="trend-new"><b>New since the previous scan</b>: newbie<' in page
    assert page.count("<circle") == 3  # two earlier scans and this one
    text = (scanned / "r2.md").read_text(encoding="utf-8")
    assert "fixed 1, new 1, still open 4" in text


def test_compare_refuses_a_file_without_a_readiness_block(scanned):
    write(scanned, "plain.json", json.dumps({"findings": []}))
    r = run("operators", "--no-config", "exports", "--compare", "plain.json")
    assert r.exit_code == 2 and "no readiness block" in r.output


def test_the_markdown_report_escapes_cells(scanned):
    text = (scanned / "r.md").read_text(encoding="utf-8")
    assert "**Verdict: NOT READY**" in text
    row = next(line for line in text.splitlines() if line.startswith("| evil |"))
    assert row.count(" | ") == 3  # the label's pipe cannot add a column
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "](http" not in text and "\\[link\\]" in text
    assert "Secr3t" not in text


def test_report_needs_an_html_or_md_name(scanned):
    r = run("operators", "--no-config", "exports", "--report", "r.pdf")
    assert r.exit_code == 2 and "name an .html or .md file" in r.output


# --------------------------------------------------------------------------- in a real browser


def _chromium(binary, tmp_path, *args):
    profile = tmp_path / "profile"
    cmd = [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def _with_test_scripts(page, head_js, tail_js):
    """``page`` with two test scripts (start of head, end of body) let in by adding their hashes to its CSP."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(js.encode()).digest()).decode() + "'" for js in (head_js, tail_js)
    )
    page = page.replace("script-src ", f"script-src {hashes} ", 1)
    csp_end = page.index(">", page.index("Content-Security-Policy")) + 1
    page = page[:csp_end] + f"<script>{head_js}</script>" + page[csp_end:]
    return page.replace("</body>", f"<script>{tail_js}</script></body>")


# Records every CSP violation and every resource the page fetched, into attributes of <html> that --dump-dom shows.
_WATCH = (
    'window.__v=[];document.addEventListener("securitypolicyviolation",function(e){window.__v.push(e.blockedURI)});'
)
_REPORT = (
    'setTimeout(function(){var r=performance.getEntriesByType("resource").map(function(e){return e.name});'
    'document.documentElement.setAttribute("data-resources",JSON.stringify(r));'
    'document.documentElement.setAttribute("data-violations",JSON.stringify(window.__v));},0);'
)


def _attr(dom, name):
    m = re.search(name + r'="([^"]*)"', dom)
    assert m, f"{name} not set: the test scripts did not run"
    return json.loads(m.group(1).replace("&quot;", '"'))


def test_the_report_in_headless_chromium(scanned, chromium, tmp_path):
    page = scanned / "r.html"
    dom = _chromium(chromium, tmp_path, "--dump-dom", page.as_uri()).stdout
    assert 'id="verdict">NOT READY<' in dom
    assert "ready: 2 of 5" in dom
    people = dom[dom.index('id="t-people"') :].split("</table>")[0]
    assert [login for login in ("asmith", "evil", "jdoe") if f"<td>{login}</td>" in people] == [
        "asmith",
        "evil",
        "jdoe",
    ]
    assert "<img" not in dom  # the hostile label stayed text in the live DOM
    # The page fetches nothing and breaks no rule of its CSP (its own style and script are allowed by hash).
    watched = tmp_path / "watched.html"
    watched.write_text(_with_test_scripts(page.read_text(encoding="utf-8"), _WATCH, _REPORT), encoding="utf-8")
    # --virtual-time-budget lets the timer run before the DOM is dumped; any name resolution would fail.
    args = ["--virtual-time-budget=3000", "--host-resolver-rules=MAP * ~NOTFOUND"]
    dom = _chromium(chromium, tmp_path, *args, "--dump-dom", watched.as_uri()).stdout
    assert _attr(dom, "data-resources") == [] and _attr(dom, "data-violations") == []
    # The same watch sees a page that does try to fetch: the test can fail.
    leaky = tmp_path / "leaky.html"
    leaky.write_text(
        watched.read_text(encoding="utf-8").replace("</main>", '<img src="https://example.invalid/p.png"></main>'),
        encoding="utf-8",
    )
    dom = _chromium(chromium, tmp_path, *args, "--dump-dom", leaky.as_uri()).stdout
    assert _attr(dom, "data-violations") == ["https://example.invalid/p.png"]


def test_sorting_works_in_headless_chromium(scanned, chromium, tmp_path):
    page = (scanned / "r.html").read_text(encoding="utf-8")
    # A test script clicks the Login header twice (descending); it is let in by adding its hash to the CSP.
    click = (
        'var th=document.querySelector("#t-people th");th.click();th.click();'
        'document.body.setAttribute("data-first",document.querySelector("#t-people tbody td").textContent);'
    )
    digest = base64.b64encode(hashlib.sha256(click.encode()).digest()).decode()
    page = page.replace("script-src ", f"script-src 'sha256-{digest}' ").replace(
        "</body>", f"<script>{click}</script></body>"
    )
    (tmp_path / "sorted.html").write_text(page, encoding="utf-8")
    dom = _chromium(chromium, tmp_path, "--dump-dom", (tmp_path / "sorted.html").as_uri()).stdout
    assert 'data-first="jdoe"' in dom
    # And a script the CSP does not list never runs.
    (tmp_path / "blocked.html").write_text(page.replace(f"'sha256-{digest}' ", ""), encoding="utf-8")
    dom = _chromium(chromium, tmp_path, "--dump-dom", (tmp_path / "blocked.html").as_uri()).stdout
    assert 'data-first="' not in dom and 'id="verdict"' in dom
