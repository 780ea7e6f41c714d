"""docker-compose.yml is valid Compose and describes the platform's topology.

No Docker engine runs here, so nothing calls ``docker compose config``: the file is
validated against the Compose Specification's JSON schema (``compose-spec.json``, the copy
vendored by the check-jsonschema package under ``check_jsonschema/builtin_schemas/vendor``,
Apache-2.0 licence in ``.../vendor/licenses/LICENSE.compose-spec``; version pinned through
constraints.txt), both as written and after ``${VAR}`` interpolation with the values of
``deploy/compose.env.example``. Then the topology is checked by reading it.
"""

from __future__ import annotations

import copy
import importlib.resources
import json
import re
import shlex
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from svckit.service import ROLES, discover

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / "deploy" / "compose.env.example"
#: the installed services, as the native runners see them (svckit.service.discover)
SERVICES = tuple(d.name for d in discover())
PROCESSES = ROLES
#: services that run fewer processes (identity neither publishes nor consumes events: no
#: relay, no consumer, no broker)
PROCESSES_OF = {d.name: d.processes for d in discover() if d.processes != ROLES}
#: services on the broker: they publish (a relay) or consume (a consumer)
EVENT_SERVICES = tuple(d.name for d in discover() if {"relay", "consumer"} & set(d.processes))
JWKS_PATH = "/.well-known/jwks.json"
VAR = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def compose_schema() -> dict[str, Any]:
    vendor = importlib.resources.files("check_jsonschema.builtin_schemas.vendor")
    return json.loads((vendor / "compose-spec.json").read_text(encoding="utf-8"))


def _validator() -> jsonschema.protocols.Validator:
    schema = compose_schema()
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _errors(doc: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in _validator().iter_errors(doc)]


def _env_example() -> dict[str, str]:
    env = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key] = value
    return env


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's ``${VAR}``, ``${VAR:-default}`` and ``${VAR:?error}`` (what this file uses)."""

    def sub(m: re.Match[str]) -> str:
        name, op, arg = m["name"], m["op"], m["arg"]
        value = env.get(name)
        if op in (":-", "-"):
            return value if value else (arg or "")
        if op in (":?", "?") and not value:
            raise KeyError(f"{name}: {arg}")
        if value is None:
            raise KeyError(name)
        return value

    return VAR.sub(sub, text)


@pytest.fixture(scope="module")
def raw() -> str:
    return COMPOSE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def compose(raw: str) -> dict[str, Any]:
    return yaml.safe_load(raw)


def test_schema_is_the_compose_specification() -> None:
    schema = compose_schema()
    assert schema["title"] == "Compose Specification"
    assert "services" in schema["properties"]


def test_valid_against_the_compose_schema(compose: dict[str, Any]) -> None:
    assert _errors(compose) == []


def _filled() -> dict[str, str]:
    """What a user writes into .env: a value for every line of the example."""
    return {k: f"s3cret-{k.lower().replace('_', '-')}" for k in _env_example()}


def test_valid_after_interpolation_and_every_variable_is_documented(raw: str) -> None:
    env = _filled()
    resolved = yaml.safe_load(interpolate(raw, env))
    assert _errors(resolved) == []
    required = {m["name"] for m in VAR.finditer(raw) if m["op"] in (None, ":?", "?")}
    assert required <= set(env), f"not in deploy/compose.env.example: {required - set(env)}"


def test_no_default_credentials_compose_refuses_to_start_without_them(raw: str) -> None:
    example = _env_example()
    assert example and all(v == "" for v in example.values()), "the example holds no value"
    used = {m["name"]: m["op"] for m in VAR.finditer(raw)}
    assert set(used) == set(example)
    assert all(op == ":?" for op in used.values()), "every variable is required, none defaulted"
    for name in example:  # each one missing (or left empty) stops compose
        with pytest.raises(KeyError, match=name):
            interpolate(raw, {**_filled(), name: ""})
    body = "\n".join(ln for ln in raw.splitlines() if not ln.lstrip().startswith("#"))
    assert "guest" not in body and "change-me" not in body


def test_the_validator_rejects_a_broken_file(compose: dict[str, Any]) -> None:
    broken = copy.deepcopy(compose)
    broken["services"]["inventory-api"]["depends_on"]["postgres"]["condition"] = "service_up"
    broken["services"]["inventory-relay"]["helthcheck"] = {}
    errors = _errors(broken)
    assert any("service_up" in e for e in errors), errors
    assert any("helthcheck" in e for e in errors), errors


def test_every_service_has_its_processes(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for svc in SERVICES:
        procs = PROCESSES_OF.get(svc, PROCESSES)
        for proc in (*procs, "migrate"):
            assert f"{svc}-{proc}" in services, f"{svc}-{proc}"
        for proc in set(PROCESSES) - set(procs):
            assert f"{svc}-{proc}" not in services, f"{svc} has no {proc}"
        api = services[f"{svc}-api"]
        assert api["command"] == ["gunicorn", "-c", "deploy/gunicorn.conf.py", f"{svc}.wsgi:app"]
        for proc in (*procs, "migrate"):
            if proc != "api":
                assert services[f"{svc}-{proc}"]["command"] == ["python", "-m", svc, proc]
    assert "identity" in PROCESSES_OF  # it declares its processes in its definition


def test_depends_on_names_existing_services_with_conditions(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name, spec in services.items():
        deps = spec.get("depends_on", {})
        assert isinstance(deps, dict), f"{name}: depends_on with conditions, not a list"
        for dep, cond in deps.items():
            assert dep in services, f"{name} depends on unknown {dep}"
            assert dep != name
            expected = ("service_completed_successfully" if dep.endswith("-migrate")
                        else "service_healthy")
            assert cond["condition"] == expected, (name, dep)
            if expected == "service_healthy":
                assert "healthcheck" in services[dep], f"{dep} has no healthcheck"
    for svc in SERVICES:
        broker = {"rabbitmq"} if svc in EVENT_SERVICES else set()
        for proc in PROCESSES_OF.get(svc, PROCESSES):
            deps = services[f"{svc}-{proc}"]["depends_on"]
            redis = {"redis"} if proc == "api" else set()  # rate limits, failed logins
            assert set(deps) == {f"{svc}-migrate", "postgres", *broker, *redis}, (svc, proc)
        migrate = services[f"{svc}-migrate"]
        assert migrate["restart"] == "no"
        assert set(migrate["depends_on"]) == {"postgres"}


def test_health_checks(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for svc in SERVICES:
        test = " ".join(services[f"{svc}-api"]["healthcheck"]["test"])
        assert "http://127.0.0.1:8000/readyz" in test
        for proc in PROCESSES_OF.get(svc, PROCESSES):
            if proc != "api":  # no HTTP port: reaching the database (and broker) is health
                check = services[f"{svc}-{proc}"]["healthcheck"]
                assert check["test"] == ["CMD", "python", "-m", svc, "outbox", "status"]
    for name, spec in services.items():
        assert name.endswith("-migrate") or "healthcheck" in spec, f"{name} has no health check"
    assert services["rabbitmq"]["healthcheck"]["test"][1] == "rabbitmq-diagnostics"
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"]


def test_environment_per_the_configuration_table(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for svc in SERVICES:
        for proc in (*PROCESSES_OF.get(svc, PROCESSES), "migrate"):
            spec = services[f"{svc}-{proc}"]
            env = spec["environment"]
            if svc in EVENT_SERVICES:
                # its own broker user on the platform's vhost
                assert env["BUS_URL"].startswith(f"amqp://{svc}:${{RABBITMQ_{svc.upper()}_PASSWORD:?")
                assert env["BUS_URL"].endswith("@rabbitmq:5672/dpf")
                # tokens are verified against the identity service's JWKS
                assert env["AUTH_JWKS_URL"] == f"http://identity-api:8000{JWKS_PATH}"
            else:
                assert "BUS_URL" not in env, f"{svc} needs no broker credentials"
            url = env[f"{svc.upper()}_DATABASE_URL"]
            assert url.startswith(f"postgresql://{svc}:") and url.endswith(f"@postgres:5432/{svc}")
            others = {f"{o.upper()}_DATABASE_URL" for o in SERVICES if o != svc}
            assert not others & set(env), f"{svc}-{proc} sees another service's database"
            assert "AUTH_PUBLIC_KEY" not in env  # the JWKS wins anyway; one source of truth
            # one shared key set for sealed event fields and signed links: never a key made
            # per container (then no consumer could open another service's sealed fields)
            keyed = svc in EVENT_SERVICES
            assert ("EVENT_KEYS" in env) == keyed and ("LINK_KEYS" in env) == keyed, f"{svc}-{proc}"
            if keyed:
                assert env["EVENT_KEYS"] == "${EVENT_KEYS:?set EVENT_KEYS in .env}"
                assert env["LINK_KEYS"] == "${LINK_KEYS:?set LINK_KEYS in .env}"
            assert ("REDIS_URL" in env) == (proc == "api"), f"{svc}-{proc}"
            # only the identity API holds the signing key
            has_key = "identity_signing_key" in spec.get("secrets", [])
            assert has_key == (f"{svc}-{proc}" == "identity-api"), f"{svc}-{proc}"
    identity = services["identity-api"]["environment"]
    assert identity["IDENTITY_SIGNING_KEY"] == "/run/secrets/identity_signing_key"
    assert identity["AUTH_JWKS_URL"] == f"http://127.0.0.1:{identity['PORT']}{JWKS_PATH}"
    assert set(compose["secrets"]) == {"identity_signing_key"}
    # the JWKS path is the identity API's public route
    from identity.entrypoints.api import PUBLIC_PATHS

    assert JWKS_PATH.startswith(PUBLIC_PATHS)


def _mounts(spec: dict[str, Any]) -> dict[str, str]:
    """container path -> host path of the bind mounts ("./host:/container[:ro]")."""
    out = {}
    for v in spec.get("volumes", []):
        parts = v.split(":")
        if parts[0].startswith("./"):
            out[parts[1]] = parts[0]
    return out


def test_bind_mounts_and_build_files_exist(compose: dict[str, Any]) -> None:
    for name, spec in compose["services"].items():
        for host in _mounts(spec).values():
            assert (ROOT / host).exists(), f"{name}: {host} does not exist"
        if "build" in spec:
            assert (ROOT / spec["build"]["context"] / spec["build"]["dockerfile"]).is_file()


def test_rabbitmq_loads_the_generated_definitions(compose: dict[str, Any]) -> None:
    rabbit = compose["services"]["rabbitmq"]
    assert rabbit["image"].startswith("rabbitmq:3.13-management")
    mounts = _mounts(rabbit)
    conf_path = next(c for c, h in mounts.items() if h == "./deploy/rabbitmq/rabbitmq.conf")
    assert conf_path.startswith("/etc/rabbitmq/conf.d/")
    conf = (ROOT / "deploy/rabbitmq/rabbitmq.conf").read_text(encoding="utf-8")
    pairs = (ln.partition("=") for ln in conf.splitlines() if "=" in ln and not ln.startswith("#"))
    settings = {k.strip(): v.strip() for k, _, v in pairs}
    loaded = settings.get("load_definitions") or settings.get("management.load_definitions")
    assert loaded == "/etc/rabbitmq/definitions.json"
    topology = next(c for c, h in mounts.items() if h == "./deploy/rabbitmq/definitions.json")
    entrypoint = next(c for c, h in mounts.items() if h == "./deploy/rabbitmq/entrypoint.sh")
    assert rabbit["entrypoint"] == [entrypoint]
    script = (ROOT / "deploy/rabbitmq/entrypoint.sh").read_text(encoding="utf-8")
    assert f"topology={topology}\n" in script
    assert f"target={loaded}\n" in script
    assert "exec docker-entrypoint.sh" in script


def test_postgres_creates_one_database_per_service(compose: dict[str, Any]) -> None:
    pg = compose["services"]["postgres"]
    mounts = _mounts(pg)
    init = next(c for c, h in mounts.items() if h == "./deploy/postgres/init-databases.sh")
    assert init.startswith("/docker-entrypoint-initdb.d/") and init.endswith(".sh")
    script = (ROOT / "deploy/postgres/init-databases.sh").read_text(encoding="utf-8")
    loop = re.search(r"for svc in ([a-z ]+); do", script)
    assert loop is not None and tuple(loop[1].split()) == SERVICES
    for svc in SERVICES:
        assert f"{svc.upper()}_DB_PASSWORD" in pg["environment"]


def test_dockerfile_installs_the_project_as_non_root() -> None:
    text = (ROOT / "deploy" / "Dockerfile").read_text(encoding="utf-8")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    assert lines[0] == "FROM python:3.11-slim"
    install = text[text.index("RUN pip install"):].split("&&")[0].replace("\\\n", " ")
    words = shlex.split(install)
    assert words[words.index("-c") + 1] == "constraints.txt"
    editables = {words[i + 1] for i, w in enumerate(words) if w == "-e"}
    assert editables >= {"shared", *(f"services/{s}" for s in SERVICES)}
    assert all((ROOT / e / "pyproject.toml").is_file() for e in editables), editables
    user = [ln for ln in lines if ln.startswith("USER ")]
    assert user and not user[-1].split()[1].startswith(("root", "0"))
    for src in re.findall(r"^COPY (\S+)", text, re.M):
        assert (ROOT / src).exists(), src


def test_the_console_calls_every_api_and_waits_for_them(compose: dict[str, Any]) -> None:
    console = compose["services"]["console"]
    assert console["command"] == ["gunicorn", "-c", "deploy/gunicorn.conf.py",
                                  "console.wsgi:app"]
    env = console["environment"]
    for svc in SERVICES:
        assert env[f"CONSOLE_{svc.upper()}_URL"] == f"http://{svc}-api:8000"
        assert console["depends_on"][f"{svc}-api"]["condition"] == "service_healthy"
    assert "${CONSOLE_SECRET_KEY:?" in env["CONSOLE_SECRET_KEY"]  # never a default secret
    # checks the links notify signs and signs the sheets' codes: the services' key set
    assert env["LINK_KEYS"] == "${LINK_KEYS:?set LINK_KEYS in .env}"
    assert "EVENT_KEYS" not in env  # the console opens no event
    assert "DATABASE_URL" not in " ".join(env) and "BUS_URL" not in env


def test_containers_run_as_non_root_read_only_within_limits(compose: dict[str, Any]) -> None:
    for name, spec in compose["services"].items():
        assert spec.get("mem_limit") and spec.get("cpus"), f"{name}: no resource limits"
        if name in ("rabbitmq", "postgres"):  # their images drop root themselves
            continue
        assert spec["user"] and not str(spec["user"]).startswith(("0", "root")), name
        assert spec["read_only"] is True, name
        assert spec["cap_drop"] == ["ALL"], name
        assert "no-new-privileges:true" in spec["security_opt"], name


def test_only_the_console_is_a_trusted_proxy(compose: dict[str, Any]) -> None:
    from ipaddress import ip_address, ip_network

    services = compose["services"]
    console = services["console"]["networks"]["platform"]["ipv4_address"]
    subnet = compose["networks"]["platform"]["ipam"]["config"][0]["subnet"]
    assert ip_address(console) in ip_network(subnet)
    for proc in ("api", "scheduler", "migrate"):
        trusted = json.loads(services[f"identity-{proc}"]["environment"]["IDENTITY_TRUSTED_PROXIES"])
        assert trusted == [f"{console}/32"], proc


def test_the_broker_has_one_user_per_service_and_no_guest(compose: dict[str, Any],
                                                          tmp_path: Path) -> None:
    """Run deploy/rabbitmq/entrypoint.sh (with its paths moved into a temporary directory)
    and read the definitions it writes for RabbitMQ."""
    import subprocess

    rabbit = compose["services"]["rabbitmq"]
    assert "ports" not in rabbit  # no management port open on the host
    mounts = _mounts(rabbit)
    assert mounts["/etc/rabbitmq/permissions.json"] == "./deploy/rabbitmq/permissions.json"
    script = (ROOT / "deploy/rabbitmq/entrypoint.sh").read_text(encoding="utf-8")
    script = script.replace("/etc/rabbitmq/", f"{tmp_path}/").replace(
        'exec docker-entrypoint.sh "$@"', "exit 0")
    (tmp_path / "entrypoint.sh").write_text(script, encoding="utf-8")
    for container, host in mounts.items():
        if container.startswith("/etc/rabbitmq/") and container.endswith(".json"):
            (tmp_path / Path(container).name).write_text((ROOT / host).read_text("utf-8"))
    env = {k: v for k, v in rabbit["environment"].items()}
    filled = {k: f"pw-{k.lower().replace('_', '-')}" for k in env}
    done = subprocess.run(["sh", str(tmp_path / "entrypoint.sh")], env={"PATH": "/usr/bin:/bin", **filled},
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    defs = json.loads((tmp_path / "definitions.json").read_text(encoding="utf-8"))
    users = {u["name"]: u for u in defs["users"]}
    assert set(users) == set(EVENT_SERVICES)
    for svc, user in users.items():
        assert user["tags"] == "" and user["password"] == filled[f"RABBITMQ_{svc.upper()}_PASSWORD"]
    assert {p["user"] for p in defs["permissions"]} == set(EVENT_SERVICES)
    assert {p["vhost"] for p in defs["permissions"]} == {"dpf"} and defs["vhosts"] == [{"name": "dpf"}]
    # a missing password stops the broker before it starts
    missing = subprocess.run(["sh", str(tmp_path / "entrypoint.sh")],
                             env={"PATH": "/usr/bin:/bin", **filled,
                                  "RABBITMQ_VOLUNTEER_PASSWORD": ""},
                             capture_output=True, text=True, timeout=30)
    assert missing.returncode != 0 and "RABBITMQ_VOLUNTEER_PASSWORD" in missing.stderr
