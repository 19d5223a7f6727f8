#!/usr/bin/env python3
"""Tests of check_compose.py, check_k8s.py and check_dashboards.py: each passes on the real
files and reports a seeded mistake.

Run: python3 -m unittest discover -s deploy/tools -p 'test_*.py'   (deploy/check runs it)
"""

import json
import pathlib
import shutil
import tempfile
import unittest

import yaml

import check_compose
import check_dashboards
import check_k8s

REPO = pathlib.Path(__file__).resolve().parents[2]


def copy_repo():
    """A scratch copy of what the checks read: deploy/, docker-compose.yml, cmd sources, config."""
    root = pathlib.Path(tempfile.mkdtemp())
    shutil.copytree(REPO / "deploy", root / "deploy", ignore=shutil.ignore_patterns("__pycache__"))
    for rel in ("cmd/consumer/flags.go", "cmd/producer/run.go", "cmd/refit/run.go", "cmd/refit/generate.go",
                "config/default.yaml", "docker-compose.yml"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / rel, root / rel)
    return root


def edit_yaml(path, fn, multi=False):
    if multi:
        docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
        fn(docs)
        path.write_text(yaml.safe_dump_all(docs))
    else:
        d = yaml.safe_load(path.read_text())
        fn(d)
        path.write_text(yaml.safe_dump(d))


class ComposeTest(unittest.TestCase):
    def problems(self, fn):
        root = copy_repo()
        edit_yaml(root / "docker-compose.yml", fn)
        return check_compose.check(root)[1]

    def test_real_file_passes(self):
        self.assertEqual(check_compose.check(REPO)[1], [])

    def test_mistakes_are_reported(self):
        cases = {
            "publishes port": lambda d: d["services"]["producer"].setdefault("ports", []).append("9999:9999"),
            "STORESEG_BATCH_SIZ is no flag": lambda d: d["services"]["consumer"]["environment"].update(STORESEG_BATCH_SIZ="10"),
            "--form-topic is no flag": lambda d: d["services"]["refit"]["command"].__setitem__(1, "--form-topic=store-state"),
            "unknown service 'zookeeper'": lambda d: d["services"]["consumer"]["depends_on"].update(zookeeper={"condition": "service_started"}),
            "consumer: no healthcheck": lambda d: d["services"]["consumer"].pop("healthcheck"),
            "not bound to": lambda d: d["services"]["grafana"].__setitem__("ports", ["3000:3000"]),
            "is not declared": lambda d: d["volumes"].pop("refit-data"),
            "build target 'consumr'": lambda d: d["services"]["consumer"]["build"].__setitem__("target", "consumr"),
            "but kafka restarts": lambda d: d["services"]["bootstrap"]["depends_on"].update(kafka={"condition": "service_completed_successfully"}),
        }
        for want, fn in cases.items():
            with self.subTest(want):
                got = self.problems(fn)
                self.assertTrue(any(want in p for p in got), f"problems = {got}; want one with {want!r}")


class K8sTest(unittest.TestCase):
    def problems(self, fn, file="consumer-statefulset.yaml"):
        root = copy_repo()
        edit_yaml(root / "deploy/k8s" / file, fn, multi=True)
        return check_k8s.check(root)[1]

    def test_real_files_pass(self):
        self.assertEqual(check_k8s.check(REPO)[1], [])

    def test_mistakes_are_reported(self):
        def container(docs):
            return docs[0]["spec"]["template"]["spec"]["containers"][0]

        cases = {
            "readOnlyRootFilesystem": lambda d: container(d)["securityContext"].pop("readOnlyRootFilesystem"),
            "terminationGracePeriodSeconds 20": lambda d: d[0]["spec"]["template"]["spec"].__setitem__("terminationGracePeriodSeconds", 20),
            "STORESEG_DATADIR is no flag": lambda d: container(d)["env"].append({"name": "STORESEG_DATADIR", "value": "/x"}),
            "readinessProbe is /healthz": lambda d: container(d)["readinessProbe"]["httpGet"].__setitem__("path", "/healthz"),
            "memory limit": lambda d: container(d)["resources"].pop("limits"),
            "mounts unknown volume": lambda d: container(d)["volumeMounts"].append({"name": "cache", "mountPath": "/cache"}),
        }
        for want, fn in cases.items():
            with self.subTest(want):
                got = self.problems(fn)
                self.assertTrue(any(want in p for p in got), f"problems = {got}; want one with {want!r}")

    def test_refit_arguments(self):
        def typo(docs):
            c = docs[0]["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
            c["args"].append("--tracking-url=http://x")
        got = self.problems(typo, "refit-cronjob.yaml")
        self.assertTrue(any("--tracking-url is no flag of refit run" in p for p in got), got)

    def test_pdb_selector(self):
        got = self.problems(lambda d: d[0]["spec"]["selector"]["matchLabels"].update(app="x"), "consumer-pdb.yaml")
        self.assertTrue(any("PodDisruptionBudget/storeseg-consumer: selects" in p for p in got), got)


class DashboardsTest(unittest.TestCase):
    def problems(self, fn):
        root = copy_repo()
        path = root / "deploy/grafana/dashboards/storeseg-stream.json"
        d = json.loads(path.read_text())
        fn(d)
        path.write_text(json.dumps(d))
        return check_dashboards.check_dashboard(path, {}) + check_dashboards.check_provisioning(root)

    def test_real_files_pass(self):
        for f in sorted((REPO / "deploy/grafana/dashboards").glob("*.json")):
            self.assertEqual(check_dashboards.check_dashboard(f, {}), [], f)
        self.assertEqual(check_dashboards.check_provisioning(REPO), [])

    def test_mistakes_are_reported(self):
        def panel(d, title):
            return next(p for p in d["panels"] if p.get("title") == title)

        cases = {
            "schemaVersion 30": lambda d: d.__setitem__("schemaVersion", 30),
            "not filtered by $job": lambda d: panel(d, "Consumer lag per partition")["targets"][0].__setitem__(
                "expr", "max by (partition) (storeseg_stream_consumer_lag_messages)"),
            "overlaps panel": lambda d: panel(d, "Batch size")["gridPos"].__setitem__("y", panel(d, "Processing latency")["gridPos"]["y"]),
            "no query variable $instance": lambda d: d["templating"]["list"].pop(),
            "data source is not": lambda d: panel(d, "CPU").__setitem__("datasource", {"type": "prometheus", "uid": "abc"}),
        }
        for want, fn in cases.items():
            with self.subTest(want):
                got = self.problems(fn)
                self.assertTrue(any(want in p for p in got), f"problems = {got}; want one with {want!r}")


if __name__ == "__main__":
    unittest.main()
