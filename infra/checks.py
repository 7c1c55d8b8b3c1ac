#!/usr/bin/env python3
"""Structural checks of Deal Brain's operations files, run by scripts/check-ops.sh.

What the operators' tools (promtool, docker compose, hadolint, kubernetes-validate,
check-jsonschema, nginx -t) do not see is checked here:

  yaml        every YAML file parses, with no duplicate keys (PyYAML keeps the last silently)
  dashboards  Grafana JSON parses; unique uids and panel ids; every query names the
              provisioned datasource; panels fit the 24-column grid
  metrics     the metric names used by the alert rules and dashboards are exactly
              infra/metrics.txt, and each comes from the metric contract of issue 9
  alerts      every alert rule has a `promtool test rules` case
  otel        every collector pipeline names defined receivers/processors/exporters
  compose     `docker compose config --format json` output (path given): the eight services,
              their host ports, health checks, depends_on conditions, named volumes, secrets as
              files, the `scaled` profile
  k8s         selectors match pod labels, probes and resources, HPA/Service/ConfigMap/Secret
              references resolve, kustomization lists every manifest
  just        the Justfile defines every documented recipe, each with a doc comment

Usage: checks.py CHECK [ARGS...]   (`checks.py all COMPOSE_JSON SCALED_COMPOSE_JSON`)
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
INFRA = ROOT / "infra"

# Issue 9's metric contract (families). Histograms are queried through their _bucket series.
CONTRACT = {
    "http_requests_total",
    "http_request_duration_seconds",
    "http_requests_in_progress",
    "graphql_operations_total",
    "graphql_operation_duration_seconds",
    "listing_valuations_total",
    "valuation_duration_seconds",
    "recalc_jobs_total",
    "recalc_queue_depth",
    "subscriptions_active",
    "events_published_total",
    "events_delivered_total",
    "db_pool_connections",
}
# Series Prometheus makes itself; they never appear on an app's /metrics.
SYNTHETIC = {"up", "scrape_duration_seconds", "scrape_samples_scraped"}

errors: list[str] = []


def fail(msg: str) -> None:
    errors.append(msg)


def rel(p: Path) -> str:
    return str(p.relative_to(ROOT))


# --- YAML ------------------------------------------------------------------------------------


class UniqueKeyLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False):
    seen = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep)


UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml_all(path: Path) -> list:
    with path.open() as f:
        return list(yaml.load_all(f, Loader=UniqueKeyLoader))


def yaml_files() -> list[Path]:
    files = [
        p
        for p in sorted(INFRA.rglob("*"))
        if p.suffix in {".yml", ".yaml"} and "secrets" not in p.relative_to(INFRA).parts
    ]
    files += [ROOT / "docker-compose.yml", ROOT / ".pre-commit-config.yaml"]
    files += sorted((ROOT / ".github" / "workflows").glob("*.yml"))
    return files


def check_yaml() -> None:
    for p in yaml_files():
        if not p.exists():
            fail(f"yaml: {rel(p)} is missing")
            continue
        try:
            docs = load_yaml_all(p)
        except yaml.YAMLError as e:
            fail(f"yaml: {rel(p)}: {e}")
            continue
        if not any(d is not None for d in docs):
            fail(f"yaml: {rel(p)} is empty")


# --- PromQL metric names ---------------------------------------------------------------------

PROMQL_WORDS = {
    "and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right",
    "bool", "offset", "inf", "nan", "atan2",
}


def promql_metrics(expr: str) -> set[str]:
    """Metric names a PromQL expression selects (names, not functions, labels or keywords)."""
    s = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`', '""', expr)
    s = re.sub(r"\{[^}]*\}", " ", s)  # label matchers
    s = re.sub(r"\[[^\]]*\]", " ", s)  # ranges and subqueries
    s = re.sub(
        r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", s
    )  # label lists
    s = re.sub(r"\$\{?\w+\}?", " ", s)  # Grafana variables
    names = set()
    for m in re.finditer(r"(?<![\w.:])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?", s):
        word, call = m.group(1), m.group(2)
        if call or word.lower() in PROMQL_WORDS:
            continue
        names.add(word)
    return names


def rule_exprs() -> dict[str, str]:
    out = {}
    for p in sorted((INFRA / "prometheus" / "rules").glob("*.yml")):
        for group in load_yaml_all(p)[0]["groups"]:
            for r in group["rules"]:
                out[f"{rel(p)}:{r.get('alert') or r.get('record')}"] = r["expr"]
    return out


def dashboard_files() -> list[Path]:
    return sorted((INFRA / "grafana" / "dashboards").glob("*.json"))


def dashboard_exprs(d: dict) -> list[str]:
    out = []
    for p in d.get("panels", []):
        for t in p.get("targets", []):
            out.append(t.get("expr", ""))
    for v in d.get("templating", {}).get("list", []):
        q = v.get("query")
        q = q.get("query", "") if isinstance(q, dict) else (q or "")
        m = re.fullmatch(r"\s*label_values\((.*),\s*\w+\)\s*", q)
        if m:
            out.append(m.group(1))
        elif q.startswith("query_result("):
            out.append(q[len("query_result(") : -1])
    return out


def check_metrics() -> None:
    used: dict[str, set[str]] = {}
    for where, expr in rule_exprs().items():
        for n in promql_metrics(expr):
            used.setdefault(n, set()).add(where)
    for p in dashboard_files():
        d = json.loads(p.read_text())
        for expr in dashboard_exprs(d):
            for n in promql_metrics(expr):
                used.setdefault(n, set()).add(rel(p))
    names = {n for n in used if n not in SYNTHETIC}
    listed_lines = [
        ln.strip() for ln in (INFRA / "metrics.txt").read_text().splitlines() if ln.strip()
    ]
    listed = set(listed_lines)
    if len(listed) != len(listed_lines):
        fail("metrics: infra/metrics.txt lists a name twice")
    if listed_lines != sorted(listed_lines):
        fail("metrics: infra/metrics.txt is not sorted")
    for n in sorted(names - listed):
        fail(f"metrics: {n} (used in {', '.join(sorted(used[n]))}) is missing from infra/metrics.txt")
    for n in sorted(listed - names):
        fail(f"metrics: {n} is in infra/metrics.txt but no rule or dashboard uses it")
    for n in sorted(names):
        base = re.sub(r"_(bucket|sum|count)$", "", n)
        if n not in CONTRACT and base not in CONTRACT:
            fail(f"metrics: {n} is not a metric of the issue 9 contract (infra/README.md)")


# --- alert rule tests ------------------------------------------------------------------------


def check_alert_tests() -> None:
    alerts = {k.split(":")[-1] for k in rule_exprs()}
    tested = set()
    for p in sorted((INFRA / "prometheus" / "tests").glob("*.yml")):
        for t in load_yaml_all(p)[0].get("tests", []):
            for a in t.get("alert_rule_test", []):
                tested.add(a["alertname"])
    for a in sorted(alerts - tested):
        fail(f"alerts: {a} has no case in infra/prometheus/tests/")


# --- Grafana ---------------------------------------------------------------------------------


def check_dashboards() -> None:
    ds = load_yaml_all(INFRA / "grafana" / "provisioning" / "datasources" / "prometheus.yml")[0]
    ds_uids = {d["uid"] for d in ds["datasources"]}
    prov = load_yaml_all(INFRA / "grafana" / "provisioning" / "dashboards" / "dealbrain.yml")[0]
    if not prov.get("providers"):
        fail("dashboards: no dashboard provider")
    files = dashboard_files()
    if len(files) < 3:
        fail("dashboards: expected the API, valuations/worker and subscriptions dashboards")
    uids: dict[str, str] = {}
    for p in files:
        try:
            d = json.loads(p.read_text())
        except json.JSONDecodeError as e:
            fail(f"dashboards: {rel(p)} is not JSON: {e}")
            continue
        uid = d.get("uid")
        if not uid or not d.get("title"):
            fail(f"dashboards: {rel(p)} needs a uid and a title")
        elif uid in uids:
            fail(f"dashboards: {rel(p)} and {uids[uid]} share uid {uid}")
        else:
            uids[uid] = rel(p)
        ids = set()
        for panel in d.get("panels", []):
            pid = panel.get("id")
            if pid in ids:
                fail(f"dashboards: {rel(p)} has two panels with id {pid}")
            ids.add(pid)
            g = panel.get("gridPos", {})
            if g.get("x", 0) + g.get("w", 0) > 24 or g.get("w", 0) <= 0 or g.get("h", 0) <= 0:
                fail(f"dashboards: {rel(p)} panel {pid} does not fit the grid: {g}")
            if panel.get("type") == "row":
                continue
            if panel.get("datasource", {}).get("uid") not in ds_uids:
                fail(f"dashboards: {rel(p)} panel {pid} uses an unprovisioned datasource")
            targets = panel.get("targets") or []
            if not targets:
                fail(f"dashboards: {rel(p)} panel {pid} ({panel.get('title')}) has no query")
            refs = [t.get("refId") for t in targets]
            if len(set(refs)) != len(refs):
                fail(f"dashboards: {rel(p)} panel {pid} repeats a refId")
            for t in targets:
                if not t.get("expr", "").strip():
                    fail(f"dashboards: {rel(p)} panel {pid} has an empty query")
                if t.get("expr", "").count("(") != t.get("expr", "").count(")"):
                    fail(f"dashboards: {rel(p)} panel {pid} has unbalanced parentheses")


# --- OpenTelemetry collector -----------------------------------------------------------------


def check_otel() -> None:
    c = load_yaml_all(INFRA / "otel" / "collector.yml")[0]
    svc = c.get("service", {})
    for ext in svc.get("extensions", []):
        if ext not in c.get("extensions", {}):
            fail(f"otel: service extension {ext} is not defined")
    pipelines = svc.get("pipelines", {})
    for name in ("traces", "metrics"):
        if name not in pipelines:
            fail(f"otel: no {name} pipeline")
    for name, p in pipelines.items():
        for kind in ("receivers", "processors", "exporters"):
            for comp in p.get(kind, []):
                if comp not in (c.get(kind) or {}):
                    fail(f"otel: pipeline {name} names undefined {kind[:-1]} {comp}")
        if not p.get("receivers") or not p.get("exporters"):
            fail(f"otel: pipeline {name} needs receivers and exporters")
    if "prometheus" not in pipelines.get("metrics", {}).get("exporters", []):
        fail("otel: the metrics pipeline must export to prometheus")


# --- docker compose --------------------------------------------------------------------------

EIGHT = {
    "db": 5442,
    "redis": 6399,
    "api": 8020,
    "worker": None,
    "web": 3020,
    "otel-collector": None,
    "prometheus": 9090,
    "grafana": 3021,
}
NO_HEALTHCHECK = {"otel-collector", "migrate"}  # no shell/client in the image; one-shot


def check_compose(path: str, scaled: bool) -> None:
    cfg = json.loads(Path(path).read_text())
    label = "compose[scaled]" if scaled else "compose"
    services = cfg.get("services", {})
    expected = set(EIGHT) | ({"api-replica", "worker-replica", "lb"} if scaled else set())
    for s in sorted(expected - set(services)):
        fail(f"{label}: service {s} is missing")
    if not scaled:
        for s in ("api-replica", "worker-replica", "lb"):
            if s in services:
                fail(f"{label}: {s} must only run with --profile scaled")
    for name, svc in services.items():
        if name not in NO_HEALTHCHECK and not svc.get("healthcheck", {}).get("test"):
            fail(f"{label}: {name} has no health check")
        for dep, spec in (svc.get("depends_on") or {}).items():
            if dep not in services:
                fail(f"{label}: {name} depends on unknown service {dep}")
                continue
            cond = spec.get("condition")
            if cond not in {"service_healthy", "service_started", "service_completed_successfully"}:
                fail(f"{label}: {name} -> {dep} has no depends_on condition")
            if cond == "service_healthy" and not services[dep].get("healthcheck"):
                fail(f"{label}: {name} waits for {dep} to be healthy but it has no health check")
        for v in svc.get("volumes") or []:
            if v.get("type") == "volume" and v.get("source") not in (cfg.get("volumes") or {}):
                fail(f"{label}: {name} mounts undeclared volume {v.get('source')}")
            if v.get("type") == "bind" and not Path(v["source"]).exists():
                fail(f"{label}: {name} bind-mounts missing {v['source']}")
        for s in svc.get("secrets") or []:
            if s.get("source") not in (cfg.get("secrets") or {}):
                fail(f"{label}: {name} uses undeclared secret {s.get('source')}")
        env = svc.get("environment") or {}
        for k, v in env.items():
            if re.search(r"(PASSWORD|SECRET|TOKEN)", k) and not k.endswith("_FILE") and v:
                fail(f"{label}: {name} puts {k} in the environment; use a secret file")
        if re.search(r"://[^/@\s]+:[^/@\s]+@", json.dumps(env)):
            fail(f"{label}: {name} has a URL with a password in its environment")
    for s, port in EIGHT.items():
        if s not in services or port is None:
            continue
        published = {int(p.get("published", 0)) for p in services[s].get("ports") or []}
        if port not in published:
            fail(f"{label}: {s} must publish host port {port} (has {sorted(published)})")
    for name, sec in (cfg.get("secrets") or {}).items():
        f = sec.get("file")
        if not f:
            fail(f"{label}: secret {name} must be a file")
        elif INFRA / "secrets" not in Path(f).parents:
            fail(f"{label}: secret {name} must live in infra/secrets/ (git-ignored)")
    if scaled:
        lb = services.get("lb", {})
        if not lb.get("ports"):
            fail(f"{label}: lb publishes no port")
        conf = (INFRA / "nginx" / "default.conf").read_text()
        for needle, what in [
            ("least_conn;", "a least-connections upstream"),
            ("proxy_set_header Upgrade $http_upgrade;", "the WebSocket upgrade"),
            ("location = /health", "a /health location"),
            ("server api-replica:8000", "the api replicas in the upstream"),
        ]:
            if needle not in conf:
                fail(f"{label}: infra/nginx/default.conf lacks {what}")


# --- Kubernetes ------------------------------------------------------------------------------


def check_k8s() -> None:
    d = INFRA / "k8s"
    objs: list[tuple[str, dict]] = []
    for p in sorted(d.glob("*.yaml")):
        for o in load_yaml_all(p):
            if o:
                objs.append((p.name, o))
    kust = next((o for f, o in objs if o.get("kind") == "Kustomization"), None)
    manifests = {f for f, o in objs if o.get("kind") != "Kustomization"}
    if kust is None:
        fail("k8s: no kustomization.yaml")
    else:
        listed = set(kust.get("resources", []))
        for f in sorted(manifests - listed - {"secret.example.yaml"}):
            fail(f"k8s: {f} is not in kustomization.yaml")
        for f in sorted(listed - manifests):
            fail(f"k8s: kustomization.yaml lists missing {f}")
    by_kind: dict[str, dict[str, dict]] = {}
    for _, o in objs:
        for key in ("apiVersion", "kind"):
            if key not in o:
                fail(f"k8s: an object lacks {key}")
        if o.get("kind") != "Kustomization":
            by_kind.setdefault(o["kind"], {})[o["metadata"]["name"]] = o
    deployments = by_kind.get("Deployment", {})
    pod_specs: list[tuple[str, dict, dict]] = []
    for name, dep in deployments.items():
        spec = dep["spec"]
        labels = spec["template"]["metadata"].get("labels", {})
        for k, v in spec["selector"].get("matchLabels", {}).items():
            if labels.get(k) != v:
                fail(f"k8s: Deployment {name} selector {k}={v} does not match its pods")
        pod_specs.append((f"Deployment {name}", spec["template"]["spec"], labels))
        for c in spec["template"]["spec"]["containers"]:
            for probe in ("livenessProbe", "readinessProbe"):
                if probe not in c:
                    fail(f"k8s: Deployment {name} container {c['name']} has no {probe}")
            res = c.get("resources", {})
            if not res.get("requests") or not res.get("limits"):
                fail(f"k8s: Deployment {name} container {c['name']} needs requests and limits")
    for name, job in by_kind.get("Job", {}).items():
        pod_specs.append((f"Job {name}", job["spec"]["template"]["spec"], {}))
    api = deployments.get("dealbrain-api")
    if not api:
        fail("k8s: no dealbrain-api Deployment")
    else:
        if api["spec"].get("replicas") != 3:
            fail("k8s: dealbrain-api must run 3 replicas")
        c = api["spec"]["template"]["spec"]["containers"][0]
        if c.get("livenessProbe", {}).get("httpGet", {}).get("path") != "/health":
            fail("k8s: dealbrain-api liveness must be /health")
        if c.get("readinessProbe", {}).get("httpGet", {}).get("path") != "/ready":
            fail("k8s: dealbrain-api readiness must be /ready")
    if "dealbrain-worker" not in deployments:
        fail("k8s: no dealbrain-worker Deployment")
    if not any("migrate" in (c.get("args") or []) for j in by_kind.get("Job", {}).values()
               for c in j["spec"]["template"]["spec"]["containers"]):
        fail("k8s: no migration Job")
    hpas = by_kind.get("HorizontalPodAutoscaler", {})
    if not hpas:
        fail("k8s: no HorizontalPodAutoscaler")
    for name, h in hpas.items():
        t = h["spec"]["scaleTargetRef"]
        if t["kind"] != "Deployment" or t["name"] not in deployments:
            fail(f"k8s: HPA {name} targets unknown {t['kind']} {t['name']}")
    configmaps = set(by_kind.get("ConfigMap", {}))
    secrets = set(by_kind.get("Secret", {}))
    for where, pod, _ in pod_specs:
        for c in pod["containers"]:
            for ef in c.get("envFrom", []):
                ref = ef.get("configMapRef", {}).get("name")
                if ref and ref not in configmaps:
                    fail(f"k8s: {where} reads unknown ConfigMap {ref}")
            mounts = {m["name"] for m in c.get("volumeMounts", [])}
            vols = {v["name"] for v in pod.get("volumes", [])}
            for m in sorted(mounts - vols):
                fail(f"k8s: {where} mounts undefined volume {m}")
        for v in pod.get("volumes", []):
            s = v.get("secret", {}).get("secretName")
            if s and s not in secrets:
                fail(f"k8s: {where} uses Secret {s} that secret.example.yaml does not describe")
        if not pod.get("securityContext", {}).get("runAsNonRoot"):
            fail(f"k8s: {where} must set runAsNonRoot")
    for name, svc in by_kind.get("Service", {}).items():
        sel = svc["spec"].get("selector", {})
        match = [
            (w, pod, lbl) for w, pod, lbl in pod_specs
            if lbl and all(lbl.get(k) == v for k, v in sel.items())
        ]
        if not match:
            fail(f"k8s: Service {name} selects no pods")
            continue
        ports = {p.get("name") for _, pod, _ in match for c in pod["containers"]
                 for p in c.get("ports", [])}
        for p in svc["spec"].get("ports", []):
            tp = p.get("targetPort")
            if isinstance(tp, str) and tp not in ports:
                fail(f"k8s: Service {name} targets unknown port name {tp}")
    cm = by_kind.get("ConfigMap", {}).get("dealbrain-config", {}).get("data", {})
    for k in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY"):
        if k in cm:
            fail(f"k8s: {k} belongs in the Secret (as {k}_FILE), not the ConfigMap")


# --- Justfile --------------------------------------------------------------------------------

RECIPES = [
    "setup", "run", "api", "worker", "web", "test", "lint", "fmt", "up", "down", "logs",
    "migrate", "seed", "schema", "bench", "backup", "restore",
]


def check_just() -> None:
    lines = (ROOT / "Justfile").read_text().splitlines()
    defined = {}
    for i, ln in enumerate(lines):
        m = re.match(r"^(@?)([a-zA-Z][\w-]*)(\s[^:]*)?:(?!=)", ln)
        if m:
            doc = i > 0 and lines[i - 1].startswith("#") and not lines[i - 1].startswith("#!")
            defined[m.group(2)] = doc
    for r in RECIPES:
        if r not in defined:
            fail(f"just: recipe {r} is missing")
        elif not defined[r]:
            fail(f"just: recipe {r} has no doc comment (shown by `just --list`)")


# --- main ------------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    check, args = argv[0], argv[1:]
    table = {
        "yaml": check_yaml,
        "dashboards": check_dashboards,
        "metrics": check_metrics,
        "alerts": check_alert_tests,
        "otel": check_otel,
        "k8s": check_k8s,
        "just": check_just,
    }
    if check == "all":
        for f in table.values():
            f()
        if len(args) == 2:
            check_compose(args[0], scaled=False)
            check_compose(args[1], scaled=True)
    elif check == "compose":
        check_compose(args[0], scaled=len(args) > 1 and args[1] == "scaled")
    elif check in table:
        table[check]()
    else:
        print(f"unknown check {check}", file=sys.stderr)
        return 2
    for e in errors:
        print(f"FAIL {e}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
