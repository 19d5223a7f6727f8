#!/usr/bin/env python3
"""Policy and consistency checks of docker-compose.yml (beyond `docker compose config`).

  * every depends_on names a service, with a valid condition; service_completed_successfully
    only on one-off services (restart "no"), service_healthy only on services with a
    healthcheck;
  * host ports only on grafana, prometheus, mlflow, consumer and kafka, bound to
    ${STORESEG_BIND:-127.0.0.1};
  * named volumes are declared, bind-mounted files exist in the repository;
  * the long-running services kafka, mlflow, consumer, prometheus and grafana have a
    healthcheck; every build target exists in its Dockerfile;
  * every flag on a storeseg command line and every STORESEG_* variable given to the consumer
    or producer is a flag the command defines (read from cmd/*/ Go source);
  * Prometheus scrapes the consumer at the service name and port the consumer listens on.

Usage: check_compose.py [--repo DIR]. Exit status 1 with one line per problem.
"""

import argparse
import pathlib
import re
import shlex
import sys

import yaml

import cmdflags

HOST_PORTS = {"grafana", "prometheus", "mlflow", "consumer", "kafka"}
HEALTHCHECKED = {"kafka", "mlflow", "consumer", "prometheus", "grafana"}
CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}
# Compose-level variables of the demo, not consumer/producer flags.
DEMO_ENV = {"STORESEG_DEMO_STORES", "STORESEG_DEMO_SEED"}


def as_list(v):
    return v if isinstance(v, list) else ([] if v is None else shlex.split(v))


def check_depends(name, svc, services):
    out = []
    deps = svc.get("depends_on", {})
    if isinstance(deps, list):
        deps = {d: {"condition": "service_started"} for d in deps}
    for dep, spec in deps.items():
        cond = (spec or {}).get("condition", "service_started")
        other = services.get(dep)
        if other is None:
            out.append(f"{name}: depends_on unknown service {dep!r}")
            continue
        if cond not in CONDITIONS:
            out.append(f"{name}: depends_on {dep}: unknown condition {cond!r}")
        if cond == "service_completed_successfully" and other.get("restart", "no") != "no":
            out.append(f"{name}: waits for {dep} to complete, but {dep} restarts ({other.get('restart')})")
        if cond == "service_healthy" and "healthcheck" not in other:
            out.append(f"{name}: waits for {dep} to be healthy, but {dep} has no healthcheck")
    return out


def check_ports_volumes(repo, name, svc, volumes):
    out = []
    for p in svc.get("ports", []):
        if name not in HOST_PORTS:
            out.append(f"{name}: publishes port {p}; only {sorted(HOST_PORTS)} may")
        elif not str(p).startswith("${STORESEG_BIND:-127.0.0.1}:"):
            out.append(f"{name}: port {p} is not bound to ${{STORESEG_BIND:-127.0.0.1}}")
    for v in svc.get("volumes", []):
        src = str(v).split(":")[0]
        if src.startswith(("./", "/")):
            if not (repo / src).exists():
                out.append(f"{name}: bind mount source {src} does not exist")
        elif src not in volumes:
            out.append(f"{name}: volume {src!r} is not declared under volumes")
    return out


def dockerfile_targets(path):
    return set(re.findall(r"^FROM\s+\S+\s+AS\s+([a-z0-9_-]+)\s*$", path.read_text(), re.M | re.I))


def storeseg_command(svc):
    """'consumer', 'producer', 'refit' or 'bootstrap' from the service's image, else None."""
    m = re.match(r"storeseg/(consumer|producer|refit|bootstrap):", str(svc.get("image", "")))
    return m.group(1) if m else None


def check_flags(repo, name, svc):
    kind = storeseg_command(svc)
    env = svc.get("environment", {}) or {}
    cmd = as_list(svc.get("command"))
    out = []
    if kind in ("consumer", "producer"):
        out += cmdflags.check_env(repo, kind, env, name, DEMO_ENV)
        out += cmdflags.check_args(repo, kind, cmd, name)
    elif kind == "refit":
        out += cmdflags.check_args(repo, f"refit {cmd[0]}", cmd[1:], name) if cmd else []
    elif kind == "bootstrap":
        script = " ".join(cmd).replace("\\\n", " ")
        for sub, args in re.findall(r"refit\s+(generate|run)\s+([^\n]*)", script):
            out += cmdflags.check_args(repo, f"refit {sub}", shlex.split(args.replace('"', "")), name)
        if not re.search(r"refit\s+run", script):
            out.append(f"{name}: the bootstrap script runs no refit")
    return out


def check_scrape(repo, services):
    prom = yaml.safe_load((repo / "deploy/prometheus/prometheus.yml").read_text())
    jobs = {j["job_name"]: j for j in prom["scrape_configs"]}
    addr = (services.get("consumer", {}).get("environment") or {}).get("STORESEG_HTTP_ADDR", ":8080")
    want = f"consumer:{addr.rsplit(':', 1)[1]}"
    targets = [t for sc in jobs.get("storeseg-consumer", {}).get("static_configs", []) for t in sc["targets"]]
    if targets != [want]:
        return [f"prometheus.yml: job storeseg-consumer scrapes {targets}, the consumer listens at {want}"]
    return []


def check(repo):
    compose = yaml.safe_load((repo / "docker-compose.yml").read_text())
    services, volumes = compose.get("services", {}), compose.get("volumes", {}) or {}
    problems = []
    for name, svc in services.items():
        problems += check_depends(name, svc, services)
        problems += check_ports_volumes(repo, name, svc, volumes)
        problems += check_flags(repo, name, svc)
        build = svc.get("build")
        if isinstance(build, dict) and "target" in build:
            dockerfile = repo / build.get("context", ".") / build.get("dockerfile", "Dockerfile")
            if build["target"] not in dockerfile_targets(dockerfile):
                problems.append(f"{name}: build target {build['target']!r} is not a stage of {dockerfile}")
    for name in HEALTHCHECKED:
        if "healthcheck" not in services.get(name, {}):
            problems.append(f"{name}: no healthcheck")
    problems += check_scrape(repo, services)
    return services, problems


def main():
    ap = argparse.ArgumentParser(description="policy checks of docker-compose.yml")
    ap.add_argument("--repo", default=str(pathlib.Path(__file__).resolve().parents[2]))
    repo = pathlib.Path(ap.parse_args().repo)
    services, problems = check(repo)
    for p in problems:
        print("check_compose:", p, file=sys.stderr)
    if problems:
        return 1
    print(f"check_compose: ok: {len(services)} services")
    return 0


if __name__ == "__main__":
    sys.exit(main())
