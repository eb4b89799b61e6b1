"""The `twins` command line: serve one twin, bring them all up, import recordings."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from typer.core import TyperGroup

from recorder.cli import import_command
from recorder.commands import diff_command, record_command, redact_command, replay_command
from twins._runtime.errors import ConfigError

if TYPE_CHECKING:  # the runtime is imported by the commands that run it, not by `twins --help`
    from twins._runtime.serve import Running
    from twins._runtime.service import Service
    from twins._runtime.settings import Settings

# Command groups imported only when used: name -> (module, Typer attribute, one-line help).
LAZY_GROUPS = {
    "holdout": (
        "holdout.cli",
        "app",
        "Holdout scenarios: drive an app against the twins with sealed stories; score satisfaction.",
    ),
    "action": (
        "twins.action_cli",
        "app",
        "Twins as background processes on a CI runner: start, export URLs and credentials, stop.",
    ),
    # single commands: the attribute is the command's function
    "verify": (
        "agent_runner.verify_cli",
        "verify_command",
        "Fidelity of a twin on recorded traffic: replay each recording against a fresh tenant.",
    ),
    "repair": (
        "agent_runner.agent.cli",
        "repair_command",
        "Let a model repair a generated twin with tools, until verify reaches the target.",
    ),
    "generate": (
        "agent_runner.cli",
        "generate_command",
        "Generate a twin from recorded traffic (and an OpenAPI spec): a package on the twin kit.",
    ),
    "regenerate": (
        "agent_runner.cli",
        "regenerate_command",
        "Merge what new recordings show into a generated twin; fidelity before and after.",
    ),
}


class LazyGroup(TyperGroup):
    """A command group whose `holdout` and `action` groups load on first use: `twins --help`
    and the recorder's commands then start without importing the twins' runtime."""

    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *(name for name in LAZY_GROUPS if name not in self.commands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in LAZY_GROUPS and cmd_name not in self.commands:
            module, attribute, _ = LAZY_GROUPS[cmd_name]
            target = getattr(importlib.import_module(module), attribute)
            if not isinstance(target, typer.Typer):  # a single command's function
                single = typer.Typer(add_completion=False, rich_markup_mode=None)
                single.command(cmd_name, help=getattr(importlib.import_module(module), "HELP", None))(target)
                target = single
            group = typer.main.get_command(target)
            group.name = cmd_name
            self.commands[cmd_name] = group
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = []
        for name in self.list_commands(ctx):
            loaded = self.commands.get(name)
            if loaded is None:
                rows.append((name, LAZY_GROUPS[name][2]))
            elif not loaded.hidden:
                rows.append((name, loaded.get_short_help_str(formatter.width - 6 - len(name))))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


app = typer.Typer(
    help=(
        "Digital twins of Okta, Jira and Slack: stateful, vendor-faithful fakes that the official "
        "client libraries talk to unmodified, pointed only at another base URL.\n\n"
        "  twins up                 every twin, embedded SQLite, URLs and credentials printed\n\n"
        "  twins serve slack        one twin (--db postgresql://... to share state)\n\n"
        "  twins import a.har b.yaml -o traces/x.jsonl   recordings to a JSONL trace\n\n"
        "  twins record okta --upstream https://acme.okta.com --out traces/okta/   capture, redacted\n\n"
        "  twins replay traces/okta/ --port 8190   serve recorded answers\n\n"
        "  twins diff --real URL --twin URL --traces traces/okta/   drift report\n\n"
        "  twins generate github --traces cassettes/ --out twins-github/   a twin from traffic\n\n"
        "  twins verify okta --traces cassettes/   fidelity of a twin on recorded traffic\n\n"
        "Each twin also serves an admin API under /_twin/ (health, tenants, seed, reset, snapshot, "
        "restore, credentials, state, journal, clock, faults); see /_twin/docs on a running twin."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    cls=LazyGroup,
)
app.command("import")(import_command)

for _name, _command in (
    ("record", record_command),
    ("replay", replay_command),
    ("redact", redact_command),
    ("diff", diff_command),
):
    app.command(_name)(_command)
console = Console()
err = Console(stderr=True)

DbOpt = Annotated[
    str | None,
    typer.Option("--db", help="sqlite:///file.db, :memory: or postgresql://... (env TWINS_DATABASE_URL)"),
]
HostOpt = Annotated[str, typer.Option("--host", help="address to bind")]
NoAuthOpt = Annotated[bool, typer.Option("--no-admin-auth", help="open the admin API (loopback hosts only)")]
TokenOpt = Annotated[
    str | None, typer.Option("--admin-token", help="admin token (env TWINS_ADMIN_TOKEN; else generated)")
]
SeedOpt = Annotated[
    int | None,
    typer.Option(
        "--seed",
        help="seed of the default tenant's data; given, credentials are the seed's own (reproducible), "
        "else random per installation (kept in the data folder)",
    ),
]
RateOpt = Annotated[
    str | None, typer.Option("--rate-limits", help="real (default), off or strict (env TWINS_RATE_LIMITS)")
]
DataOpt = Annotated[Path | None, typer.Option("--data-dir", help="where SQLite files go (default ./.twins)")]
CorsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--cors-origin",
        help="a web origin (e.g. http://localhost:3000) allowed to call the twin from a browser; repeatable",
    ),
]
MaxBodyOpt = Annotated[
    str | None,
    typer.Option("--max-body", help="largest request body, e.g. 16m (default 16m; larger ones get a 413)"),
]
MaxUploadOpt = Annotated[
    str | None,
    typer.Option("--max-upload", help="largest body on a file upload URL (Slack's), e.g. 1g (default 1g)"),
]


def fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def make_settings(
    db: str | None,
    no_admin_auth: bool,
    admin_token: str | None,
    seed: int | None,
    rate_limits: str | None,
    data_dir: Path | None,
    max_body: str | None = None,
    max_upload: str | None = None,
    cors_origins: list[str] | None = None,
) -> Settings:
    """Settings from the options (ConfigError for a size that is not one)."""
    from twins._runtime.settings import Settings, origins, parse_size

    try:
        body = None if max_body is None else parse_size(max_body)
        upload = None if max_upload is None else parse_size(max_upload)
    except ValueError as exc:
        raise ConfigError(f"--max-body/--max-upload: {exc}") from None
    settings = Settings.from_env(
        db_url=db,
        admin_auth=not no_admin_auth,
        admin_token=admin_token,
        seed=seed,
        rate_limits=rate_limits,
        data_dir=data_dir,
        max_body=body,
        max_upload=upload,
        cors_origins=origins(cors_origins) if cors_origins else None,  # none given: TWINS_CORS_ORIGINS
    )
    if seed is None:  # no seed asked for: credentials of this installation only
        try:
            settings.use_install_secret()
        except OSError as exc:
            raise ConfigError(f"cannot keep the install secret in {settings.data_dir}: {exc}") from None
    return settings


TwinOpt = Annotated[
    Path | None, typer.Option("--twin", help="a twin package folder (one `twins generate` wrote)")
]
ExtendOpt = Annotated[
    Path | None,
    typer.Option(
        "--extend", help="generated operations (`twins generate NAME --extend`) served after the twin's own"
    ),
]


def named_twin(service: str | None, twin: Path | None, extend: Path | None) -> str:
    """The registry name of the twin to serve; a --twin folder is registered under its name."""
    import os

    if twin is not None:
        if not twin.is_dir():
            raise ConfigError(f"--twin {twin}: no such folder")
        name = service or twin.resolve().name
        extra = os.environ.get("TWINS_EXTRA_SERVICES", "")
        os.environ["TWINS_EXTRA_SERVICES"] = ",".join(filter(None, [extra, f"{name}={twin.resolve()}"]))
        return name
    if service is None:
        raise ConfigError("name a twin (see `twins services`) or give --twin DIR")
    if extend is not None and not extend.is_dir():
        raise ConfigError(f"--extend {extend}: no such folder")
    return service


def load_spec(name: str, extend: Path | None) -> Service:
    from twins import registry

    spec = registry.load(name)
    if extend is None:
        return spec
    from agent_runner.extend import extended

    try:
        return extended(spec, extend)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


@app.command()
def serve(
    service: Annotated[str | None, typer.Argument(help="which twin: see `twins services`")] = None,
    twin: TwinOpt = None,
    extend: ExtendOpt = None,
    host: HostOpt = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="port (default: the service's own)")] = 0,
    db: DbOpt = None,
    workers: Annotated[int, typer.Option("--workers", min=1, max=64, help="worker processes")] = 1,
    no_admin_auth: NoAuthOpt = False,
    admin_token: TokenOpt = None,
    seed: SeedOpt = None,
    rate_limits: RateOpt = None,
    data_dir: DataOpt = None,
    max_body: MaxBodyOpt = None,
    max_upload: MaxUploadOpt = None,
    cors_origin: CorsOpt = None,
) -> None:
    """Serve one twin until Ctrl-C / SIGTERM."""
    import asyncio

    from twins._runtime.serve import build_running, check_settings, serve_all, serve_workers

    try:
        service = named_twin(service, twin, extend)
        if extend is not None and workers > 1:
            raise ConfigError("--extend serves one worker")
        spec = load_spec(service, extend)
        settings = make_settings(
            db, no_admin_auth, admin_token, seed, rate_limits, data_dir, max_body, max_upload, cors_origin
        )
        check_settings(settings, host, workers)
        port = port or spec.default_port
        if workers > 1:
            console.print(
                f"{spec.title} twin on http://{host}:{port} with {workers} workers; "
                f"admin token: {settings.admin_token}"
            )
            serve_workers(service, settings, host, port, workers)
            return
        running, servers = build_running([(spec, settings, port)], host)
    except ConfigError as exc:
        fail(str(exc))
        return
    print_banner(running, settings)
    asyncio.run(serve_all(servers))


@app.command()
def up(
    services: Annotated[
        list[str] | None, typer.Option("--services", "-s", help="which twins (default: all)")
    ] = None,
    twin: Annotated[
        list[Path] | None, typer.Option("--twin", help="a twin package folder to start too (repeatable)")
    ] = None,
    host: HostOpt = "127.0.0.1",
    db: DbOpt = None,
    no_admin_auth: NoAuthOpt = False,
    admin_token: TokenOpt = None,
    seed: SeedOpt = None,
    rate_limits: RateOpt = None,
    data_dir: DataOpt = None,
    max_body: MaxBodyOpt = None,
    max_upload: MaxUploadOpt = None,
    cors_origin: CorsOpt = None,
) -> None:
    """Start every twin (embedded SQLite under ./.twins), print URLs and credentials, serve until Ctrl-C."""
    import asyncio

    from twins import registry
    from twins._runtime.serve import build_running, check_settings, serve_all
    from twins._runtime.settings import Settings

    try:
        folders = [named_twin(None, folder, None) for folder in twin or []]
        names = [n for item in services or [] for n in item.split(",") if n] or (
            folders if folders else registry.available()
        )
        names += [n for n in folders if n not in names]
        if not names:
            raise ConfigError("no twins are installed; reinstall dark-factory-twins")
        settings = make_settings(
            db, no_admin_auth, admin_token, seed, rate_limits, data_dir, max_body, max_upload, cors_origin
        )
        check_settings(settings, host)
        specs = [registry.load(n) for n in names]
        running, servers = build_running(
            [(spec, Settings(**{**vars(settings)}), spec.default_port) for spec in specs], host
        )
    except ConfigError as exc:
        fail(str(exc))
        return
    print_banner(running, settings)
    asyncio.run(serve_all(servers))


@app.command()
def coverage(
    service: Annotated[str, typer.Argument(help="which twin")],
    spec: Annotated[
        list[Path], typer.Option("--spec", help="the vendor's OpenAPI/Swagger file (repeatable)")
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="Markdown file to write")],
) -> None:
    """Write COVERAGE.md: the operations of the official spec and which the twin implements."""
    from twins import registry
    from twins._runtime.app import build_app
    from twins._runtime.coverage import load_spec, operations, render, route_matcher
    from twins._runtime.settings import Settings

    try:
        svc = registry.load(service)
        documents = [load_spec(path) for path in spec]
    except (ConfigError, OSError, ValueError) as exc:
        fail(str(exc))
        return
    settings = Settings.from_env(db_url=":memory:", admin_auth=False)
    twin = build_app(svc, settings)
    implemented = svc.implements or route_matcher(twin)
    ops = [op for data in documents for op in operations(data)]
    names = ", ".join(path.name for path in spec)
    output.write_text(render(svc.title, names, ops, implemented), encoding="utf-8")
    twin.state.twin.store.stop()
    done = sum(1 for op in ops if implemented(op.method, op.path))
    console.print(f"{output}: {done} of {len(ops)} operations implemented")


@app.command("services")
def list_services() -> None:
    """List the twins this installation has."""
    from twins import registry

    for name in registry.available():
        spec = registry.load(name)
        console.print(f"{name:8} {spec.title} (default port {spec.default_port})")


def print_banner(running: list[Running], settings: Settings) -> None:
    """URLs, credentials and environment of each twin; plain lines, so nothing is cut off."""
    for item in running:
        state = item.ctx.store.get(settings.default_tenant)
        creds = item.ctx.service.credentials(state, item.url) if state else {}
        console.print(f"[bold green]{item.name}[/]  {item.url}", soft_wrap=True)
        width = max((len(k) for k in creds), default=0)
        for key, value in creds.items():
            if isinstance(value, str | int) and value != "":
                console.print(f"  {key:<{width}}  {value}", soft_wrap=True, highlight=False)
        for key, value in item.ctx.service.env(item.url, creds).items():
            console.print(f"  export {key}={value}", soft_wrap=True, highlight=False)
    if settings.admin_auth:
        console.print(
            f"admin API: <URL>/_twin/  token [bold]{settings.admin_token}[/] "
            "(send 'Authorization: Bearer <token>')",
            soft_wrap=True,
        )
    else:
        console.print("admin API: <URL>/_twin/  (no token: --no-admin-auth)", soft_wrap=True)
    database = settings.db_url or f"{settings.data_dir}/<service>.db"
    console.print(f"database: {database}   Ctrl-C stops.", soft_wrap=True, highlight=False)
    sys.stdout.flush()


def main() -> None:
    app()
