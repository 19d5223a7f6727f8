#!/usr/bin/env python3
"""Check deploy/k8s/prometheus/scrape-configs.yml and write a promtool-checkable copy.

Debian's promtool is built without Kubernetes service discovery, so this script checks each
kubernetes_sd_configs block itself (role, namespaces, no unknown keys), checks that the job
names are the ones the rules expect and that every relabelling keeps the consumer's pods by
their label and container port, then writes the jobs with file_sd_configs in place of
kubernetes_sd_configs, for `promtool check config` to check the rest (relabel actions and
regexes, params, paths).

Usage: check_scrape_k8s.py SCRAPE_CONFIGS.yml OUT.yml
"""

import sys

import yaml

ROLES = {"node", "service", "pod", "endpoints", "endpointslice", "ingress"}
SD_KEYS = {"role", "namespaces", "selectors", "api_server", "kubeconfig_file", "attach_metadata"}
JOBS = {"storeseg-consumer", "storeseg-consumer-readyz"}
KEEP = "__meta_kubernetes_pod_label_app_kubernetes_io_name"


def main(src, dst):
    jobs = yaml.safe_load(open(src))
    problems = []
    names = {j.get("job_name") for j in jobs}
    if names != JOBS:
        problems.append(f"job names {sorted(names)}, want {sorted(JOBS)} (the rules select on them)")
    for j in jobs:
        where = j.get("job_name")
        for sd in j.get("kubernetes_sd_configs", []):
            if sd.get("role") not in ROLES:
                problems.append(f"{where}: kubernetes_sd_configs role {sd.get('role')!r} (want one of {sorted(ROLES)})")
            if set(sd) - SD_KEYS:
                problems.append(f"{where}: unknown kubernetes_sd_configs keys {sorted(set(sd) - SD_KEYS)}")
            if sd.get("namespaces", {}).get("names") != ["storeseg"]:
                problems.append(f"{where}: not restricted to the storeseg namespace")
        keeps = [r for r in j.get("relabel_configs", []) if r.get("action") == "keep" and r.get("source_labels") == [KEEP]]
        if not keeps or keeps[0].get("regex") != "storeseg-consumer":
            problems.append(f"{where}: does not keep only the pods labelled app.kubernetes.io/name=storeseg-consumer")
        if "kubernetes_sd_configs" in j:
            j["file_sd_configs"] = [{"files": ["targets/*.json"]}]
            del j["kubernetes_sd_configs"]
    for p in problems:
        print("check_scrape_k8s:", p, file=sys.stderr)
    yaml.safe_dump({"scrape_configs": jobs}, open(dst, "w"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
