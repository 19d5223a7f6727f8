#!/usr/bin/env python3
"""Structural checks of the Grafana dashboards and their provisioning.

For each deploy/grafana/dashboards/*.json: valid JSON; uid (unique, ≤ 40 characters), title,
schemaVersion ≥ 39; templating variables datasource (type datasource, prometheus), job and
instance; unique panel ids; every panel inside the 24-column grid without overlaps; every
non-row panel with a title, a description, the ${datasource} data source and at least one
target with an expr and a unique refId; every selector of a storeseg, Go or process metric
filtered by job="$job" and instance=~"$instance" (so the variables apply to every panel).
Also: the provisioning files parse, the dashboards provider points at the directory compose
mounts the JSON into, and the data source uid matches the dashboards' default.

Usage: check_dashboards.py [--repo DIR]. Exit status 1 with one line per problem.
"""

import argparse
import json
import pathlib
import re
import sys

import yaml

MIN_SCHEMA = 39
# A metric of the consumer's target (or a recording rule over one) and its optional selector.
FILTERED = re.compile(r"(?<![\w:])((?:[a-z_]+:)?(?:storeseg|go|process)_[a-z0-9_:]*|up)(?![\w:(])\s*(\{[^}]*\})?")


def check_dashboard(path, seen_uids):
    problems = []
    err = problems.append
    try:
        d = json.loads(path.read_text())
    except json.JSONDecodeError as e:
        return [f"{path.name}: invalid JSON: {e}"]
    uid = d.get("uid")
    if not uid or len(uid) > 40:
        err(f"{path.name}: uid {uid!r} missing or longer than 40 characters")
    elif uid in seen_uids:
        err(f"{path.name}: uid {uid!r} also used by {seen_uids[uid]}")
    else:
        seen_uids[uid] = path.name
    if not d.get("title"):
        err(f"{path.name}: no title")
    if not isinstance(d.get("schemaVersion"), int) or d["schemaVersion"] < MIN_SCHEMA:
        err(f"{path.name}: schemaVersion {d.get('schemaVersion')!r} < {MIN_SCHEMA}")
    variables = {v.get("name"): v for v in d.get("templating", {}).get("list", [])}
    ds = variables.get("datasource")
    if not ds or ds.get("type") != "datasource" or ds.get("query") != "prometheus":
        err(f"{path.name}: no datasource variable of type datasource/prometheus")
    for name in ("job", "instance"):
        if variables.get(name, {}).get("type") != "query":
            err(f"{path.name}: no query variable ${name}")
    problems += check_panels(path.name, d.get("panels", []))
    return problems


def check_panels(name, panels):
    problems, ids, cells = [], set(), {}
    err = problems.append
    for p in panels:
        pid, title = p.get("id"), p.get("title")
        where = f"{name}: panel {pid} {title!r}"
        if not isinstance(pid, int) or pid in ids:
            err(f"{where}: id missing or duplicate")
        ids.add(pid)
        g = p.get("gridPos", {})
        x, y, w, h = (g.get(k) for k in ("x", "y", "w", "h"))
        if not all(isinstance(v, int) for v in (x, y, w, h)) or x < 0 or w < 1 or h < 1 or x + w > 24:
            err(f"{where}: gridPos {g} outside the 24-column grid")
            continue
        for cx in range(x, x + w):
            for cy in range(y, y + h):
                if (cx, cy) in cells:
                    err(f"{where}: overlaps panel {cells[(cx, cy)]}")
                    break
                cells[(cx, cy)] = pid
            else:
                continue
            break
        if p.get("type") == "row":
            continue
        if not title or not p.get("description"):
            err(f"{where}: needs a title and a description")
        if p.get("datasource", {}).get("uid") != "${datasource}":
            err(f"{where}: data source is not ${{datasource}}")
        targets = p.get("targets", [])
        refs = [t.get("refId") for t in targets]
        if not targets or len(set(refs)) != len(refs) or not all(t.get("expr") for t in targets):
            err(f"{where}: needs targets with an expr and unique refIds")
        for t in targets:
            for m in FILTERED.finditer(t.get("expr", "")):
                matchers = m.group(2) or ""
                if 'job="$job"' not in matchers or 'instance=~"$instance"' not in matchers:
                    err(f"{where} {t.get('refId')}: {m.group(1)} is not filtered by $job and $instance")
    return problems


def check_provisioning(repo):
    problems = []
    prov = repo / "deploy/grafana/provisioning"
    dsf = yaml.safe_load((prov / "datasources/prometheus.yaml").read_text())
    uids = [d.get("uid") for d in dsf.get("datasources", [])]
    if "storeseg-prometheus" not in uids:
        problems.append("provisioning/datasources/prometheus.yaml: no data source with uid storeseg-prometheus")
    dbf = yaml.safe_load((prov / "dashboards/storeseg.yaml").read_text())
    paths = [p.get("options", {}).get("path") for p in dbf.get("providers", [])]
    compose = yaml.safe_load((repo / "docker-compose.yml").read_text()) if (repo / "docker-compose.yml").exists() else {}
    mounts = [str(v) for v in compose.get("services", {}).get("grafana", {}).get("volumes", [])]
    for p in paths:
        if compose and not any(m.endswith(":" + p) or m.endswith(":" + p + ":ro") for m in mounts):
            problems.append(f"provisioning/dashboards/storeseg.yaml: path {p} is not a volume of the grafana service")
    return problems


def main():
    ap = argparse.ArgumentParser(description="check the Grafana dashboards")
    ap.add_argument("--repo", default=str(pathlib.Path(__file__).resolve().parents[2]))
    repo = pathlib.Path(ap.parse_args().repo)
    files = sorted((repo / "deploy/grafana/dashboards").glob("*.json"))
    problems, uids = [], {}
    if not files:
        problems.append("no dashboards in deploy/grafana/dashboards")
    for f in files:
        problems += check_dashboard(f, uids)
    problems += check_provisioning(repo)
    for p in problems:
        print("check_dashboards:", p, file=sys.stderr)
    if problems:
        return 1
    n = sum(len([p for p in json.loads(f.read_text())["panels"] if p["type"] != "row"]) for f in files)
    print(f"check_dashboards: ok: {len(files)} dashboards, {n} panels")
    return 0


if __name__ == "__main__":
    sys.exit(main())
