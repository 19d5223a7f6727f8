#!/usr/bin/env python3
"""Live check of the Prometheus configuration, rules and dashboards against a running consumer.

Everything runs on 127.0.0.1 and stops by itself (deploy/check live runs this):
  1. builds cmd/consumer, cmd/producer and cmd/refit from the checkout;
  2. generates demo stores and fits a model from them (refit, with deploy/k8s/segmentation.yaml);
  3. starts the consumer in dev mode (in-process Kafka-protocol broker) publishing that model,
     the demo producer, and (when installed) the blackbox exporter with
     deploy/blackbox/blackbox.yml; writes a few malformed messages to the input topic (kcat,
     when installed) so the dead-letter path has data;
  4. runs a second refit from the store-state topic, which the consumer swaps in;
  5. starts Prometheus with deploy/prometheus/prometheus.yml, its targets pointed at those
     processes and its intervals shortened to 2 s, and rules/*.rules.yml;
  6. waits until every target is up, every rule has evaluated without error and every
     recording rule returns data, and checks that every metric the dashboards and rules use
     exists on the consumer (except those that need an event the check cannot cause).
Exit status 0 when all of it holds; the report says what was checked and what was not.

Usage: live_check.py [--stores N] [--timeout S] [--keep]
Needs: go, prometheus and promtool (Debian: prometheus); optional: prometheus-blackbox-exporter,
kcat. Python 3.9+ with PyYAML.
"""

import argparse
import json
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

import yaml

import check_metrics

REPO = pathlib.Path(__file__).resolve().parents[2]
# Metrics that exist only after an event this check does not cause.
EVENT_ONLY = {
    "storeseg_model_load_failures_total": "a rejected model bundle",
    "storeseg_stream_retries_total": "a transient failure",
    "ALERTS": "a pending or firing alert",
}


def log(msg):
    print(f"live-check: {msg}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, timeout=5):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except OSError:
        return None, b""


def wait_for(what, fn, timeout, every=1.0):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        ok, last = fn()
        if ok:
            return last
        time.sleep(every)
    raise SystemExit(f"live-check: timed out after {timeout:.0f}s waiting for {what}: {last}")


class Procs:
    """Processes this check started, each in its own session; stopped by pid at exit."""

    def __init__(self, tmp):
        self.tmp, self.procs = tmp, []

    def start(self, name, argv, **kw):
        logf = open(self.tmp / f"{name}.log", "wb")
        p = subprocess.Popen(argv, stdout=logf, stderr=subprocess.STDOUT, start_new_session=True, **kw)
        self.procs.append((name, p))
        return p

    def check_alive(self):
        for name, p in self.procs:
            if p.poll() is not None:
                tail = (self.tmp / f"{name}.log").read_text(errors="replace")[-2000:]
                raise SystemExit(f"live-check: {name} exited with {p.returncode}:\n{tail}")

    def stop(self):
        for name, p in reversed(self.procs):
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for name, p in reversed(self.procs):
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()


def run(argv, **kw):
    r = subprocess.run(argv, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise SystemExit(f"live-check: {' '.join(map(str, argv))} failed ({r.returncode}):\n{r.stdout[-2000:]}{r.stderr[-2000:]}")
    return r.stdout


def prometheus_config(tmp, ports, blackbox):
    cfg = yaml.safe_load((REPO / "deploy/prometheus/prometheus.yml").read_text())
    cfg["global"].update(scrape_interval="2s", scrape_timeout="2s", evaluation_interval="2s")
    cfg["rule_files"] = [str(REPO / "deploy/prometheus/rules/*.rules.yml")]
    rewrite = {"consumer:8080": f"127.0.0.1:{ports['http']}", "blackbox:9115": f"127.0.0.1:{ports['blackbox']}",
               "localhost:9090": f"127.0.0.1:{ports['prometheus']}",
               "http://consumer:8080/readyz": f"http://127.0.0.1:{ports['http']}/readyz"}
    jobs = []
    for job in cfg["scrape_configs"]:
        if not blackbox and job["job_name"] in ("storeseg-consumer-readyz", "blackbox"):
            continue
        for sc in job.get("static_configs", []):
            sc["targets"] = [rewrite.get(t, t) for t in sc["targets"]]
        for rc in job.get("relabel_configs", []):
            if rc.get("replacement") in rewrite:
                rc["replacement"] = rewrite[rc["replacement"]]
        jobs.append(job)
    cfg["scrape_configs"] = jobs
    path = tmp / "prometheus.yml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    run(["promtool", "check", "config", str(path)])
    return path


def prom_query(base, q):
    status, body = http_get(f"{base}/api/v1/query?" + urllib.parse.urlencode({"query": q}))
    if status != 200:
        return None
    return json.loads(body)["data"]["result"]


def rules_state(base):
    status, body = http_get(f"{base}/api/v1/rules")
    if status != 200:
        return None
    return [r | {"group": g["name"]} for g in json.loads(body)["data"]["groups"] for r in g["rules"]]


def start_stack(args, tmp, procs, ports, have_blackbox):
    bindir = tmp / "bin"
    log("building consumer, producer, refit")
    run(["go", "build", "-o", str(bindir) + "/", "./cmd/consumer", "./cmd/producer", "./cmd/refit"], cwd=REPO)
    seg = str(REPO / "deploy/k8s/segmentation.yaml")
    run([bindir / "refit", "generate", "--stores", str(args.stores), "--seed", "1", "--out", tmp / "stores.parquet"])
    run([bindir / "refit", "run", "--input", tmp / "stores.parquet", "--out", tmp / "refit", "--config", seg,
         "--no-tracking", "--no-publish", "--log-format", "text"])
    log(f"model fitted on {args.stores} generated stores; starting the consumer (dev broker 127.0.0.1:{ports['kafka']})")
    procs.start("consumer", [bindir / "consumer", "--dev", "--dev-port", str(ports["kafka"]),
                             "--model", tmp / "refit/model/model.bundle", "--http-addr", f"127.0.0.1:{ports['http']}",
                             "--data-dir", tmp / "data", "--config", seg, "--log-format", "json"])
    ready = f"http://127.0.0.1:{ports['http']}/readyz"
    wait_for("the consumer's /readyz", lambda: (http_get(ready)[0] == 200, http_get(ready)), 90)
    brokers = f"127.0.0.1:{ports['kafka']}"
    procs.start("producer", [bindir / "producer", "--brokers", brokers, "--stores", str(args.stores), "--seed", "1",
                             "--steps", "-1", "--rate", "300", "--report-every", "10s"])
    if have_blackbox:
        procs.start("blackbox", ["prometheus-blackbox-exporter", "--config.file", str(REPO / "deploy/blackbox/blackbox.yml"),
                                 "--web.listen-address", f"127.0.0.1:{ports['blackbox']}"])
    return bindir, brokers, seg


def inject_bad_messages(brokers):
    if not shutil.which("kcat"):
        log("kcat not installed: no malformed messages sent (the dead-letter reasons stay empty)")
        return False
    payload = "".join(f"bad-{i}:not avro {i}\n" for i in range(5))
    subprocess.run(["kcat", "-P", "-b", brokers, "-t", "store-features", "-K:"], input=payload, text=True,
                   check=True, capture_output=True, timeout=30)
    log("sent 5 malformed messages to store-features (expect dead letters, reason bad_header)")
    return True


def second_refit(bindir, tmp, brokers, seg):
    log("refit from the store-state topic, published to the dev broker (expect a model swap)")
    run([bindir / "refit", "run", "--from-topic", "store-state", "--brokers", brokers, "--out", tmp / "refit2",
         "--config", seg, "--no-tracking", "--log-format", "text"])


def verify(base, tmp, procs, have_blackbox, sent_bad, timeout):
    wait_for("the first rule evaluations", lambda: (bool(rules_state(base)), None), 60)
    recording = [r["name"] for r in rules_state(base) if r["type"] == "recording"]

    def settled():
        procs.check_alive()
        state = rules_state(base) or []
        bad = [f"{r['name']}: {r.get('lastError') or r.get('health')}" for r in state if r.get("health") != "ok"]
        empty = [n for n in recording if not prom_query(base, n)]
        status, body = http_get(f"{base}/api/v1/targets")
        down = [f"{t['labels']['job']} {t['scrapeUrl']}: {t['lastError'] or t['health']}"
                for t in json.loads(body)["data"]["activeTargets"] if t["health"] != "up"] if status == 200 else ["?"]
        swaps = prom_query(base, "storeseg_model_swaps_total") or []
        swapped = any(float(s["value"][1]) >= 2 for s in swaps)
        done = not bad and not empty and not down and swapped
        return done, {"rule errors": bad, "recording rules without data": empty, "targets down": down,
                      "second model swapped in": swapped}

    wait_for("every target up, every rule healthy and every recording rule with data", settled, timeout, every=2)
    report_rules(base, recording)
    return report_metrics(base, have_blackbox, sent_bad)


def report_rules(base, recording):
    state = rules_state(base)
    log(f"{len(state)} rules evaluated without error ({len(recording)} recording, {len(state) - len(recording)} alerting)")
    for n in recording:
        res = prom_query(base, n)
        vals = ", ".join(f"{float(r['value'][1]):.4g}" for r in res[:3])
        log(f"  {n:58s} {len(res)} series  {vals}")
    status, body = http_get(f"{base}/api/v1/alerts")
    active = [f"{a['labels']['alertname']} ({a['state']})" for a in json.loads(body)["data"]["alerts"]] if status == 200 else []
    log("alerts pending or firing: " + (", ".join(active) if active else "none"))


def report_metrics(base, have_blackbox, sent_bad):
    _, used, _ = check_metrics.check(REPO)
    recorded = {r["name"] for r in rules_state(base) if r["type"] == "recording"}
    missing, skipped = [], []
    for name in used:
        if name in recorded:
            continue
        if prom_query(base, f'count({{__name__="{name}"}})'):
            continue
        if name in EVENT_ONLY or (name.startswith("probe_") and not have_blackbox) \
                or (name == "storeseg_stream_events_failed_total" and not sent_bad):
            skipped.append(f"{name} (needs {EVENT_ONLY.get(name, 'blackbox exporter or kcat')})")
        else:
            missing.append(name)
    log(f"{len(used) - len(skipped) - len(missing)} of {len(used)} metric names used by the dashboards and rules have data")
    for s in skipped:
        log(f"  not exercised: {s}")
    for m in missing:
        log(f"  MISSING: {m}")
    if have_blackbox:
        ok = prom_query(base, 'probe_success{job="storeseg-consumer-readyz"}')
        log(f"readiness probe: probe_success = {ok[0]['value'][1] if ok else 'none'}")
        if not ok or ok[0]["value"][1] != "1":
            missing.append("probe_success == 1")
    return not missing


def main():
    ap = argparse.ArgumentParser(description="live check of the Prometheus rules and dashboards")
    ap.add_argument("--stores", type=int, default=2000, help="demo stores (default 2000)")
    ap.add_argument("--timeout", type=float, default=180, help="seconds to wait for everything to settle")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, TSDB)")
    args = ap.parse_args()
    for tool in ("go", "prometheus", "promtool"):
        if not shutil.which(tool):
            raise SystemExit(f"live-check: {tool} not found (Debian: apt-get install prometheus; Go 1.26)")
    have_blackbox = shutil.which("prometheus-blackbox-exporter") is not None
    if not have_blackbox:
        log("prometheus-blackbox-exporter not installed: the /readyz probe job is left out")
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="storeseg-live-"))
    procs = Procs(tmp)
    ports = {k: free_port() for k in ("kafka", "http", "blackbox", "prometheus")}
    ok = False
    try:
        bindir, brokers, seg = start_stack(args, tmp, procs, ports, have_blackbox)
        sent_bad = inject_bad_messages(brokers)
        time.sleep(3)  # let the snapshots reach the changelog
        second_refit(bindir, tmp, brokers, seg)
        cfg = prometheus_config(tmp, ports, have_blackbox)
        procs.start("prometheus", ["prometheus", f"--config.file={cfg}", f"--storage.tsdb.path={tmp / 'tsdb'}",
                                   f"--web.listen-address=127.0.0.1:{ports['prometheus']}"])
        base = f"http://127.0.0.1:{ports['prometheus']}"
        wait_for("Prometheus ready", lambda: (http_get(f"{base}/-/ready")[0] == 200, None), 60)
        ok = verify(base, tmp, procs, have_blackbox, sent_bad, args.timeout)
    finally:
        procs.stop()
        if args.keep or not ok:
            log(f"logs and data kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    log("ok" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
