"""A Python streaming consumer doing storeseg's job the way the original Python service did,
as the baseline for bench/stream_compare.py.

At start it fits the pipeline on a store table (the CSV `refit generate` writes): the
preprocessing of the segmentation config (log1p / none, median or mean imputation, missing
categories as a "missing" level or the mode, rare levels merged into "other"), prince FAMD
(engine "scipy", the config's n_components), scikit-learn HDBSCAN on the FAMD coordinates
(min_cluster_size = max(config floor, share x n), the config's min_samples) and a
scikit-learn RandomForestClassifier (the config's n_estimators) trained on the confident core
points. Then it consumes StoreFeatureUpdate events (Avro single-object encoding, decoded with
fastavro from the committed .avsc) with confluent-kafka in a consumer group, merges each into
the store's state (per feature, the newest event time wins), prepares the store's row,
transforms it with prince and predicts its segment with the forest, and produces a JSON
assignment keyed by store id (murmur2 partitioner), committing input offsets after the outputs
are delivered (at least once, like the Go consumer). It stops after --max-events events or
--timeout seconds and prints one JSON line: events, seconds, events/s, peak RSS.

    python3 bench/stream_python_consumer.py --brokers B --input-topic T --output-topic O \
        --group G --fit stores.csv --max-events 5000

Reference stack (bench/requirements.txt): prince 0.23.0, scikit-learn 1.9.1, pandas 3.1.1,
numpy 2.4.6, confluent-kafka 2.16.1, fastavro 1.13.1, PyYAML 6.0.3, psutil 7.2.2.
"""
import argparse
import io
import json
import os
import sys
import time

import fastavro
import numpy as np
import pandas as pd
import prince
import psutil
import yaml
from confluent_kafka import Consumer, KafkaException, Producer
from confluent_kafka.admin import AdminClient, NewTopic
from fastavro.schema import fingerprint, to_parsing_canonical_form
from sklearn.cluster import HDBSCAN
from sklearn.ensemble import RandomForestClassifier

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Prep:
    """The segmentation config's preprocessing, fitted on a table."""

    def __init__(self, cfg, df):
        self.num = cfg["numeric"]
        self.cat = cfg["categorical"]
        self.fill, self.levels, self.mode = {}, {}, {}
        for f in self.num:
            col = self._transform(f, df[f["name"]].astype(float))
            self.fill[f["name"]] = col.median() if f.get("impute", "median") == "median" else col.mean()
        for f in self.cat:
            col = df[f["name"]].astype("string")
            self.mode[f["name"]] = col.mode().iloc[0]
            col = self._missing(f, col)
            share = col.value_counts(normalize=True)
            keep = share[share >= f.get("min_frequency", 0.0)].index
            self.levels[f["name"]] = set(keep)

    @staticmethod
    def _transform(f, col):
        return np.log1p(col) if f.get("transform", "none") == "log1p" else col

    def _missing(self, f, col):
        fill = self.mode[f["name"]] if f.get("missing", "category") == "mode" else "missing"
        return col.fillna(fill)

    def apply(self, df):
        out = pd.DataFrame(index=df.index)
        for f in self.num:
            out[f["name"]] = self._transform(f, df[f["name"]].astype(float)).fillna(self.fill[f["name"]])
        for f in self.cat:
            col = self._missing(f, df[f["name"]].astype("string"))
            out[f["name"]] = col.where(col.isin(self.levels[f["name"]]), "other").astype(str)
        return out


def fit(cfg, path):
    df = pd.read_csv(path)
    prep = Prep(cfg, df)
    x = prep.apply(df)
    famd = prince.FAMD(n_components=cfg["famd"]["n_components"], engine="scipy", handle_unknown="ignore")
    famd.fit(x)
    coords = famd.row_coordinates(x).to_numpy()
    h = cfg.get("hdbscan", {})
    mcs = max(h.get("min_cluster_size", 5), int(h.get("min_cluster_share", 0.0) * len(x)))
    hdb = HDBSCAN(min_cluster_size=mcs, min_samples=h.get("min_samples", mcs), copy=True).fit(coords)
    core = (hdb.labels_ >= 0) & (hdb.probabilities_ >= cfg.get("forest", {}).get("core_threshold", 0.5))
    rf = RandomForestClassifier(n_estimators=cfg.get("forest", {}).get("n_estimators", 100), random_state=cfg.get("seed", 0))
    rf.fit(coords[core], hdb.labels_[core])
    return prep, famd, rf, int(hdb.labels_.max()) + 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--brokers", required=True)
    ap.add_argument("--input-topic", required=True)
    ap.add_argument("--output-topic", required=True)
    ap.add_argument("--group", required=True)
    ap.add_argument("--fit", required=True, help="store table (CSV) to fit on")
    ap.add_argument("--config", default=os.path.join(ROOT, "config", "default.yaml"))
    ap.add_argument("--max-events", type=int, default=5000)
    ap.add_argument("--timeout", type=float, default=600)
    args = ap.parse_args()

    with open(args.config, encoding="utf-8") as f:
        cfg = yaml.safe_load(f)
    t0 = time.time()
    prep, famd, rf, clusters = fit(cfg, args.fit)
    fit_s = time.time() - t0
    with open(os.path.join(ROOT, "schemas/avro/StoreFeatureUpdate/v2.avsc"), encoding="utf-8") as f:
        schema = fastavro.parse_schema(json.load(f))
    header = b"\xc3\x01" + bytes.fromhex(fingerprint(to_parsing_canonical_form(schema), "CRC-64-AVRO"))
    names = [f["name"] for f in cfg["numeric"]] + [f["name"] for f in cfg["categorical"]]

    admin = AdminClient({"bootstrap.servers": args.brokers})
    for fut in admin.create_topics([NewTopic(args.output_topic, 6, 1)]).values():
        try:
            fut.result()
        except KafkaException as e:
            if "TOPIC_ALREADY_EXISTS" not in str(e):
                raise
    cons = Consumer({"bootstrap.servers": args.brokers, "group.id": args.group, "auto.offset.reset": "earliest",
                     "enable.auto.commit": False})
    cons.subscribe([args.input_topic])
    prod = Producer({"bootstrap.servers": args.brokers, "partitioner": "murmur2_random", "acks": "all", "linger.ms": 5})
    state = {}  # store id -> {feature: (event_time, value)}
    n, bad, start, last = 0, 0, None, None
    deadline = time.time() + args.timeout
    while n < args.max_events and time.time() < deadline:
        msg = cons.poll(1.0)
        if msg is None or msg.error():
            continue
        if start is None:
            start = time.time()
        n += 1
        key, value = msg.key().decode(), msg.value()
        if value is None:
            state.pop(key, None)
        elif value[:10] != header:
            bad += 1
        else:
            u = fastavro.schemaless_reader(io.BytesIO(value[10:]), schema, schema)
            s = state.setdefault(key, {})
            t = u["event_time"]
            t = int(t.timestamp() * 1000) if hasattr(t, "timestamp") else t
            for name, v in list(u["numeric"].items()) + list(u["categorical"].items()):
                if name not in s or s[name][0] <= t:
                    s[name] = (t, v)
            row = pd.DataFrame([{name: s.get(name, (0, None))[1] for name in names}])
            x = prep.apply(row)
            coords = famd.transform(x).to_numpy()
            proba = rf.predict_proba(coords)[0]
            seg = int(rf.classes_[int(np.argmax(proba))])
            out = {"store_id": key, "segment": seg, "confidence": float(proba.max()), "event_time": t}
            prod.produce(args.output_topic, key=key.encode(), value=json.dumps(out).encode())
            prod.poll(0)
        if n % 200 == 0:
            prod.flush()
            cons.commit(asynchronous=False)
        last = time.time()
    prod.flush()
    if n % 200:
        cons.commit(asynchronous=False)
    cons.close()
    secs = (last - start) if start and last and last > start else float("nan")
    rss = psutil.Process().memory_info()
    peak = None
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    peak = int(line.split()[1]) * 1024
    except OSError:
        peak = rss.rss
    print(json.dumps({"events": n, "undecodable": bad, "seconds": secs, "events_per_s": n / secs if secs == secs else None,
                      "fit_seconds": fit_s, "clusters": clusters, "peak_rss_bytes": peak}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
