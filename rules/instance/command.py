"""``imslint pull`` and the ``--instance`` option of ``imslint operators``.

Secrets are never options: the client secret comes from ``IMSLINT_IMS_CLIENT_SECRET``
or a file (``--client-secret-file``), a ready token from ``IMSLINT_IMS_TOKEN`` or
``--token-file``. Exit 2 when the pull fails.
"""

from __future__ import annotations

import functools
import os
import shutil
import sys
import tempfile
from typing import Any, Callable, Dict, Optional

import click

from imslint.cli import EXIT_ERROR, EXIT_OK, fail

__all__ = ["register", "pull_options", "with_instance", "run_pull"]

ENV_CLIENT_ID = "IMSLINT_IMS_CLIENT_ID"
ENV_CLIENT_SECRET = "IMSLINT_IMS_CLIENT_SECRET"
ENV_SCOPE = "IMSLINT_IMS_SCOPE"
ENV_TOKEN = "IMSLINT_IMS_TOKEN"

_pull_options = [
    click.option(
        "--client-id",
        envvar=ENV_CLIENT_ID,
        show_envvar=True,
        help="Client id of the OAuth server-to-server credential (Developer Console).",
    ),
    click.option(
        "--client-secret-file",
        type=click.Path(dir_okay=False),
        help=f"Read the client secret from FILE (otherwise from {ENV_CLIENT_SECRET}; never an argument).",
    ),
    click.option(
        "--scope",
        envvar=ENV_SCOPE,
        show_envvar=True,
        help="Scopes of the credential, comma-separated, as the Developer Console lists them.",
    ),
    click.option(
        "--token-file",
        type=click.Path(dir_okay=False),
        help=f"Read a ready IMS access token from FILE (otherwise {ENV_TOKEN}, otherwise one is fetched).",
    ),
    click.option(
        "--ims-url",
        default="https://ims-na1.adobelogin.com",
        show_default=True,
        help="Adobe IMS host (another region, or a test server).",
    ),
    click.option(
        "--ca-bundle",
        type=click.Path(exists=True, dir_okay=False),
        help="Verify TLS with the CA certificates in FILE (a private CA or an inspecting proxy). Verification is always on.",
    ),
    click.option(
        "--page-size",
        type=click.IntRange(min=1, max=100000),
        default=5000,
        show_default=True,
        help="Rows per ExecuteQuery page (its lineCount).",
    ),
    click.option(
        "--connect-timeout",
        type=click.FloatRange(min=0.1),
        default=10.0,
        show_default=True,
        help="Seconds to wait for a connection.",
    ),
    click.option(
        "--read-timeout",
        type=click.FloatRange(min=0.1),
        default=120.0,
        show_default=True,
        help="Seconds to wait for an answer to go on.",
    ),
    click.option(
        "--retries",
        type=click.IntRange(min=0, max=20),
        default=5,
        show_default=True,
        help="Retries of a request (429, 502-504, a dropped connection), with exponential backoff; Retry-After is honoured.",
    ),
    click.option(
        "--retry-backoff",
        type=click.FloatRange(min=0),
        default=1.0,
        show_default=True,
        help="Backoff factor in seconds: waits of 1x, 2x, 4x... between retries.",
    ),
    click.option("--no-groups", is_flag=True, help="Do not pull group memberships (xtk:operatorGroup)."),
    click.option(
        "--no-partial", is_flag=True, help="On failure, delete what was pulled instead of keeping OUT.partial."
    ),
]


def pull_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Attach the connection options of a pull (credentials, TLS, timeouts, paging)."""
    for option in reversed(_pull_options):
        func = option(func)
    return func


_PULL_KEYS = (
    "client_id",
    "client_secret_file",
    "scope",
    "token_file",
    "ims_url",
    "ca_bundle",
    "page_size",
    "connect_timeout",
    "read_timeout",
    "retries",
    "retry_backoff",
    "no_groups",
    "no_partial",
)


def _read_secret(path: str, what: str) -> str:
    try:
        with open(path, "r", encoding="utf-8") as fh:
            value = fh.read().strip()
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"{what} {path!r}: cannot read it ({getattr(exc, 'strerror', None) or type(exc).__name__})")
    if not value:
        fail(f"{what} {path!r} is empty")
    return value


def run_pull(instance: str, out: str, opts: Dict[str, Any], quiet: bool = False) -> int:
    """Pull the operators of ``instance`` to ``out`` with the options of :func:`pull_options`; an exit status."""
    from .client import Client, Credentials, PullError
    from .pull import partial_path, pull_operators

    token = (
        _read_secret(opts["token_file"], "--token-file")
        if opts.get("token_file")
        else os.environ.get(ENV_TOKEN, "").strip()
    )
    secret = ""
    if not token:
        if opts.get("client_secret_file"):
            secret = _read_secret(opts["client_secret_file"], "--client-secret-file")
        else:
            secret = os.environ.get(ENV_CLIENT_SECRET, "").strip()
    cred = Credentials(
        client_id=(opts.get("client_id") or "").strip(),
        client_secret=secret,
        scope=(opts.get("scope") or "").strip(),
        token=token,
    )
    client: Optional[Client] = None
    try:
        client = Client(
            instance,
            cred,
            ims_url=opts.get("ims_url") or "https://ims-na1.adobelogin.com",
            ca_bundle=opts.get("ca_bundle"),
            connect_timeout=opts.get("connect_timeout", 10.0),
            read_timeout=opts.get("read_timeout", 120.0),
            retries=opts.get("retries", 5),
            backoff=opts.get("retry_backoff", 1.0),
        )
        progress = None
        if not quiet and sys.stderr.isatty():

            def progress(pulled: int, counted: Optional[int]) -> None:
                click.echo(
                    f"\rimslint: pulled {pulled} of {counted if counted is not None else '?'}", err=True, nl=False
                )

        try:
            result = pull_operators(
                client,
                out,
                page_size=opts.get("page_size", 5000),
                groups=not opts.get("no_groups"),
                keep_partial=not opts.get("no_partial"),
                progress=progress,
            )
        finally:
            if progress is not None:
                click.echo("", err=True)
    except PullError as exc:
        message = client.redact(str(exc)) if client is not None else str(exc)
        kept = partial_path(out)
        if client is not None and os.path.exists(kept) and not opts.get("no_partial"):
            message += f" (what was pulled is in {kept}, marked partial)"
        fail(f"pull failed: {message}")
        return EXIT_ERROR  # pragma: no cover - fail() exits
    finally:
        if client is not None:
            client.close()
    for warning in result.warnings:
        click.echo(f"imslint: warning: {warning}", err=True)
    if not quiet:
        click.echo(
            f"imslint: pulled {result.pulled} operator(s) and group(s) from {client.instance} to {out} "
            f"({result.pages} page(s), {result.memberships} membership(s); the instance counted {result.counted})",
            err=True,
        )
    return EXIT_OK


def register(cli: click.Group) -> None:
    """Add ``pull`` to ``cli``."""

    @cli.command()
    @click.option("--instance", required=True, help="URL of the Campaign instance (https://...campaign.adobe.com).")
    @click.option(
        "--out",
        required=True,
        type=click.Path(dir_okay=False),
        help="Write the operators to FILE (a SOAP ExecuteQuery answer).",
    )
    @pull_options
    @click.option("--quiet", "-q", is_flag=True, help="Print nothing when the pull succeeds.")
    def pull(instance: str, out: str, quiet: bool, **opts: Any) -> None:
        """Pull the operators and groups of an instance over SOAP with an Adobe IMS technical account.

        The file is written as the pages arrive, then checked against a count of
        the instance; it is then read by 'imslint operators FILE' or 'imslint
        check'. Exit codes: 0 pulled, 2 failed (what was pulled so far is in
        FILE.partial, never under FILE).
        """
        sys.exit(run_pull(instance, out, opts, quiet))


def with_instance(func: Callable[..., Any]) -> Callable[..., Any]:
    """Give a command taking ``exports`` an ``--instance URL`` that pulls first, then adds the file to ``exports``.

    ``--pull-out FILE`` keeps the pulled file; otherwise it goes to a temporary
    folder removed at the end. Without ``--instance`` at least one export is required.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        instance = kwargs.pop("instance", None)
        pull_out = kwargs.pop("pull_out", None)
        pull_opts = {k: kwargs.pop(k) for k in _PULL_KEYS if k in kwargs}
        exports = tuple(kwargs.get("exports") or ())
        if not instance:
            if pull_out:
                raise click.UsageError("--pull-out needs --instance")
            if not exports:
                raise click.UsageError("Missing argument 'EXPORTS...' (or --instance URL)")
            return func(*args, **kwargs)
        if not kwargs.get("config_file") and not kwargs.get("no_config") and not exports:
            # The configuration is found from the first input: the pulled file may sit in a temporary
            # folder, so it is looked up from the current folder, as for a run on files there.
            from imslint.config import find_config

            found = find_config(".")
            if found:
                kwargs["config_file"] = found
        tmpdir = None
        try:
            if pull_out:
                out = pull_out
            else:
                from .client import PullError, base_url

                try:
                    host = base_url(instance, "--instance").split("://", 1)[1].replace(":", "_").strip("[]")
                except PullError as exc:
                    fail(str(exc))
                tmpdir = tempfile.mkdtemp(prefix="imslint-pull-")
                out = os.path.join(tmpdir, f"{host}.xml")
            run_pull(instance, out, pull_opts, quiet=bool(kwargs.get("quiet")))
            kwargs["exports"] = exports + (out,)
            return func(*args, **kwargs)
        finally:
            if tmpdir is not None:
                shutil.rmtree(tmpdir, ignore_errors=True)

    command: Callable[..., Any] = pull_options(wrapper)
    command = click.option(
        "--pull-out", type=click.Path(dir_okay=False), help="With --instance: keep the pulled operators in FILE."
    )(command)
    command = click.option(
        "--instance",
        help="Pull the operators of this instance first (see 'imslint pull'), then check them with the EXPORTS.",
    )(command)
    return command
