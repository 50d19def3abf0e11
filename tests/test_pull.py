"""`imslint pull` and `imslint operators --instance` against a fake Campaign instance on loopback.

The fake (tests/fake_campaign.py) is a real HTTP server: every test drives the real
command line through it. No test measures time: slow answers are checked by what
the command says and does, and Retry-After by the wait urllib3 is asked for.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import fake_campaign as fc
import pytest
from click.testing import CliRunner

from imslint.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, main

SECRETS = (fc.CLIENT_SECRET, fc.ACCESS_TOKEN)
CRED_ENV = {
    "IMSLINT_IMS_CLIENT_ID": fc.CLIENT_ID,
    "IMSLINT_IMS_CLIENT_SECRET": fc.CLIENT_SECRET,
    "IMSLINT_IMS_SCOPE": fc.SCOPE,
    "IMSLINT_IMS_TOKEN": None,
    # The fake is on loopback: no proxy of the machine running the tests may come between.
    "HTTP_PROXY": None,
    "HTTPS_PROXY": None,
    "http_proxy": None,
    "https_proxy": None,
    "ALL_PROXY": None,
    "all_proxy": None,
}


@pytest.fixture(scope="module")
def server():
    fake = fc.FakeCampaign(fc.make_operators(300)).start()
    yield fake
    fake.stop()


@pytest.fixture
def fake(server):
    server.reset()
    server.rows = fc.make_operators(300)
    yield server
    server.reset()


def runner() -> CliRunner:
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]  # click < 8.2
    except TypeError:
        return CliRunner()


def shown(result) -> str:
    """Standard output and error (click < 8.2 keeps them apart in ``output``)."""
    return result.stdout + (result.stderr or "")


def pull(fake, out, *extra, env=None, ims=True):
    args = ["pull", "--instance", fake.url, "--out", str(out), "--retry-backoff", "0"]
    if ims:
        args += ["--ims-url", fake.url]
    e = dict(CRED_ENV)
    e.update(env or {})
    return runner().invoke(main, args + list(extra), env=e)


def everything(result, *paths) -> str:
    """All a run showed or left behind: standard output and error, and the files."""
    text = result.stdout + (result.stderr or "")
    for p in paths:
        if os.path.isfile(p):
            with open(p, encoding="utf-8", errors="replace") as fh:
                text += fh.read()
    return text


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text
    assert "s3cr3t" not in text and "ACCESS-token" not in text


def soap_bodies(fake):
    return [body.decode("utf-8") for _m, path, _h, body in fake.requests if path == "/nl/jsp/soaprouter.jsp"]


# --------------------------------------------------------------------------- success


def test_pull_writes_every_row_with_a_header_and_bearer_auth(fake, tmp_path):
    out = tmp_path / "ops.xml"
    r = pull(fake, out, "--page-size", "70")
    assert r.exit_code == EXIT_OK, r.output
    assert "pulled 309 operator(s)" in r.stderr
    assert not os.path.exists(str(out) + ".partial")
    text = out.read_text(encoding="utf-8")
    assert f"instance: {fake.url}" in text and "counted: 309" in text and "pulled: 309" in text
    assert "status: complete" in text and 'operation="select" lineCount="70"' in text
    assert text.count("<operator ") == 309
    # Memberships came along, as the readers read them.
    member = next(r for r in fake.rows if r.groups)
    assert f'name="{member.groups[0]}"' in text
    assert text.count('<group _operation="none"') == sum(len(r.groups) for r in fake.rows) > 0
    # IMS only: a client-credentials token, then Bearer with an empty sessiontoken.
    token_calls = [(h, b) for _m, p, h, b in fake.requests if p == "/ims/token/v3"]
    assert len(token_calls) == 1
    assert b"grant_type=client_credentials" in token_calls[0][1]
    for _m, path, headers, body in fake.requests:
        if path == "/nl/jsp/soaprouter.jsp":
            assert headers["Authorization"] == f"Bearer {fc.ACCESS_TOKEN}"
            assert headers["SOAPAction"] == "xtk:queryDef#ExecuteQuery"
            assert b"<urn:sessiontoken/>" in body and b"Logon" not in body
    bodies = soap_bodies(fake)
    assert 'operation="count"' in bodies[0]
    selects = [b for b in bodies if 'schema="xtk:operator" operation="select"' in b]
    assert len(selects) == 6  # 309 rows in pages of 70, then an empty page
    assert all('lineCount="70"' in b for b in selects)
    assert "@id &gt; " not in selects[0] and all("@id &gt; " in b for b in selects[1:])
    members = [b for b in bodies if 'schema="xtk:operatorGroup"' in b]
    assert len(members) > 5 and any('startLine="70"' in b for b in members)  # a page with more links than lineCount
    assert_no_secret(everything(r, out))


def test_pull_goes_past_the_10000_row_cap_of_an_unpaged_select(tmp_path):
    fake = fc.FakeCampaign(fc.make_operators(10500)).start()
    try:
        # The fake behaves as Campaign: a select without lineCount stops at 10,000 rows.
        status, text = fake.answer_query(
            fc.envelope_for_test(
                '<queryDef schema="xtk:operator" operation="select"><select><node expr="@id"/></select></queryDef>'
            )
        )
        assert status == 200 and text.count("<operator ") == 10000
        out = tmp_path / "ops.xml"
        r = pull(fake, out, "--page-size", "4000", "--no-groups")
        assert r.exit_code == EXIT_OK, r.output
        text = out.read_text(encoding="utf-8")
        assert text.count("<operator ") == len(fake.rows) == 10509
        ids = [
            int(line.split('id="', 1)[1].split('"', 1)[0])
            for line in text.splitlines()
            if line.startswith("<operator ")
        ]
        assert ids == sorted(set(ids)) == fake.ids  # neither skipped nor duplicated
    finally:
        fake.stop()


def test_operators_instance_gives_the_findings_of_the_exported_file(fake, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    fake.rows = fc.make_operators(2000)  # enough for every operator rule to fire
    (tmp_path / "export.xml").write_text(fc.package_export(fake.rows), encoding="utf-8")
    e = dict(CRED_ENV)
    a = runner().invoke(main, ["operators", "--no-config", "export.xml", "-f", "json"], env=e)
    b = runner().invoke(
        main,
        [
            "operators",
            "--no-config",
            "--instance",
            fake.url,
            "--ims-url",
            fake.url,
            "--retry-backoff",
            "0",
            "--page-size",
            "50",
            "-f",
            "json",
        ],
        env=e,
    )
    assert a.exit_code == b.exit_code == EXIT_FINDINGS, b.output

    def findings(out):
        data = json.loads(out)
        return sorted((f["rule_id"], f["properties"]["login"], f["message"], f["severity"]) for f in data["findings"])

    fa, fb = findings(a.stdout), findings(b.stdout)
    assert fa == fb and len(fa) > 50
    assert {f[0] for f in fa} >= {"IMS001", "IMS002", "IMS003", "IMS004", "IMS005", "IMS006", "IMS007"}
    summary = lambda r: r.stderr[r.stderr.index("IMS migration readiness") :]  # noqa: E731
    assert summary(a) == summary(b)
    assert not list(tmp_path.glob("*.partial"))


def test_operators_instance_keeps_the_pulled_file_when_asked(fake, tmp_path):
    out = tmp_path / "kept.xml"
    r = runner().invoke(
        main,
        [
            "operators",
            "--no-config",
            "--instance",
            fake.url,
            "--ims-url",
            fake.url,
            "--pull-out",
            str(out),
            "--retry-backoff",
            "0",
        ],
        env=dict(CRED_ENV),
    )
    assert r.exit_code == EXIT_FINDINGS, r.output
    assert out.exists() and f"{out}:" in r.stdout  # findings point into the kept file
    assert "Not ready:" in r.stdout


def test_operators_needs_an_export_or_an_instance():
    r = runner().invoke(main, ["operators", "--no-config"])
    assert r.exit_code == 2 and "--instance" in shown(r)


def test_iso_8859_1_answers_are_read_and_written_as_utf8(fake, tmp_path):
    fake.behaviour.encoding = "iso-8859-1"
    fake.rows[-1].label = "Hélène Müller"
    out = tmp_path / "ops.xml"
    r = pull(fake, out)
    assert r.exit_code == EXIT_OK, r.output
    assert "Hélène Müller" in out.read_text(encoding="utf-8")
    r2 = runner().invoke(main, ["check", "--no-config", "--select", "IMS0", str(out), "-f", "json"])
    assert r2.exit_code in (EXIT_OK, EXIT_FINDINGS) and json.loads(r2.stdout)["errors"] == []


def test_pre_fetched_token_from_the_environment_or_a_file(fake, tmp_path):
    r = pull(
        fake,
        tmp_path / "a.xml",
        env={"IMSLINT_IMS_CLIENT_SECRET": None, "IMSLINT_IMS_TOKEN": fc.ACCESS_TOKEN},
        ims=False,
    )
    assert r.exit_code == EXIT_OK, r.output
    tok = tmp_path / "token.txt"
    tok.write_text(fc.ACCESS_TOKEN + "\n", encoding="utf-8")
    r = pull(fake, tmp_path / "b.xml", "--token-file", str(tok), env={"IMSLINT_IMS_CLIENT_SECRET": None}, ims=False)
    assert r.exit_code == EXIT_OK, r.output
    assert not [p for _m, p, _h, _b in fake.requests if p == "/ims/token/v3"]


def test_client_secret_from_a_file(fake, tmp_path):
    sec = tmp_path / "secret"
    sec.write_text(fc.CLIENT_SECRET, encoding="utf-8")
    r = pull(fake, tmp_path / "a.xml", "--client-secret-file", str(sec), env={"IMSLINT_IMS_CLIENT_SECRET": None})
    assert r.exit_code == EXIT_OK, r.output


def test_a_dropped_connection_is_asked_again(fake, tmp_path):
    fake.behaviour.drop_at = (2, 4)
    out = tmp_path / "ops.xml"
    r = pull(fake, out, "--page-size", "100")
    assert r.exit_code == EXIT_OK, r.output
    text = out.read_text(encoding="utf-8")
    assert text.count("<operator ") == 309 and "counted: 309" in text and "pulled: 309" in text


def test_429_is_retried_after_the_wait_the_server_asks(fake, tmp_path, monkeypatch):
    import urllib3.util.retry as retry_module

    waits = []
    monkeypatch.setattr(retry_module.time, "sleep", lambda s: waits.append(s))
    fake.behaviour.throttle = 2
    fake.behaviour.retry_after = "7"
    r = pull(fake, tmp_path / "ops.xml")
    assert r.exit_code == EXIT_OK, r.output
    assert waits.count(7.0) == 2  # Retry-After honoured, not the (zero) backoff


def test_503_is_retried_with_backoff(fake, tmp_path, monkeypatch):
    import urllib3.util.retry as retry_module

    waits = []
    monkeypatch.setattr(retry_module.time, "sleep", lambda s: waits.append(s))
    fake.behaviour.unavailable = 3
    r = pull(fake, tmp_path / "ops.xml", "--retry-backoff", "0.5")
    assert r.exit_code == EXIT_OK, r.output
    assert len([w for w in waits if w > 0]) >= 2 and waits == sorted(waits)  # growing waits


def test_slow_answers_within_the_read_timeout_are_waited_for(fake, tmp_path):
    fake.behaviour.slow = 0.3
    fake.behaviour.slow_at = 2
    r = pull(fake, tmp_path / "ops.xml", "--read-timeout", "30")
    assert r.exit_code == EXIT_OK, r.output


def test_the_proxy_of_the_environment_is_used(fake, tmp_path):
    # The instance is a loopback address where nothing listens; the proxy (the fake itself) answers for it.
    args = [
        "pull",
        "--instance",
        "http://127.0.0.9:9",
        "--out",
        str(tmp_path / "ops.xml"),
        "--retry-backoff",
        "0",
        "--retries",
        "0",
        "--token-file",
        os.devnull,
    ]
    tok = tmp_path / "t"
    tok.write_text(fc.ACCESS_TOKEN, encoding="utf-8")
    args[-1] = str(tok)
    e = dict(CRED_ENV, HTTP_PROXY=fake.url, http_proxy=fake.url, NO_PROXY="", no_proxy="")
    r = runner().invoke(main, args, env=e)
    assert r.exit_code == EXIT_OK, r.output
    assert fake.proxied > 0


# --------------------------------------------------------------------------- failures (exit 2, nothing under OUT)


def _fails(r, out, *words):
    assert r.exit_code == EXIT_ERROR, r.output
    assert not os.path.exists(out)
    assert "imslint: error: pull failed:" in r.stderr
    for w in words:
        assert w in r.stderr, r.stderr
    assert_no_secret(everything(r, out, str(out) + ".partial"))


def test_wrong_client_secret(fake, tmp_path):
    out = tmp_path / "ops.xml"
    r = pull(fake, out, env={"IMSLINT_IMS_CLIENT_SECRET": "wrong-" + fc.CLIENT_SECRET})
    _fails(r, out, "HTTP 401", "invalid_client", "client secret")
    assert not os.path.exists(str(out) + ".partial")


def test_no_credentials(fake, tmp_path):
    out = tmp_path / "ops.xml"
    r = pull(fake, out, env={"IMSLINT_IMS_CLIENT_SECRET": None})
    _fails(r, out, "no IMS access token", "IMSLINT_IMS_CLIENT_SECRET")


@pytest.mark.parametrize(
    "status, words", [(401, ("HTTP 401", "rejected the IMS access token")), (403, ("HTTP 403", "product profile"))]
)
def test_token_rejected_or_forbidden_by_the_instance(fake, tmp_path, status, words):
    fake.behaviour.soap_status = status
    out = tmp_path / "ops.xml"
    _fails(pull(fake, out), out, *words)


def test_soap_fault_shows_code_and_description_not_the_request(fake, tmp_path):
    fake.behaviour.fault_at = 3  # count, page 1, (memberships of page 1 skipped below) page 2
    out = tmp_path / "ops.xml"
    r = pull(fake, out, "--page-size", "100", "--no-groups")
    _fails(r, out, "SOAP fault SOAP-ENV:Server", "XSV-350008 Unable to evaluate expression", "marked partial")
    assert "<queryDef" not in r.stderr and "lineCount" not in r.stderr and "sessiontoken" not in r.stderr
    partial = (tmp_path / "ops.xml.partial").read_text(encoding="utf-8")
    assert "status: FAILED" in partial and "PARTIAL: the pull failed after 100 row(s)" in partial
    assert partial.count("<operator ") == 100
    # Scanning the partial file shows what was pulled, but never passes for a whole export: it is cut short.
    r2 = runner().invoke(main, ["operators", "--no-config", str(tmp_path / "ops.xml.partial"), "-f", "json"])
    assert r2.exit_code == EXIT_ERROR
    data = json.loads(r2.stdout)
    assert len(data["errors"]) == 1 and data["errors"][0]["path"].endswith("ops.xml.partial")
    assert "Unknown" in r2.stderr or "Not ready" in r2.stderr
    assert "Ready: no operator" not in r2.stderr


def test_no_partial_option_leaves_nothing(fake, tmp_path):
    fake.behaviour.fault_at = 3
    out = tmp_path / "ops.xml"
    r = pull(fake, out, "--page-size", "100", "--no-groups", "--no-partial")
    _fails(r, out, "SOAP fault")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_pull_keeps_the_previous_file(fake, tmp_path):
    out = tmp_path / "ops.xml"
    out.write_text("previous complete pull", encoding="utf-8")
    fake.behaviour.fault_at = 2
    r = pull(fake, out)
    assert r.exit_code == EXIT_ERROR
    assert out.read_text(encoding="utf-8") == "previous complete pull"


def test_429_without_end(fake, tmp_path):
    fake.behaviour.throttle = 100
    fake.behaviour.retry_after = "0"
    out = tmp_path / "ops.xml"
    _fails(pull(fake, out, "--retries", "2"), out, "HTTP 429")


def test_connection_dropped_every_time(fake, tmp_path):
    fake.behaviour.drop_at = tuple(range(2, 50))
    out = tmp_path / "ops.xml"
    r = pull(fake, out, "--retries", "2", "--page-size", "100")
    _fails(r, out, "connection broke")


def test_answer_slower_than_the_read_timeout(fake, tmp_path):
    fake.behaviour.slow = 2.0
    out = tmp_path / "ops.xml"
    _fails(pull(fake, out, "--read-timeout", "0.2", "--retries", "1"), out, "no answer within 0.2 s")


def test_answer_with_a_document_type_is_refused(fake, tmp_path):
    fake.behaviour.doctype = True
    out = tmp_path / "ops.xml"
    _fails(pull(fake, out), out, "document type")


def test_a_server_ignoring_the_paging_condition_stops_the_pull(fake, tmp_path):
    fake.behaviour.ignore_condition = True
    out = tmp_path / "ops.xml"
    _fails(pull(fake, out, "--page-size", "100", "--no-groups"), out, "ignored the paging condition")


def test_nothing_listening(tmp_path):
    out = tmp_path / "ops.xml"
    r = runner().invoke(
        main,
        ["pull", "--instance", "http://127.0.0.1:9", "--out", str(out), "--retries", "0", "--retry-backoff", "0"],
        env=dict(CRED_ENV, IMSLINT_IMS_TOKEN=fc.ACCESS_TOKEN),
    )
    _fails(r, out, "cannot connect")


@pytest.mark.parametrize(
    "url, words",
    [
        ("http://acme-mkt-prod1.campaign.adobe.com", "plain http:// is refused"),
        ("https://admin:Passw0rd@acme.campaign.adobe.com", "a user name or password in the URL is refused"),
        ("ftp://acme.campaign.adobe.com", "unsupported scheme"),
    ],
)
def test_instance_urls_refused(tmp_path, url, words):
    out = tmp_path / "ops.xml"
    r = runner().invoke(main, ["pull", "--instance", url, "--out", str(out)], env=dict(CRED_ENV))
    _fails(r, out, words)
    assert "Passw0rd" not in shown(r)


def test_plain_http_ims_refused(fake, tmp_path):
    out = tmp_path / "ops.xml"
    r = runner().invoke(
        main,
        ["pull", "--instance", fake.url, "--ims-url", "http://ims.example.com", "--out", str(out)],
        env=dict(CRED_ENV),
    )
    _fails(r, out, "--ims-url: plain http:// is refused")


@pytest.mark.parametrize("option", ["--client-secret", "--password", "--login"])
def test_secrets_are_never_arguments(tmp_path, option):
    r = runner().invoke(
        main, ["pull", "--instance", "https://x.example.com", "--out", str(tmp_path / "o"), option, "TOPSECRET"]
    )
    assert r.exit_code == 2 and "No such option" in shown(r) and "TOPSECRET" not in shown(r)


# --------------------------------------------------------------------------- counts


@pytest.mark.parametrize("knob, pulled", [("remove_at", 308), ("mutate_at", 310)])
def test_a_count_that_does_not_match_is_a_warning(fake, tmp_path, knob, pulled):
    setattr(fake.behaviour, knob, 2)  # after the first page, the instance changes
    out = tmp_path / "ops.xml"
    r = pull(fake, out, "--page-size", "100", "--no-groups")
    assert r.exit_code == EXIT_OK, r.output
    assert (
        f"imslint: warning: the instance counted 309 xtk:operator row(s) before the pull but {pulled} were pulled"
        in r.stderr
    )
    text = out.read_text(encoding="utf-8")
    assert "counted: 309" in text and f"pulled: {pulled}" in text and "were pulled" in text


# --------------------------------------------------------------------------- TLS


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    import shutil

    if not shutil.which("openssl"):
        pytest.skip("openssl is needed to make a test certificate")
    d = tmp_path_factory.mktemp("tls")
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(d / "key.pem"),
            "-out",
            str(d / "cert.pem"),
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )
    return d / "cert.pem", d / "key.pem"


def test_tls_is_verified_and_a_ca_bundle_can_be_given(tmp_path, tls_files):
    import ssl

    cert, key = tls_files
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(cert), str(key))
    fake = fc.FakeCampaign(fc.make_operators(20)).start(ssl_context=ctx)
    try:
        out = tmp_path / "ops.xml"
        e = dict(CRED_ENV, REQUESTS_CA_BUNDLE=None, CURL_CA_BUNDLE=None)
        r = runner().invoke(
            main, ["pull", "--instance", fake.url, "--ims-url", fake.url, "--out", str(out), "--retries", "0"], env=e
        )
        _fails(r, out, "TLS verification failed", "--ca-bundle")
        r = runner().invoke(
            main,
            [
                "pull",
                "--instance",
                fake.url,
                "--ims-url",
                fake.url,
                "--out",
                str(out),
                "--retries",
                "0",
                "--ca-bundle",
                str(cert),
            ],
            env=e,
        )
        assert r.exit_code == EXIT_OK, r.output
        assert out.read_text(encoding="utf-8").count("<operator ") == 29
    finally:
        fake.stop()


# --------------------------------------------------------------------------- start-up and secrets


def test_check_and_operators_do_not_import_the_http_client(tmp_path):
    (tmp_path / "ops.xml").write_text(fc.package_export(fc.make_operators(5)), encoding="utf-8")
    code = (
        "import sys\n"
        "from imslint.cli import main\n"
        "for args in (['check', '--no-config', 'ops.xml'], ['operators', '--no-config', 'ops.xml'], ['pull', '--help']):\n"
        "    try:\n"
        "        main(args, standalone_mode=True)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print('LOADED', sorted(m for m in ('requests', 'urllib3', 'http.client') if m in sys.modules))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=str(tmp_path), capture_output=True, text=True)
    assert "LOADED []" in r.stdout, r.stdout + r.stderr


def test_the_real_process_never_shows_a_secret(fake, tmp_path):
    """The installed command in its own process, debug on, through success and failures."""
    env = {k: v for k, v in os.environ.items() if k not in CRED_ENV}
    env.update({k: v for k, v in CRED_ENV.items() if v is not None})
    env["IMSLINT_DEBUG"] = "1"
    cmd = [sys.executable, "-c", "from imslint.cli import run; run()"]
    seen = ""
    for setup, extra in [
        ({}, []),
        ({"fault_at": 2}, []),
        ({"soap_status": 401}, []),
        ({"drop_at": tuple(range(1, 40))}, ["--retries", "1"]),
        ({"client_secret": "another"}, []),
    ]:
        fake.reset()
        for k, v in setup.items():
            setattr(fake.behaviour, k, v)
        out = tmp_path / "ops.xml"
        r = subprocess.run(
            cmd
            + [
                "pull",
                "--instance",
                fake.url,
                "--ims-url",
                fake.url,
                "--out",
                str(out),
                "--retry-backoff",
                "0",
                "--page-size",
                "100",
            ]
            + extra,
            env=env,
            capture_output=True,
            text=True,
        )
        seen += r.stdout + r.stderr
        for p in (out, str(out) + ".partial"):
            if os.path.exists(p):
                seen += open(p, encoding="utf-8").read()
    assert "pull failed" in seen and "pulled 309" in seen
    assert_no_secret(seen)


def test_a_retry_after_beyond_reason_is_an_error_not_a_stuck_job(fake, tmp_path):
    fake.behaviour.throttle = 5
    fake.behaviour.retry_after = "3600"
    out = tmp_path / "ops.xml"
    _fails(pull(fake, out), out, "asks to retry after 3600 s")


def test_operators_instance_that_cannot_pull_scans_nothing(fake, tmp_path):
    fake.behaviour.soap_status = 403
    r = runner().invoke(
        main,
        ["operators", "--no-config", "--instance", fake.url, "--ims-url", fake.url, "--retry-backoff", "0"],
        env=dict(CRED_ENV),
    )
    assert r.exit_code == EXIT_ERROR
    assert "pull failed" in r.stderr and "HTTP 403" in r.stderr
    assert "Ready" not in shown(r) and "readiness" not in shown(r)
    assert_no_secret(shown(r))


def test_a_500_that_is_not_a_soap_fault_is_asked_again(fake, tmp_path):
    fake.behaviour.plain_500 = 2
    r = pull(fake, tmp_path / "ops.xml")
    assert r.exit_code == EXIT_OK, r.output
    fake.reset()
    fake.behaviour.plain_500 = 10
    out = tmp_path / "b.xml"
    _fails(pull(fake, out, "--retries", "1"), out, "HTTP 500")


def test_an_ims_answer_without_a_token(fake, tmp_path):
    fake.behaviour.token_answer = '{"token_type": "bearer"}'
    out = tmp_path / "ops.xml"
    _fails(pull(fake, out), out, "holds no access_token")


@pytest.mark.parametrize("content", ["", None])
def test_an_empty_or_missing_token_file(fake, tmp_path, content):
    tok = tmp_path / "token.txt"
    if content is not None:
        tok.write_text(content, encoding="utf-8")
    out = tmp_path / "ops.xml"
    r = pull(fake, out, "--token-file", str(tok), ims=False)
    assert r.exit_code == EXIT_ERROR and "--token-file" in r.stderr and not out.exists()


def test_out_in_a_missing_folder(fake, tmp_path):
    out = tmp_path / "nowhere" / "ops.xml"
    _fails(pull(fake, out), out, "does not exist")


def test_pull_out_needs_instance(tmp_path):
    r = runner().invoke(main, ["operators", "--no-config", "--pull-out", str(tmp_path / "x.xml"), "x.xml"])
    assert r.exit_code == 2 and "--pull-out needs --instance" in shown(r)


def test_the_client_waits_longer_after_each_dropped_answer(fake):
    from imslint.rules.instance.client import Client, Credentials
    from imslint.rules.instance.pull import ACTION, count_query, envelope

    waits = []
    fake.behaviour.drop_at = (1, 2, 3)
    client = Client(fake.url, Credentials(token=fc.ACCESS_TOKEN), retries=3, backoff=0.5, sleep=waits.append)
    root = client.execute(ACTION, envelope(count_query()))
    assert root is not None and waits == [0.5, 1.0, 2.0]
    client.close()


# --------------------------------------------------------------------------- client helpers


def test_instance_urls():
    from imslint.rules.instance.client import PullError, base_url, is_loopback

    assert base_url("acme.campaign.adobe.com", "x") == "https://acme.campaign.adobe.com"
    assert base_url("https://acme.campaign.adobe.com/nl/jsp/", "x") == "https://acme.campaign.adobe.com"
    assert base_url("http://localhost:8080", "x") == "http://localhost:8080"
    assert base_url("http://[::1]:81", "x") == "http://[::1]:81"
    assert (
        is_loopback("127.3.4.5") and is_loopback("::1") and not is_loopback("10.0.0.1") and not is_loopback("acme.com")
    )
    for bad in ("https://", "https://acme.com/?a=1", "http://10.0.0.1", "https://acme.com:99999"):
        with pytest.raises(PullError):
            base_url(bad, "x")


def test_answers_are_parsed_safely():
    from imslint.rules.instance.client import PullError, parse_xml, soap_fault

    latin = "<a label='Hélène'/>".encode("iso-8859-1")
    assert parse_xml(latin, "ISO-8859-1").get("label") == "Hélène"  # no declaration: the header's charset
    declared = "<?xml version='1.0' encoding='ISO-8859-1'?><a label='Müller'/>".encode("iso-8859-1")
    assert parse_xml(declared, "utf-8").get("label") == "Müller"  # the declaration wins
    with pytest.raises(PullError, match="not well-formed"):
        parse_xml(b"<a><b></a>")
    with pytest.raises(PullError, match="document type"):
        parse_xml(b'<!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]><a>&e;</a>')
    bare = parse_xml(b"<Fault><faultcode>c</faultcode><faultstring>s</faultstring></Fault>")
    assert soap_fault(bare) == ("c", "s")
    assert soap_fault(parse_xml(b"<Envelope><Body><x/></Body></Envelope>")) is None


def test_a_failing_membership_query_says_how_to_pull_without(fake, tmp_path):
    fake.behaviour.fault_at = 3  # count, page 1, then its memberships
    out = tmp_path / "ops.xml"
    _fails(pull(fake, out, "--page-size", "100"), out, "SOAP fault", "--no-groups pulls without them")


def test_an_unwritable_out(fake, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "ops.xml.partial").mkdir()  # the partial file cannot be created (even as root)
    out = locked / "ops.xml"
    _fails(pull(fake, out), out, "cannot write")


def test_a_token_that_expires_during_the_pull_is_fetched_again_once(fake, tmp_path):
    fake.behaviour.expire_at = 3
    out = tmp_path / "ops.xml"
    r = pull(fake, out, "--page-size", "100")
    assert r.exit_code == EXIT_OK, r.output
    assert out.read_text(encoding="utf-8").count("<operator ") == 309
    assert len([p for _m, p, _h, _b in fake.requests if p == "/ims/token/v3"]) == 2
    assert_no_secret(everything(r, out))


def test_a_given_token_that_expires_is_not_fetched_again(fake, tmp_path):
    fake.behaviour.expire_at = 3
    out = tmp_path / "ops.xml"
    r = pull(fake, out, "--page-size", "100", env={"IMSLINT_IMS_TOKEN": fc.ACCESS_TOKEN}, ims=False)
    _fails(r, out, "HTTP 401")
    assert not [p for _m, p, _h, _b in fake.requests if p == "/ims/token/v3"]
