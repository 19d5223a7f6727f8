#!/usr/bin/env python3
"""Policy and consistency checks of the Kubernetes manifests (deploy/k8s).

Input: the rendered kustomization (`kubectl kustomize deploy/k8s`, given as a file, or read
from the raw manifests when no file is given). Schema validation is separate (deploy/check
runs kubernetes-validate); this script checks what a schema cannot:
  * pods run as nonroot with RuntimeDefault seccomp; containers have a read-only root file
    system, no privilege escalation, all capabilities dropped, CPU and memory requests and a
    memory limit, and no :latest image;
  * every volumeMount names a volume or volume claim template; every Service and the
    PodDisruptionBudget select the consumer's pod labels;
  * the consumer probes /readyz (readiness) and /healthz (liveness, startup) on its HTTP port,
    mounts its PVC at STORESEG_DATA_DIR, and its terminationGracePeriodSeconds covers the
    shutdown (2 × STORESEG_SHUTDOWN_TIMEOUT for the batch and HTTP, plus 10 s for Badger);
  * every STORESEG_* variable is a consumer flag and every refit argument a `refit run` flag
    (read from the Go source).

Usage: check_k8s.py [--repo DIR] [RENDERED.yaml]. Exit status 1 with one line per problem.
"""

import argparse
import pathlib
import re
import sys

import yaml

import cmdflags

CONSUMER_LABEL = ("app.kubernetes.io/name", "storeseg-consumer")
GO_DEFAULT_SHUTDOWN_S = 15  # stream.DefaultConfig().ShutdownTimeout


def seconds(d):
    m = re.fullmatch(r"(\d+)(ms|s|m)", d or "")
    if not m:
        return None
    n, unit = int(m.group(1)), m.group(2)
    return n / 1000 if unit == "ms" else n * (60 if unit == "m" else 1)


def pod_spec(doc):
    kind = doc.get("kind")
    if kind in ("StatefulSet", "Deployment", "DaemonSet"):
        return doc["spec"]["template"]
    if kind == "CronJob":
        return doc["spec"]["jobTemplate"]["spec"]["template"]
    if kind == "Job":
        return doc["spec"]["template"]
    return None


def check_pod(where, template, claim_names):
    out = []
    spec = template["spec"]
    psc = spec.get("securityContext", {})
    if psc.get("runAsNonRoot") is not True or psc.get("seccompProfile", {}).get("type") != "RuntimeDefault":
        out.append(f"{where}: pod securityContext needs runAsNonRoot: true and seccompProfile RuntimeDefault")
    volumes = {v["name"] for v in spec.get("volumes", [])} | claim_names
    for c in spec.get("containers", []):
        cw = f"{where} container {c['name']}"
        sc = c.get("securityContext", {})
        if sc.get("readOnlyRootFilesystem") is not True or sc.get("allowPrivilegeEscalation") is not False \
                or sc.get("capabilities", {}).get("drop") != ["ALL"]:
            out.append(f"{cw}: needs readOnlyRootFilesystem, no privilege escalation and capabilities drop [ALL]")
        res = c.get("resources", {})
        if not {"cpu", "memory"} <= set(res.get("requests", {})) or "memory" not in res.get("limits", {}):
            out.append(f"{cw}: needs cpu and memory requests and a memory limit")
        if c.get("image", "").endswith(":latest"):
            out.append(f"{cw}: image {c['image']} is not pinned")
        for m in c.get("volumeMounts", []):
            if m["name"] not in volumes:
                out.append(f"{cw}: mounts unknown volume {m['name']!r}")
    return out


def env_map(container):
    return {e["name"]: e.get("value") for e in container.get("env", [])}


def probe_path(c, kind):
    return c.get(kind, {}).get("httpGet", {}).get("path"), c.get(kind, {}).get("httpGet", {}).get("port")


def check_consumer(repo, doc):
    where = f"StatefulSet/{doc['metadata']['name']}"
    out = []
    tmpl = doc["spec"]["template"]
    c = next((c for c in tmpl["spec"]["containers"] if c["name"] == "consumer"), None)
    if c is None:
        return [f"{where}: no container named consumer"]
    env = env_map(c)
    out += cmdflags.check_env(repo, "consumer", env, where)
    out += cmdflags.check_args(repo, "consumer", c.get("args", []), where)
    ports = {p.get("name"): p["containerPort"] for p in c.get("ports", [])}
    addr_port = int((env.get("STORESEG_HTTP_ADDR") or ":8080").rsplit(":", 1)[1])
    if ports.get("http") != addr_port:
        out.append(f"{where}: port http {ports.get('http')} is not STORESEG_HTTP_ADDR's {addr_port}")
    for kind, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz"), ("startupProbe", "/healthz")):
        got, port = probe_path(c, kind)
        if got != path or port not in ("http", addr_port):
            out.append(f"{where}: {kind} is {got} on {port}, want {path} on the http port")
    data_dir = env.get("STORESEG_DATA_DIR")
    claims = {t["metadata"]["name"] for t in doc["spec"].get("volumeClaimTemplates", [])}
    mounted = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
    if not data_dir or mounted.get(data_dir) not in claims:
        out.append(f"{where}: STORESEG_DATA_DIR {data_dir} is not a mounted volume claim template")
    shutdown = seconds(env.get("STORESEG_SHUTDOWN_TIMEOUT")) or GO_DEFAULT_SHUTDOWN_S
    grace = tmpl["spec"].get("terminationGracePeriodSeconds", 30)
    if grace < 2 * shutdown + 10:
        out.append(f"{where}: terminationGracePeriodSeconds {grace} < 2 × shutdown timeout {shutdown}s + 10 s")
    if tmpl["metadata"].get("labels", {}).get(CONSUMER_LABEL[0]) != CONSUMER_LABEL[1]:
        out.append(f"{where}: pod template lacks the label {CONSUMER_LABEL[0]}={CONSUMER_LABEL[1]}")
    return out


def check_selectors(docs):
    out = []
    for d in docs:
        kind, name = d.get("kind"), d["metadata"]["name"]
        if kind == "Service":
            sel = d["spec"].get("selector", {})
        elif kind == "PodDisruptionBudget":
            sel = d["spec"].get("selector", {}).get("matchLabels", {})
        else:
            continue
        if sel != {CONSUMER_LABEL[0]: CONSUMER_LABEL[1]}:
            out.append(f"{kind}/{name}: selects {sel}, not the consumer pods")
    return out


def check_refit(repo, doc):
    where = f"CronJob/{doc['metadata']['name']}"
    c = pod_spec(doc)["spec"]["containers"][0]
    args = c.get("args", [])
    if not args or args[0] != "run":
        return [f"{where}: refit args must start with the run subcommand"]
    return cmdflags.check_args(repo, "refit run", args[1:], where)


def load(repo, rendered):
    if rendered:
        return [d for d in yaml.safe_load_all(pathlib.Path(rendered).read_text()) if d]
    k = yaml.safe_load((repo / "deploy/k8s/kustomization.yaml").read_text())
    docs = []
    for r in k["resources"]:
        docs += [d for d in yaml.safe_load_all((repo / "deploy/k8s" / r).read_text()) if d]
    return docs


def check(repo, rendered=None):
    docs = load(repo, rendered)
    problems = []
    for d in docs:
        tmpl = pod_spec(d)
        if tmpl is not None:
            claims = {t["metadata"]["name"] for t in d["spec"].get("volumeClaimTemplates", [])}
            problems += check_pod(f"{d['kind']}/{d['metadata']['name']}", tmpl, claims)
        if d.get("kind") == "StatefulSet" and d["metadata"]["name"] == "storeseg-consumer":
            problems += check_consumer(repo, d)
        if d.get("kind") == "CronJob":
            problems += check_refit(repo, d)
    problems += check_selectors(docs)
    kinds = {d.get("kind") for d in docs}
    for want in ("StatefulSet", "CronJob", "Service", "PodDisruptionBudget"):
        if want not in kinds:
            problems.append(f"no {want} in the manifests")
    seg = yaml.safe_load((repo / "deploy/k8s/segmentation.yaml").read_text())
    if seg != yaml.safe_load((repo / "config/default.yaml").read_text()):
        print("check_k8s: note: deploy/k8s/segmentation.yaml differs from config/default.yaml", file=sys.stderr)
    return docs, problems


def main():
    ap = argparse.ArgumentParser(description="policy checks of the Kubernetes manifests")
    ap.add_argument("--repo", default=str(pathlib.Path(__file__).resolve().parents[2]))
    ap.add_argument("rendered", nargs="?", help="output of kubectl kustomize deploy/k8s")
    args = ap.parse_args()
    docs, problems = check(pathlib.Path(args.repo), args.rendered)
    for p in problems:
        print("check_k8s:", p, file=sys.stderr)
    if problems:
        return 1
    print(f"check_k8s: ok: {len(docs)} resources")
    return 0


if __name__ == "__main__":
    sys.exit(main())
