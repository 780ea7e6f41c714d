"""deploy/k8s: every core-API object is valid for Kubernetes 1.31; the operators' objects
are checked structurally; the objects fit together.

Core objects (Namespace, ConfigMap, Secret, Deployment, Service, HorizontalPodAutoscaler
autoscaling/v2, PodDisruptionBudget, Job) are validated offline by kubernetes-validate
(its vendored ``v1.31.0-local-strict`` JSON schemas: unknown fields are errors).

The custom resources (``RabbitmqCluster`` rabbitmq.com/v1beta1 of the RabbitMQ Cluster
Operator, ``Cluster`` postgresql.cnpg.io/v1 of CloudNativePG) have no schema in any
installed package, and none is vendored here: they are checked against a hand-written
subset of the operators' documented fields (apiVersion, kind, required fields, known
top-level spec keys, the values this platform relies on). A typo in a deeper field of a
custom resource is not caught.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from svckit.config import PlatformSettings
from svckit.service import ROLES, discover

ROOT = Path(__file__).resolve().parents[1]
K8S = ROOT / "deploy" / "k8s"
K8S_VERSION = "1.31.0"
NAMESPACE = "assistive-platform"
#: the installed services (svckit.service.discover)
SERVICES = tuple(d.name for d in discover())
WORKERS = ("relay", "consumer", "scheduler")
#: services with fewer workers (identity neither publishes nor consumes events: its only
#: worker is the scheduler)
WORKERS_OF = {d.name: tuple(r for r in d.processes if r != "api")
              for d in discover() if d.processes != ROLES}
#: services on the broker: they publish (a relay) or consume (a consumer)
EVENT_SERVICES = tuple(d.name for d in discover() if {"relay", "consumer"} & set(d.processes))
JWKS_PATH = "/.well-known/jwks.json"
CRDS = {("rabbitmq.com/v1beta1", "RabbitmqCluster"), ("postgresql.cnpg.io/v1", "Cluster"),
        ("rabbitmq.com/v1beta1", "User"), ("rabbitmq.com/v1beta1", "Permission")}

# Top-level spec fields documented by the operators (a subset: the ones a deployment of
# this platform may reasonably set). Anything else under spec is taken for a typo.
RABBITMQ_SPEC_FIELDS = {
    "replicas", "image", "imagePullSecrets", "service", "persistence", "resources",
    "affinity", "tolerations", "rabbitmq", "tls", "override", "skipPostDeploySteps",
    "terminationGracePeriodSeconds", "secretBackend", "delayStartSeconds",
    "autoEnableAllFeatureFlags",
}
RABBITMQ_CONFIG_FIELDS = {
    "additionalPlugins", "additionalConfig", "advancedConfig", "envConfig", "erlangInetConfig",
}
CNPG_SPEC_FIELDS = {
    "instances", "imageName", "imagePullPolicy", "imagePullSecrets", "primaryUpdateStrategy",
    "primaryUpdateMethod", "bootstrap", "postgresql", "storage", "walStorage", "resources",
    "affinity", "monitoring", "backup", "superuserSecret", "enableSuperuserAccess", "managed",
    "description", "inheritedMetadata", "minSyncReplicas", "maxSyncReplicas", "startDelay",
    "stopDelay", "switchoverDelay", "failoverDelay", "logLevel", "certificates",
    "nodeMaintenanceWindow", "priorityClassName", "topologySpreadConstraints", "env", "envFrom",
    "enablePDB", "replicationSlots", "externalClusters", "replica", "projectedVolumeTemplate",
}


def _load(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


def _manifest_files() -> list[Path]:
    return sorted(p for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")


@pytest.fixture(scope="module")
def objects() -> list[dict[str, Any]]:
    return [d for p in _manifest_files() for d in _load(p)]


@pytest.fixture(scope="module")
def by_kind(objects: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    out = {}
    for d in objects:
        key = (d["kind"], d["metadata"]["name"])
        assert key not in out, f"duplicate {key}"
        out[key] = d
    return out


def _is_crd(doc: dict[str, Any]) -> bool:
    return (doc["apiVersion"], doc["kind"]) in CRDS


def test_core_objects_valid_against_the_kubernetes_schemas(objects: list[dict[str, Any]]) -> None:
    core = [d for d in objects if not _is_crd(d)]
    # 3 x (Job, 4 Deployments, Service, HPA, PDB) + identity (Job, 2 Deployments, Service,
    # HPA, PDB) + notify (Job, 3 Deployments, Service, HPA, PDB) + the console (Deployment,
    # Service) + Namespace, 2 ConfigMaps, the four Secret templates, the definitions import
    # Job + 13 NetworkPolicies
    assert len(core) == 3 * 8 + 6 + 7 + 2 + 8 + 13
    for doc in core:
        try:
            version = kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
        except kubernetes_validate.ValidationError as e:
            pytest.fail(f"{doc['kind']}/{doc['metadata']['name']}: {e.message} at {list(e.path)}")
        assert version == "1.31"


def test_strict_validation_catches_a_typo(by_kind: dict) -> None:
    doc = copy.deepcopy(by_kind[("Deployment", "inventory-api")])
    container = doc["spec"]["template"]["spec"]["containers"][0]
    container["livenesProbe"] = container.pop("livenessProbe")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_only_known_kinds(objects: list[dict[str, Any]]) -> None:
    kinds = {(d["apiVersion"], d["kind"]) for d in objects}
    assert kinds <= {
        ("v1", "Namespace"), ("v1", "ConfigMap"), ("v1", "Secret"), ("v1", "Service"),
        ("apps/v1", "Deployment"), ("batch/v1", "Job"), ("autoscaling/v2", "HorizontalPodAutoscaler"),
        ("policy/v1", "PodDisruptionBudget"), ("networking.k8s.io/v1", "NetworkPolicy"), *CRDS,
    }, kinds


def test_everything_in_one_namespace(objects: list[dict[str, Any]]) -> None:
    for d in objects:
        if d["kind"] == "Namespace":
            assert d["metadata"]["name"] == NAMESPACE
        else:
            assert d["metadata"]["namespace"] == NAMESPACE, d["metadata"]["name"]


def test_kustomization_lists_every_manifest_but_the_secret_template() -> None:
    kust = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    assert kust["kind"] == "Kustomization" and kust["namespace"] == NAMESPACE
    files = {p.name for p in _manifest_files()} - {"secret.template.yaml"}
    assert set(kust["resources"]) == files


def _containers(obj: dict[str, Any]) -> list[dict[str, Any]]:
    return obj["spec"]["template"]["spec"]["containers"]


def test_per_service_objects(by_kind: dict) -> None:
    for svc in SERVICES:
        api = by_kind[("Deployment", f"{svc}-api")]
        (c,) = _containers(api)
        assert c["command"] == ["gunicorn", "-c", "deploy/gunicorn.conf.py", f"{svc}.wsgi:app"]
        assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert "replicas" not in api["spec"], "the HPA owns the API's replica count"
        pod_labels = api["spec"]["template"]["metadata"]["labels"]
        assert api["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()

        service = by_kind[("Service", f"{svc}-api")]
        assert service["spec"]["selector"].items() <= pod_labels.items()
        port_names = {p["name"] for p in c["ports"]}
        assert {p["targetPort"] for p in service["spec"]["ports"]} <= port_names

        hpa = by_kind[("HorizontalPodAutoscaler", f"{svc}-api")]
        assert hpa["apiVersion"] == "autoscaling/v2"
        assert hpa["spec"]["scaleTargetRef"] == {
            "apiVersion": "apps/v1", "kind": "Deployment", "name": f"{svc}-api"}
        assert 2 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]

        pdb = by_kind[("PodDisruptionBudget", f"{svc}-api")]
        assert pdb["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()

        for proc in set(WORKERS) - set(WORKERS_OF.get(svc, WORKERS)):
            assert ("Deployment", f"{svc}-{proc}") not in by_kind
        for proc in WORKERS_OF.get(svc, WORKERS):
            dep = by_kind[("Deployment", f"{svc}-{proc}")]
            (w,) = _containers(dep)
            assert w["command"] == ["python", "-m", svc, proc]
            tpl_labels = dep["spec"]["template"]["metadata"]["labels"]
            assert dep["spec"]["selector"]["matchLabels"].items() <= tpl_labels.items()
        assert by_kind[("Deployment", f"{svc}-scheduler")]["spec"]["replicas"] == 1
        assert by_kind[("Deployment", f"{svc}-scheduler")]["spec"]["strategy"]["type"] == "Recreate"

        job = by_kind[("Job", f"{svc}-migrate")]
        (m,) = _containers(job)
        assert m["command"] == ["python", "-m", svc, "migrate"]
        assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"


def _workloads(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [d for d in objects if d["kind"] in ("Deployment", "Job")]


def test_every_container_has_resources_and_runs_as_non_root(objects: list[dict[str, Any]]) -> None:
    for w in _workloads(objects):
        pod = w["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, w["metadata"]["name"]
        for c in pod["containers"]:
            assert c["resources"]["requests"]["cpu"], w["metadata"]["name"]
            assert c["resources"]["requests"]["memory"], w["metadata"]["name"]
            assert c["resources"]["limits"]["memory"], w["metadata"]["name"]
            assert c["securityContext"]["allowPrivilegeEscalation"] is False


def test_environment_and_references_resolve(objects: list[dict[str, Any]], by_kind: dict) -> None:
    """Every Secret/ConfigMap a workload names exists here, or is made by an operator from
    a custom resource here (RabbitmqCluster X -> Secret X-default-user; CNPG Cluster X ->
    Secret X-app); every service process sees its own database only."""
    configmaps = {n for k, n in by_kind if k == "ConfigMap"}
    secrets = {n for k, n in by_kind if k == "Secret"}
    secrets |= {f"{n}-default-user" for k, n in by_kind if k == "RabbitmqCluster"}
    secrets |= {f"{n}-user-credentials" for k, n in by_kind if k == "User"}
    secrets |= {f"{n}-app" for k, n in by_kind
                if k == "Cluster" and by_kind[(k, n)]["apiVersion"] == "postgresql.cnpg.io/v1"}
    for w in _workloads(objects):
        pod = w["spec"]["template"]["spec"]
        for v in pod.get("volumes", []):
            if "configMap" in v:
                assert v["configMap"]["name"] in configmaps
        for c in pod["containers"]:
            for ef in c.get("envFrom", []):
                if "secretRef" in ef:
                    assert ef["secretRef"]["name"] in secrets, (w["metadata"]["name"], ef)
                else:
                    assert ef["configMapRef"]["name"] in configmaps
            for e in c.get("env", []):
                ref = e.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["name"] in secrets, (w["metadata"]["name"], ref)
    for svc in SERVICES:
        workers = WORKERS_OF.get(svc, WORKERS)
        for name, kind in ((f"{svc}-api", "Deployment"), (f"{svc}-migrate", "Job"),
                           *((f"{svc}-{p}", "Deployment") for p in workers)):
            (c,) = _containers(by_kind[(kind, name)])
            env = {e["name"]: e for e in c["env"]}
            db = env[f"{svc.upper()}_DATABASE_URL"]["valueFrom"]["secretKeyRef"]
            assert db == {"name": f"{svc}-db-app", "key": "uri"}
            others = {f"{o.upper()}_DATABASE_URL" for o in SERVICES if o != svc}
            assert not others & set(env)
            assert "AUTH_PUBLIC_KEY" not in env  # verified against the JWKS (platform-config)
            if svc in EVENT_SERVICES:
                assert env["BUS_URL"]["value"] == ("amqp://$(BUS_USERNAME):$(BUS_PASSWORD)"
                                                   "@rabbitmq:5672/dpf")
                for var in ("BUS_USERNAME", "BUS_PASSWORD"):  # its own broker user
                    ref = env[var]["valueFrom"]["secretKeyRef"]
                    assert ref["name"] == f"{svc}-bus-user-credentials", (name, ref)
                names = list(env)
                assert names.index("BUS_USERNAME") < names.index("BUS_URL")
                assert names.index("BUS_PASSWORD") < names.index("BUS_URL")
            else:
                assert not {"BUS_URL", "BUS_USERNAME", "BUS_PASSWORD"} & set(env), name
            # only the identity API holds the signing key
            key = env.get("IDENTITY_SIGNING_KEY", {}).get("valueFrom", {}).get("secretKeyRef")
            if name == "identity-api":
                assert key == {"name": "identity-signing-key", "key": "IDENTITY_SIGNING_KEY"}
                assert env["AUTH_JWKS_URL"]["value"] == f"http://127.0.0.1:8000{JWKS_PATH}"
            else:
                assert key is None, name


def test_tokens_are_verified_against_the_identity_jwks(by_kind: dict) -> None:
    data = by_kind[("ConfigMap", "platform-config")]["data"]
    service = by_kind[("Service", "identity-api")]
    (port,) = service["spec"]["ports"]
    assert port["port"] == 80
    assert data["AUTH_JWKS_URL"] == f"http://{service['metadata']['name']}{JWKS_PATH}"
    assert "AUTH_PUBLIC_KEY" not in data
    from identity.entrypoints.api import PUBLIC_PATHS

    assert JWKS_PATH.startswith(PUBLIC_PATHS)


def test_platform_config_matches_the_generated_definitions(
    by_kind: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = by_kind[("ConfigMap", "platform-config")]["data"]
    defaults = PlatformSettings.model_construct()
    assert tuple(json.loads(data["RETRY_DELAYS_MS"])) == tuple(defaults.retry_delays_ms)
    assert int(data["DELIVERY_LIMIT"]) == defaults.delivery_limit
    assert "BUS_PREFIX" not in data
    assert all(isinstance(v, str) for v in data.values())
    for key, value in data.items():  # the processes read it as environment variables
        monkeypatch.setenv(key, value)
    settings = PlatformSettings()
    assert settings.retry_delays_ms == defaults.retry_delays_ms
    assert settings.consumer_prefetch == int(data["CONSUMER_PREFETCH"])


def test_secret_template_holds_no_secret(by_kind: dict) -> None:
    secret = by_kind[("Secret", "identity-signing-key")]
    value = secret["stringData"]["IDENTITY_SIGNING_KEY"]
    assert "BEGIN" not in value and value.startswith("REPLACE")
    assert "data" not in secret
    keys = by_kind[("Secret", "platform-keys")]
    assert set(keys["stringData"]) == {"EVENT_KEYS", "LINK_KEYS"}
    assert all(v.startswith("REPLACE") for v in keys["stringData"].values())


def test_every_event_process_shares_the_platform_keys(objects: list[dict[str, Any]]) -> None:
    """Sealed event fields (EVENT_KEYS) and signed links (LINK_KEYS) need one key set for
    every pod: each container of the four event services reads the platform-keys Secret;
    the console reads LINK_KEYS from it; identity reads neither."""
    seen = set()
    for obj in objects:
        if obj["kind"] not in ("Deployment", "Job", "CronJob"):
            continue
        pod = obj["spec"]["template"]["spec"]
        if obj["kind"] == "CronJob":
            pod = obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        service = obj["metadata"]["labels"].get("app.kubernetes.io/name", "")
        for c in pod["containers"]:
            refs = {e["secretRef"]["name"] for e in c.get("envFrom", []) if "secretRef" in e}
            env = {e["name"]: e for e in c.get("env", [])}
            if service in ("inventory", "renovation", "volunteer", "notify"):
                assert "platform-keys" in refs, f"{obj['metadata']['name']}/{c['name']}"
                seen.add(service)
            elif service == "console":
                ref = env["LINK_KEYS"]["valueFrom"]["secretKeyRef"]
                assert ref == {"name": "platform-keys", "key": "LINK_KEYS"}
                assert "platform-keys" not in refs  # not the event keys
            else:
                assert "platform-keys" not in refs and "LINK_KEYS" not in env, service
    assert seen == {"inventory", "renovation", "volunteer", "notify"}


def test_rabbitmq_cluster(by_kind: dict) -> None:
    rc = by_kind[("RabbitmqCluster", "rabbitmq")]
    assert rc["apiVersion"] == "rabbitmq.com/v1beta1"
    spec = rc["spec"]
    assert set(spec) <= RABBITMQ_SPEC_FIELDS, set(spec) - RABBITMQ_SPEC_FIELDS
    assert set(spec["rabbitmq"]) <= RABBITMQ_CONFIG_FIELDS
    assert spec["replicas"] == 3
    assert spec["image"].startswith("rabbitmq:3.13")
    assert isinstance(spec["rabbitmq"]["additionalConfig"], str)
    assert "load_definitions" not in spec["rabbitmq"]["additionalConfig"], (
        "boot-time import would suppress the operator's default user")
    assert spec["persistence"]["storage"]


def test_definitions_are_imported_from_the_generated_configmap(by_kind: dict) -> None:
    job = by_kind[("Job", "rabbitmq-definitions-import")]
    pod = job["spec"]["template"]["spec"]
    (vol,) = pod["volumes"]
    assert vol["configMap"]["name"] == "rabbitmq-definitions"
    (c,) = pod["containers"]
    (mount,) = c["volumeMounts"]
    assert mount["name"] == vol["name"]
    script = " ".join(c["command"])
    assert f"@{mount['mountPath']}/definitions.json" in script
    assert "http://rabbitmq:15672/api/definitions" in script
    cm = by_kind[("ConfigMap", "rabbitmq-definitions")]
    committed = json.loads((ROOT / "deploy/rabbitmq/definitions.json").read_text(encoding="utf-8"))
    assert json.loads(cm["data"]["definitions.json"]) == committed


def test_postgresql_clusters(by_kind: dict) -> None:
    clusters = {n: d for (k, n), d in by_kind.items() if k == "Cluster"}
    assert set(clusters) == {f"{s}-db" for s in SERVICES}
    for svc in SERVICES:
        cl = clusters[f"{svc}-db"]
        assert cl["apiVersion"] == "postgresql.cnpg.io/v1"
        spec = cl["spec"]
        assert set(spec) <= CNPG_SPEC_FIELDS, set(spec) - CNPG_SPEC_FIELDS
        assert isinstance(spec["instances"], int) and spec["instances"] >= 2
        assert spec["storage"]["size"]
        assert spec["bootstrap"]["initdb"] == {"database": svc, "owner": svc}
        params = spec["postgresql"]["parameters"]
        assert all(isinstance(v, str) for v in params.values()), "CNPG parameters are strings"


def test_the_console_reaches_every_api_and_keeps_its_key_secret(
        objects: list[dict[str, Any]]) -> None:
    console = next(d for d in objects
                   if d["kind"] == "Deployment" and d["metadata"]["name"] == "console")
    env = {e["name"]: e for e in console["spec"]["template"]["spec"]["containers"][0]["env"]}
    services = {d["metadata"]["name"] for d in objects if d["kind"] == "Service"}
    for svc in ("identity", "inventory", "renovation", "volunteer"):
        assert env[f"CONSOLE_{svc.upper()}_URL"]["value"] == f"http://{svc}-api"
        assert f"{svc}-api" in services
    assert env["CONSOLE_SECRET_KEY"]["valueFrom"]["secretKeyRef"]["name"] == "console-secret"
    assert env["CONSOLE_COOKIE_SECURE"]["value"] == "true"


def test_every_container_has_liveness_and_readiness_probes(objects: list[dict[str, Any]]) -> None:
    for w in objects:
        if w["kind"] != "Deployment":
            continue
        for c in w["spec"]["template"]["spec"]["containers"]:
            assert c.get("livenessProbe") and c.get("readinessProbe"), w["metadata"]["name"]
            assert c["resources"]["limits"]["memory"], w["metadata"]["name"]


def test_secrets_are_referenced_never_inlined(objects: list[dict[str, Any]]) -> None:
    """No credential in an env value or ConfigMap: passwords, keys and URLs with a user
    come from a Secret."""
    secretish = ("PASSWORD", "SECRET", "SIGNING_KEY", "DATABASE_URL", "REDIS_URL", "USERNAME")
    for w in _workloads(objects):
        for c in w["spec"]["template"]["spec"]["containers"]:
            for e in c.get("env", []):
                if any(s in e["name"] for s in secretish):
                    assert "secretKeyRef" in e.get("valueFrom", {}), (w["metadata"]["name"], e)
                value = str(e.get("value", ""))
                assert "@" not in value or "$(BUS_PASSWORD)@" in value, e  # no user:pw@ inline
    for d in objects:
        if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "platform-config":
            assert not any(s in k for k in d["data"] for s in secretish)


def _policies(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in objects if d["kind"] == "NetworkPolicy"}


def _peers(policy: dict[str, Any], port: int | str) -> list[dict[str, Any]]:
    return [peer for rule in policy["spec"]["ingress"]
            if any(p["port"] == port for p in rule["ports"]) for peer in rule["from"]]


def _selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    return selector["matchLabels"].items() <= labels.items()


def test_network_policies_deny_by_default(objects: list[dict[str, Any]]) -> None:
    deny = _policies(objects)["default-deny-ingress"]
    assert deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress"]}


def test_only_the_console_and_ingress_reach_the_apis(objects: list[dict[str, Any]],
                                                     by_kind: dict) -> None:
    policies = _policies(objects)
    console = by_kind[("Deployment", "console")]["spec"]["template"]["metadata"]["labels"]
    pods = {d["metadata"]["name"]: d["spec"]["template"]["metadata"]["labels"]
            for d in _workloads(objects)}
    for svc in SERVICES:
        policy = policies[f"{svc}-api"]
        assert _selects(policy["spec"]["podSelector"], pods[f"{svc}-api"])
        peers = _peers(policy, "http")
        assert sum(len(r["from"]) for r in policy["spec"]["ingress"]) == len(peers)
        assert any("podSelector" in p and _selects(p["podSelector"], console) for p in peers)
        assert any(p.get("namespaceSelector", {}).get("matchLabels") ==
                   {"kubernetes.io/metadata.name": "ingress-nginx"} for p in peers)
        reached_by = {name for name, labels in pods.items()
                      if any("podSelector" in p and _selects(p["podSelector"], labels)
                             for p in peers)}
        # the console, and for identity's JWKS the other APIs; no worker, no migration
        expected = {"console"} | ({f"{s}-api" for s in SERVICES} if svc == "identity" else set())
        assert reached_by == expected, (svc, reached_by)
    (peer,) = _peers(policies["console"], "http")
    assert "podSelector" not in peer  # the console from the ingress controller only


def test_only_the_services_reach_the_broker_and_their_databases(
        objects: list[dict[str, Any]]) -> None:
    policies = _policies(objects)
    pods = {d["metadata"]["name"]: d["spec"]["template"]["metadata"]["labels"]
            for d in _workloads(objects)}
    amqp = _peers(policies["rabbitmq"], 5672)
    reach = {n for n, labels in pods.items()
             if any("podSelector" in p and _selects(p["podSelector"], labels) for p in amqp)}
    expected = {n for n in pods if n.split("-")[0] in EVENT_SERVICES}
    assert reach == expected, reach ^ expected
    assert not any("namespaceSelector" in p for p in amqp)
    for svc in SERVICES:
        policy = policies[f"{svc}-db"]
        assert policy["spec"]["podSelector"]["matchLabels"] == {"cnpg.io/cluster": f"{svc}-db"}
        peers = _peers(policy, 5432)
        reach = {n for n, labels in pods.items()
                 if any("podSelector" in p and _selects(p["podSelector"], labels) for p in peers)}
        assert reach == {n for n in pods if n.split("-")[0] == svc}, (svc, reach)


def test_each_service_has_its_own_broker_user_without_tags(objects: list[dict[str, Any]]) -> None:
    users = {d["metadata"]["name"]: d for d in objects if d["kind"] == "User"}
    perms = {d["metadata"]["name"]: d for d in objects if d["kind"] == "Permission"}
    generated = {p["user"]: p for p in json.loads(
        (ROOT / "deploy/rabbitmq/permissions.json").read_text(encoding="utf-8"))}
    assert set(users) == set(perms) == {f"{s}-bus" for s in EVENT_SERVICES}
    for svc in EVENT_SERVICES:
        user, perm = users[f"{svc}-bus"], perms[f"{svc}-bus"]
        assert user["spec"]["tags"] == []  # no administrator, no management
        assert user["spec"]["rabbitmqClusterReference"] == {"name": "rabbitmq"}
        assert perm["spec"]["userReference"] == {"name": f"{svc}-bus"}
        assert perm["spec"]["vhost"] == generated[svc]["vhost"] == "dpf"
        for k in ("configure", "write", "read"):
            assert perm["spec"]["permissions"][k] == generated[svc][k]
