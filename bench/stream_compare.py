"""Side-by-side benchmark of storeseg's streaming consumer (cmd/consumer) and a Python consumer
doing the same job with prince + scikit-learn (bench/stream_python_consumer.py), on the real
Kafka broker of scripts/test-services, in one run.

Usage (from the repository root, with the broker up: eval "$(scripts/test-services up kafka)"):
    python3 bench/stream_compare.py            # 100,000 stores, 6 partitions, fit on 20,000
    python3 bench/stream_compare.py --quick    # smoke test: 5,000 stores

What it measures (the Go binaries are built from this checkout with `go build`):
0. Warm-up (unless --no-warmup). The broker's JVM interprets its request paths at first and
   compiles them while it serves them: the first drain after a broker start cost the broker
   16 us of CPU per event against 4 us on the next one (same 2 cores as the consumer), which
   is the broker's start-up, not the consumer's throughput. So the whole drain of step 1 runs
   once first on throwaway topics with a throwaway consumer, followed by up to 20 s of the
   fixed-rate phase of step 2; the drain's events/s and the broker's CPU per event are
   reported as the cold broker's, and then everything below runs on fresh topics, a fresh
   consumer and a fresh state directory.
1. Sustained throughput. The producer (cmd/producer) writes a backlog to a fresh 6-partition
   input topic: a snapshot of every store, then --steps rounds of partial updates. The Go
   consumer then starts (its --model publishes the refit's bundle onto the models topic first,
   and it waits for it before consuming), and drains the backlog: events/s = backlog events /
   (broker append time of the last changelog record - that of the first), both from the
   broker's clock (the changelog topic uses LogAppendTime). Every event is decoded, merged into Badger (fsync per batch), appended
   to the state changelog, scored (preprocess, FAMD, forest, HDBSCAN approximate_predict) and
   its assignment emitted per the on-change policy, with acks=all, before offsets commit.
2. Latency at a fixed rate. With all stores known, the producer sends further update rounds at
   --rate events/s for --latency-seconds, in write calls of --latency-batch events (default
   100: a write every 10 ms at 10,000/s, a steady stream; --latency-batch 1000, the producer's
   own default and this script's before, sends bursts of 1,000 every 100 ms, and then the p99
   is the time to work off a burst). Latency = broker append time of the store's
   changelog record - broker append time of the input record: both topics are created with
   message.timestamp.type=LogAppendTime, so both timestamps come from the broker's clock, and
   an input is matched to the changelog record of the same store whose updated_at equals the
   input's event_time (an input merged in the same batch as a newer one for the same store has
   no record of its own and is not counted). p50/p99/max over the matched inputs.
3. Model swap. refit publishes a second model (fitted on other stores); the consumer swaps it
   in and rescores every store: storeseg_model_rescore_duration_seconds (scoring, emitting and
   acknowledging the changed assignments).
4. The Python consumer (fit at its start on the same table, prince FAMD + scikit-learn HDBSCAN
   + RandomForest, then per event: decode, merge, transform, predict, produce, commit) drains
   --python-events events of the same input topic in its own group: events/s.
Peak RSS is VmHWM of each consumer process. Timings on a shared machine are noisy: nproc and
the load average are printed with the results, and so is the consumer's own CPU time per event
(utime + stime of /proc/<pid>/stat over the drain and over the fixed-rate phase), which a busy
minute on the machine does not change much, and the broker's (its pid file in
.cache/services). --profile DIR starts the consumer with --pprof and
saves a CPU profile of the drain (and of the fixed-rate phase), a heap profile after the
drain and the cumulative allocation profiles after each phase there; --consumer-arg passes
extra flags to the consumer (e.g. --consumer-arg=--batch-wait=2ms).

Reference stack (bench/requirements.txt): prince 0.23.0, scikit-learn 1.9.1, pandas 3.1.1,
numpy 2.4.6, confluent-kafka 2.16.1, fastavro 1.13.1, psutil 7.2.2.
"""
import argparse
import datetime
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import fastavro
import numpy as np
from confluent_kafka import Consumer, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PARTITIONS = 6


def run(cmd, **kw):
    print("+ " + " ".join(cmd), file=sys.stderr)
    return subprocess.run(cmd, check=True, **kw)


def build(tmp):
    bins = {}
    for name in ("consumer", "producer", "refit"):
        bins[name] = os.path.join(tmp, name)
        run(["go", "build", "-o", bins[name], "./cmd/" + name], cwd=ROOT)
    return bins


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def create_topics(brokers, prefix):
    t = {k: f"{prefix}-{k}" for k in ("features", "dlq", "state", "segments", "models", "pyout")}
    append = {"message.timestamp.type": "LogAppendTime"}
    compact = {"cleanup.policy": "compact", **append}
    specs = [NewTopic(t["features"], PARTITIONS, 1, config=append), NewTopic(t["dlq"], PARTITIONS, 1),
             NewTopic(t["state"], PARTITIONS, 1, config=compact), NewTopic(t["segments"], PARTITIONS, 1, config=compact),
             NewTopic(t["models"], 1, 1, config={"cleanup.policy": "compact", "max.message.bytes": str(8 << 20)}),
             NewTopic(t["pyout"], PARTITIONS, 1, config=append)]
    admin = AdminClient({"bootstrap.servers": brokers})
    for fut in admin.create_topics(specs).values():
        fut.result()
    return t, admin


def metrics(url):
    out = {}
    with urllib.request.urlopen(url + "/metrics", timeout=5) as r:
        for line in r.read().decode().splitlines():
            if line.startswith("#"):
                continue
            m = re.match(r"^(\w+)(\{[^}]*\})?\s+(\S+)$", line)
            if m:
                out[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return out


def metric(ms, name):
    return sum(v for k, v in ms.items() if k == name or k.startswith(name + "{"))


def wait_ready(url, proc, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"consumer exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=2) as r:
                if r.status == 200:
                    return
        except Exception:  # noqa: BLE001 - not up yet
            pass
        time.sleep(0.2)
    raise SystemExit("consumer not ready in time")


def vm_hwm(pid):
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return None


def broker_pid():
    """The pid of the scripts/test-services broker (its pid file), or None."""
    run = os.path.realpath(os.environ.get("STORESEG_RUN", os.path.join(ROOT, ".cache", "services")))
    try:
        with open(os.path.join(run, "kafka.pid"), encoding="ascii") as f:
            pid = int(f.read().strip())
        cpu_seconds(pid)
        return pid
    except (OSError, ValueError):
        return None


def cpu_seconds(pid):
    """utime + stime of process pid, in seconds (fields 14 and 15 of /proc/<pid>/stat)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Profiler:
    """Fetches a CPU profile of the consumer in the background (consumer --pprof)."""

    def __init__(self, url, path, seconds):
        import threading
        self.path = path
        self.thread = threading.Thread(target=self._fetch, args=(url, seconds), daemon=True)
        self.thread.start()

    def _fetch(self, url, seconds):
        try:
            with urllib.request.urlopen(f"{url}/debug/pprof/profile?seconds={seconds}", timeout=seconds + 60) as r:
                data = r.read()
            with open(self.path, "wb") as f:
                f.write(data)
        except Exception as e:  # noqa: BLE001 - a profile is optional
            print(f"profile {self.path} failed: {e}", file=sys.stderr)

    def wait(self):
        self.thread.join()


def save_profile(url, name, path):
    """Saves the consumer's /debug/pprof/<name> (allocs is cumulative: diff two with -diff_base)."""
    with urllib.request.urlopen(f"{url}/debug/pprof/{name}", timeout=60) as r, open(path, "wb") as f:
        f.write(r.read())


def read_topic(brokers, topic):
    """Every record of topic up to its current end: (key, value, append timestamp ms)."""
    c = Consumer({"bootstrap.servers": brokers, "group.id": "bench-reader", "enable.auto.commit": False})
    parts = [TopicPartition(topic, p, 0) for p in range(PARTITIONS)]
    ends = {p: c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in range(PARTITIONS)}
    c.assign([tp for tp in parts if ends[tp.partition] > 0])
    left = {p for p, e in ends.items() if e > 0}
    out = []
    while left:
        for m in c.consume(10000, timeout=1.0):
            if m.error():
                continue
            out.append((m.key(), m.value(), m.timestamp()[1]))
            if m.offset() + 1 >= ends[m.partition()]:
                left.discard(m.partition())
    c.close()
    return out


def load_schema(name, version):
    with open(os.path.join(ROOT, f"schemas/avro/{name}/v{version}.avsc"), encoding="utf-8") as f:
        return fastavro.parse_schema(json.load(f))


def event_time(rec, field):
    t = rec[field]
    return int(t.timestamp() * 1000) if hasattr(t, "timestamp") else t


def latencies(brokers, topics, first_step_ms):
    sfu, state = load_schema("StoreFeatureUpdate", 2), load_schema("StoreState", 1)
    appended = {}
    for key, value, ts in read_topic(brokers, topics["features"]):
        if value is None:
            continue
        rec = fastavro.schemaless_reader(io.BytesIO(value[10:]), sfu, sfu)
        t = event_time(rec, "event_time")
        if t >= first_step_ms:
            appended[(key, t)] = ts
    lat = []
    seen = set()
    for key, value, ts in read_topic(brokers, topics["state"]):
        if value is None:
            continue
        rec = fastavro.schemaless_reader(io.BytesIO(value[10:]), state, state)
        k = (key, event_time(rec, "updated_at"))
        if k in appended and k not in seen:
            seen.add(k)
            lat.append((appended[k], ts - appended[k]))
    return np.array(lat, dtype=float).reshape(-1, 2), len(appended)


def produce(bins, brokers, topic, args, extra):
    out = run([bins["producer"], "--brokers", brokers, "--topic", topic, "--stores", str(args.stores),
               "--partitions", str(PARTITIONS), "--report-every", "0"] + extra, capture_output=True, text=True).stdout
    m = re.search(r"done: (\d+) events in ([\d.]+)s = (\d+) events/s", out)
    return int(m.group(1)), float(m.group(3))


def drain(url, total, timeout):
    """Waits until the consumer has consumed total events and caught up."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        ms = metrics(url)
        if metric(ms, "storeseg_stream_events_consumed_total") >= total and metric(ms, "storeseg_stream_consumer_lag_messages") == 0:
            return
        time.sleep(0.1)
    raise SystemExit(f"the consumer did not consume {total} events in {timeout} s")


def changelog_span(brokers, topic):
    """First and last broker append time (ms) of the changelog's records."""
    ts = [t for _, _, t in read_topic(brokers, topic)]
    return min(ts), max(ts), len(ts)


def start_consumer(bins, brokers, bundle, topics, state_dir, log_path, extra):
    """Starts cmd/consumer on a topic set and waits until it is ready; returns it and its URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(log_path, "w", encoding="utf-8")
    proc = subprocess.Popen([bins["consumer"], "--brokers", brokers, "--http-addr", f"127.0.0.1:{port}",
                             "--state-dir", state_dir, "--model", bundle, "--group", topics["features"] + "-go",
                             "--input-topic", topics["features"], "--dlq-topic", topics["dlq"], "--state-topic", topics["state"],
                             "--segments-topic", topics["segments"], "--models-topic", topics["models"],
                             "--partitions", str(PARTITIONS), "--log-format", "json"] + extra, stdout=log, stderr=log)
    wait_ready(url, proc)
    return proc, url


def warm_up(bins, brokers, bundle, tmp, args):
    """Runs the drain once on a throwaway topic set, so that the measured run meets a broker
    whose JVM has compiled its produce and fetch paths, as a long-running broker has.

    Returns the warm-up drain's events/s and the broker's CPU per event in it: the numbers of
    a first drain after the broker started (a freshly started JVM interprets and compiles the
    request paths while it serves them, which cost it 16 us of CPU per event against 4 us
    warm on the development machine, on the same 2 cores as the consumer).
    """
    topics, admin = create_topics(brokers, f"warmup-{int(time.time())}")
    backlog, _ = produce(bins, brokers, topics["features"], args, ["--steps", str(args.steps)])
    consumer, url = start_consumer(bins, brokers, bundle, topics, os.path.join(tmp, "warmup-state"),
                                   os.path.join(tmp, "warmup-consumer.log"), args.consumer_arg)
    try:
        bpid = broker_pid()
        bcpu0 = cpu_seconds(bpid) if bpid else None
        drain(url, backlog, timeout=1800)
        broker_us = (cpu_seconds(bpid) - bcpu0) / backlog * 1e6 if bpid else None
        time.sleep(1)
        t0, t1, _ = changelog_span(brokers, topics["state"])
        # The fixed-rate phase sends small requests both ways: warm those paths up too.
        sent, _ = produce(bins, brokers, topics["features"], args,
                          ["--snapshots=false", "--from-step", str(args.steps + 1), "--steps", "-1", "--rate", str(args.rate),
                           "--duration", f"{min(args.latency_seconds, 20)}s", "--batch", str(args.latency_batch)])
        drain(url, backlog + sent, timeout=600)
    finally:
        consumer.send_signal(signal.SIGTERM)
        consumer.wait(timeout=60)
    admin.delete_topics(list(topics.values()))
    shutil.rmtree(os.path.join(tmp, "warmup-state"), ignore_errors=True)
    return backlog / max((t1 - t0) / 1000, 1e-3), broker_us


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    ap.add_argument("--stores", type=int, default=100000)
    ap.add_argument("--fit-stores", type=int, default=20000)
    ap.add_argument("--steps", type=int, default=2, help="update rounds in the backlog after the snapshots")
    ap.add_argument("--rate", type=float, default=10000)
    ap.add_argument("--latency-seconds", type=float, default=60,
                    help="length of the fixed-rate phase (60 s spans several of the state store's compaction cycles)")
    ap.add_argument("--latency-batch", type=int, default=100,
                    help="events per producer write call in the fixed-rate phase (100: a write every 10 ms at 10,000/s; "
                         "the producer's default 1000 sends bursts of 1,000 every 100 ms)")
    ap.add_argument("--python-events", type=int, default=2000)
    ap.add_argument("--keep", action="store_true", help="keep the work directory (binaries, tables, consumer log)")
    ap.add_argument("--profile", metavar="DIR", help="run the consumer with --pprof and save CPU profiles of the drain and the fixed-rate phase in DIR")
    ap.add_argument("--consumer-arg", action="append", default=[], metavar="FLAG", help="extra consumer flag (repeatable)")
    ap.add_argument("--latency-csv", metavar="FILE", help="write every matched input's append time and latency (ms) to FILE")
    ap.add_argument("--skip-python", action="store_true", help="leave out the Python consumer (Go measurements only)")
    ap.add_argument("--no-warmup", action="store_true",
                    help="measure on the broker as it is (by default a first drain on throwaway topics warms its JVM up, "
                         "and its numbers are reported as the cold broker's)")
    args = ap.parse_args()
    if args.quick:
        args.stores, args.fit_stores, args.steps, args.rate, args.latency_seconds, args.python_events = 5000, 2000, 1, 2000, 5, 200
    brokers = os.environ.get("KAFKA_BROKERS")
    if not brokers:
        raise SystemExit('KAFKA_BROKERS is not set: eval "$(scripts/test-services up kafka)" first')
    tmp = tempfile.mkdtemp(prefix="stream-bench-")
    consumer = None
    try:
        bins = build(tmp)
        fit1, fit2 = os.path.join(tmp, "fit1.csv"), os.path.join(tmp, "fit2.csv")
        run([bins["refit"], "generate", "--stores", str(args.fit_stores), "--seed", "1", "--out", fit1], capture_output=True)
        run([bins["refit"], "generate", "--stores", str(args.fit_stores), "--seed", "2", "--out", fit2], capture_output=True)
        run([bins["refit"], "run", "--input", fit1, "--out", os.path.join(tmp, "m1"), "--no-tracking", "--no-publish",
             "--previous", "none", "--log-format", "text"], capture_output=True)
        bundle = os.path.join(tmp, "m1", "champion.bundle")
        res = {"nproc": os.cpu_count(), "cold_events_per_s": None, "cold_broker_cpu_us_per_event": None}
        if not args.no_warmup:
            res["cold_events_per_s"], res["cold_broker_cpu_us_per_event"] = warm_up(bins, brokers, bundle, tmp, args)
        topics, admin = create_topics(brokers, f"bench-{int(time.time())}")
        res["load_before"] = os.getloadavg()

        backlog, prod_rate = produce(bins, brokers, topics["features"], args, ["--steps", str(args.steps)])
        res["backlog_events"], res["producer_events_per_s"] = backlog, prod_rate
        consumer, url = start_consumer(bins, brokers, bundle, topics, os.path.join(tmp, "state"), os.path.join(tmp, "consumer.log"),
                                       (["--pprof"] if args.profile else []) + args.consumer_arg)
        bpid = broker_pid()
        cpu0, bcpu0 = cpu_seconds(consumer.pid), cpu_seconds(bpid) if bpid else None
        prof = None
        if args.profile:
            os.makedirs(args.profile, exist_ok=True)
            prof = Profiler(url, os.path.join(args.profile, "drain.pprof"), 8)
        drain(url, backlog, timeout=1800)
        res["go_cpu_drain_s"] = cpu_seconds(consumer.pid) - cpu0
        res["broker_cpu_us_per_event_drain"] = (cpu_seconds(bpid) - bcpu0) / backlog * 1e6 if bpid else None
        ms = metrics(url)
        batches0 = metric(ms, "storeseg_stream_batch_size_messages_count")
        res["mean_batch_drain"] = metric(ms, "storeseg_stream_batch_size_messages_sum") / max(batches0, 1)
        res["load_drain"] = os.getloadavg()
        if prof:
            prof.wait()
            save_profile(url, "heap", os.path.join(args.profile, "heap.pprof"))
            save_profile(url, "allocs", os.path.join(args.profile, "allocs-drain.pprof"))
        time.sleep(1)
        # Throughput from the broker's clock: the backlog's events over the span between the
        # first and the last changelog record appended (every batch appends some).
        t0, t1, _ = changelog_span(brokers, topics["state"])
        res["go_events_per_s"] = backlog / max((t1 - t0) / 1000, 1e-3)
        res["drain_s"] = (t1 - t0) / 1000

        res["go_cpu_us_per_event_drain"] = res["go_cpu_drain_s"] / backlog * 1e6
        first_step = args.steps + 1
        # loadgen's event times: 2026-01-01T00:00:00Z + step hours.
        first_step_ms = int(datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc).timestamp() * 1000) + first_step * 3600 * 1000
        cpu1, bcpu1 = cpu_seconds(consumer.pid), cpu_seconds(bpid) if bpid else None
        if args.profile:
            prof = Profiler(url, os.path.join(args.profile, "rate.pprof"), max(int(args.latency_seconds) - 2, 1))
        sent, achieved = produce(bins, brokers, topics["features"], args,
                                 ["--snapshots=false", "--from-step", str(first_step), "--steps", "-1", "--rate", str(args.rate),
                                  "--duration", f"{args.latency_seconds}s", "--batch", str(args.latency_batch)])
        drain(url, backlog + sent, timeout=600)
        res["go_cpu_us_per_event_rate"] = (cpu_seconds(consumer.pid) - cpu1) / max(sent, 1) * 1e6
        # The broker's CPU over this phase includes serving the producer.
        res["broker_cpu_us_per_event_rate"] = (cpu_seconds(bpid) - bcpu1) / max(sent, 1) * 1e6 if bpid else None
        ms = metrics(url)
        res["mean_batch_rate"] = sent / max(metric(ms, "storeseg_stream_batch_size_messages_count") - batches0, 1)
        res["load_rate"] = os.getloadavg()
        if args.profile:
            prof.wait()
            save_profile(url, "allocs", os.path.join(args.profile, "allocs-rate.pprof"))
        time.sleep(1)
        series, inputs = latencies(brokers, topics, first_step_ms)
        if args.latency_csv:
            np.savetxt(args.latency_csv, series, fmt="%d", delimiter=",", header="input_append_ms,latency_ms", comments="")
        lat = series[:, 1]
        res.update(latency_rate=achieved, latency_inputs=inputs, latency_matched=len(lat),
                   p50_ms=float(np.percentile(lat, 50)), p99_ms=float(np.percentile(lat, 99)), max_ms=float(lat.max()))

        ms = metrics(url)
        swaps, dur0 = metric(ms, "storeseg_model_rescore_duration_seconds_count"), metric(ms, "storeseg_model_rescore_duration_seconds_sum")
        rescored0 = metric(ms, "storeseg_model_rescored_stores_total")
        run([bins["refit"], "run", "--input", fit2, "--out", os.path.join(tmp, "m2"), "--no-tracking", "--brokers", brokers,
             "--models-topic", topics["models"], "--previous", "none", "--log-format", "text"], capture_output=True)
        deadline = time.time() + 600
        while metric(metrics(url), "storeseg_model_rescore_duration_seconds_count") <= swaps and time.time() < deadline:
            time.sleep(0.2)
        ms = metrics(url)
        if metric(ms, "storeseg_model_rescore_duration_seconds_count") <= swaps:
            raise SystemExit("the second model was not swapped in (see the consumer log)")
        res["rescore_s"] = metric(ms, "storeseg_model_rescore_duration_seconds_sum") - dur0
        res["rescored_stores"] = metric(ms, "storeseg_model_rescored_stores_total") - rescored0
        res["go_peak_rss"] = vm_hwm(consumer.pid)
        consumer.send_signal(signal.SIGTERM)
        consumer.wait(timeout=60)
        consumer = None

        if args.skip_python:
            res.update(py_events_per_s=None, py_events=0, py_peak_rss=None, py_fit_s=None, load_after=os.getloadavg())
            report(res, args)
            admin.delete_topics(list(topics.values()))
            return
        py = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "stream_python_consumer.py"), "--brokers", brokers,
                             "--input-topic", topics["features"], "--output-topic", topics["pyout"], "--group", topics["features"] + "-py",
                             "--fit", fit1, "--max-events", str(args.python_events)], check=True, capture_output=True, text=True)
        pyres = json.loads(py.stdout.strip().splitlines()[-1])
        res.update(py_events_per_s=pyres["events_per_s"], py_events=pyres["events"], py_peak_rss=pyres["peak_rss_bytes"],
                   py_fit_s=pyres["fit_seconds"], load_after=os.getloadavg())
        report(res, args)
        admin.delete_topics(list(topics.values()))
    finally:
        if consumer is not None:
            consumer.kill()
        if args.keep:
            print(f"work directory kept: {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def fmt_rate(v):
    return "not run" if v is None else f"{v:,.0f}"


def fmt_opt(v):
    return "?" if v is None else f"{v:.1f}"


def report(r, args):
    mb = lambda b: f"{b / 2**20:.0f} MiB" if b else "?"  # noqa: E731
    ratio = r["go_events_per_s"] / r["py_events_per_s"] if r.get("py_events_per_s") else float("nan")
    py_rate = f"{r['py_events_per_s']:,.1f}" if r.get("py_events_per_s") else "skipped"
    print(f"\nstream benchmark: {args.stores} stores, {PARTITIONS} partitions, model fitted on {args.fit_stores}; "
          f"nproc {r['nproc']}, load {r['load_before'][0]:.1f} -> drain {r['load_drain'][0]:.1f} -> "
          f"rate {r['load_rate'][0]:.1f} -> {r['load_after'][0]:.1f}; consumer flags {' '.join(args.consumer_arg) or '(defaults)'}")
    rows = [
        ("sustained events/s (backlog drain)", f"{r['go_events_per_s']:,.0f}", py_rate, f"{ratio:,.0f}x" if ratio == ratio else "-", ">= 50,000/s, >= 50x"),
        ("first drain after broker start (cold JVM), events/s", fmt_rate(r["cold_events_per_s"]), "", "", ""),
        ("broker CPU per event in it (us)", fmt_opt(r["cold_broker_cpu_us_per_event"]), "", "", ""),
        ("consumer CPU per event, drain (us)", f"{r['go_cpu_us_per_event_drain']:.1f}", "", "", ""),
        ("consumer CPU per event, fixed rate (us)", f"{r['go_cpu_us_per_event_rate']:.1f}", "", "", ""),
        ("broker CPU per event, drain / fixed rate (us)", fmt_opt(r["broker_cpu_us_per_event_drain"]) + " / " + fmt_opt(r["broker_cpu_us_per_event_rate"]), "", "", ""),
        ("mean batch, drain / fixed rate (messages)", f"{r['mean_batch_drain']:.0f} / {r['mean_batch_rate']:.0f}", "", "", ""),
        ("events measured", f"{r['backlog_events']:,} in {r['drain_s']:.1f} s", f"{r['py_events']:,}", "", ""),
        (f"latency p50 at {r['latency_rate']:,.0f}/s, writes of {args.latency_batch} (ms)", f"{r['p50_ms']:.1f}", "n/a", "", ""),
        (f"latency p99 at {r['latency_rate']:,.0f}/s (ms)", f"{r['p99_ms']:.1f}", "n/a", "", "< 50 ms"),
        ("latency max (ms)", f"{r['max_ms']:.1f}", "n/a", "", ""),
        ("inputs matched for latency", f"{r['latency_matched']:,} of {r['latency_inputs']:,}", "", "", ""),
        (f"model swap: rescore {r['rescored_stores']:,.0f} stores (s)", f"{r['rescore_s']:.2f}", "n/a", "", "< 5 s at 100,000"),
        ("peak RSS", mb(r["go_peak_rss"]), mb(r["py_peak_rss"]), "", ""),
        ("producer events/s (backlog)", f"{r['producer_events_per_s']:,.0f}", "", "", ""),
    ]
    w = [max(len(row[i]) for row in rows + [("", "Go (cmd/consumer)", "Python (prince+sklearn)", "ratio", "target")]) for i in range(5)]
    print("  ".join(h.ljust(w[i]) for i, h in enumerate(("", "Go (cmd/consumer)", "Python (prince+sklearn)", "ratio", "target"))))
    for row in rows:
        print("  ".join(c.ljust(w[i]) for i, c in enumerate(row)))
    print(json.dumps(r, default=float))


if __name__ == "__main__":
    main()
