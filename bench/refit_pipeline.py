#!/usr/bin/env python3
"""The storeseg refit written the way the original Python service would write it.

    python3 bench/refit_pipeline.py --input stores.parquet --out DIR [--config config/default.yaml]

bench/refit_compare.py runs this beside `refit run` on the same data. It follows the original
service (/work/shared/seed/ORIGINAL-SERVICE.md: pandas, prince FAMD, hdbscan, a scikit-learn
random forest for the noise, joblib artifacts) and mirrors, stage by stage, what our refit does
with the same config (config/default.yaml, read here):

  read        pandas.read_parquet of the id, numeric and categorical columns the config names
  preprocess  numeric: checked (finite, min/max bounds, > -1 under log1p), log1p where
              configured, missing values imputed with the median of the transformed column;
              categorical: missing values become a "missing" level (or the mode, ties to the
              smallest level, for region), levels with a share below min_frequency merge into
              "other". The fitted statistics are the "behavioral_scaler".
  famd        prince 0.23 FAMD(n_components from the config, default engine, random_state =
              the config's seed). Numeric columns are float, categorical ones strings (prince
              treats only float columns as numeric). Its row coordinates are the principal
              coordinates (component k has variance lambda_k), the space our refit clusters in.
  hdbscan     hdbscan 0.8.44 HDBSCAN(min_cluster_size = max(floor, round(share x stores)),
              min_samples from the config, default algorithm, gen_min_span_tree=True for
              relative_validity_, prediction_data=True: our bundle carries prediction data for
              scoring new stores). Outlier scores (GLOSH) are read, as our parquet has them.
  forest      RandomForestClassifier(n_estimators from the config, random_state=42, n_jobs=-1,
              oob_score=True) on the core points (label >= 0 and probability >= the config's
              core_threshold); every other store is predicted: noise stores take the predicted
              segment, members keep theirs; confidence = out-of-bag probability of the own
              segment for core points, else the predicted probability (as our refit does).
  segments    segment ids (1..k), profiles (standardized differences of the prepared numeric
              features, segment medians, over-represented levels) and generated names.
  metrics     relative_validity_ always; exact DBCV (hdbscan.validity.validity_index) only up
              to 20,000 stores; silhouette_score of the final segments on every store up to
              20,000, else on a sample of 20,000 (random_state=42); OOB accuracy.
  write       final_clustered_stores.parquet with the columns our refit writes (id, raw
              features, famd_1..k, cluster, probability, outlier_score, segment_id,
              segment_name, assignment_source, confidence, model_version), profiles.json and
              the original service's joblib artifacts (famd_model, hdbscan_model,
              noise_classifier_model, behavioral_scaler).

It prints one JSON object: seconds per stage, the total, the metrics and the process's own peak
RSS (VmHWM). Our refit also writes a report with three plots, segment transitions and a
checksummed model bundle with drift references; this script writes the parquet, the profiles
and the joblib files (the original service's artifacts).
"""
import argparse
import hashlib
import json
import math
import os
import sys
import time
import warnings

IMPORT_START = time.perf_counter()
import hdbscan  # noqa: E402
import joblib  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import prince  # noqa: E402
import yaml  # noqa: E402
from hdbscan.validity import validity_index  # noqa: E402
from sklearn.ensemble import RandomForestClassifier  # noqa: E402
from sklearn.metrics import silhouette_score  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - IMPORT_START

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

MISSING, OTHER = "missing", "other"
EXACT_MAX = 20000  # our refit's MetricsConfig.ExactMax default


def peak_rss():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def load_config(path):
    with open(path) as f:
        return yaml.safe_load(f)


def read_stores(path, cfg):
    cols = [cfg["id"]] + [c["name"] for c in cfg["numeric"]] + [c["name"] for c in cfg["categorical"]]
    return pd.read_parquet(path, columns=cols)


def prepare_numeric(df, spec):
    name = spec["name"]
    x = df[name].astype("float64")
    present = x.notna()
    checks = [(~np.isfinite(x[present]), "is not finite")]
    if "min" in spec:
        checks.append((x[present] < spec["min"], f"is below the minimum {spec['min']}"))
    if "max" in spec:
        checks.append((x[present] > spec["max"], f"is above the maximum {spec['max']}"))
    log1p = spec.get("transform", "none") == "log1p"
    if log1p:
        checks.append((x[present] <= -1, "is not above -1 (log1p)"))
    for bad, why in checks:
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0])
            raise ValueError(f"feature {name}: value {x[present].iloc[row]} {why}")
    if log1p:
        x = np.log1p(x)
    rule = spec.get("impute", "median")
    fill = {"median": x.median(), "mean": x.mean(), "zero": 0.0}[rule]
    return x.fillna(fill), float(fill)


def prepare_categorical(df, spec):
    name = spec["name"]
    s = df[name].astype(object)
    policy = spec.get("missing", "category")
    if policy == "mode":
        counts = s.value_counts()
        fill = sorted(counts[counts == counts.max()].index)[0]
    else:
        fill = MISSING
    s = s.fillna(fill)
    shares = s.value_counts(normalize=True)
    rare = shares[shares < spec.get("min_frequency", 0.0)].index
    if len(rare):
        s = s.where(~s.isin(rare), OTHER)
    return s.astype(str), {"fill": fill, "rare": sorted(map(str, rare)), "levels": sorted(s.unique().astype(str))}


def preprocess(df, cfg):
    out, scaler = {}, {"numeric": {}, "categorical": {}}
    for spec in cfg["numeric"]:
        out[spec["name"]], scaler["numeric"][spec["name"]] = prepare_numeric(df, spec)
    for spec in cfg["categorical"]:
        out[spec["name"]], scaler["categorical"][spec["name"]] = prepare_categorical(df, spec)
    return pd.DataFrame(out), scaler


def fit_famd(prepared, cfg):
    famd = prince.FAMD(n_components=cfg["famd"]["n_components"], random_state=cfg.get("seed", 42))
    coords = famd.fit_transform(prepared).to_numpy(dtype="float64")
    return famd, coords


def min_cluster_size(cfg, n):
    h = cfg["hdbscan"]
    size = h.get("min_cluster_size", 5)
    share = h.get("min_cluster_share", 0)
    if share > 0:
        size = max(size, int(math.floor(share * n + 0.5)), 2)  # Go's math.Round
    return size


def fit_hdbscan(coords, cfg):
    model = hdbscan.HDBSCAN(min_cluster_size=min_cluster_size(cfg, len(coords)),
                            min_samples=cfg["hdbscan"].get("min_samples"),
                            gen_min_span_tree=True, prediction_data=True)
    model.fit(coords)
    _ = model.outlier_scores_  # GLOSH, computed on first access
    return model


def assign_noise(coords, labels, probs, cfg):
    threshold = cfg["forest"].get("core_threshold", 0.5)
    core = (labels >= 0) & (probs >= threshold)
    rf = RandomForestClassifier(n_estimators=cfg["forest"].get("n_estimators", 100), random_state=42,
                                n_jobs=-1, oob_score=True)
    rf.fit(coords[core], labels[core])
    segment, confidence = labels.copy(), np.zeros(len(labels))
    source = np.where(labels < 0, "inferred", "core").astype(object)
    own = np.searchsorted(rf.classes_, labels[core])
    confidence[core] = rf.oob_decision_function_[np.arange(core.sum()), own]
    rest = np.nonzero(~core)[0]
    if len(rest):
        proba = rf.predict_proba(coords[rest])
        best = proba.argmax(axis=1)
        noise = labels[rest] < 0
        segment[rest[noise]] = rf.classes_[best[noise]]
        confidence[rest[noise]] = proba[noise, best[noise]]
        member = ~noise & np.isin(labels[rest], rf.classes_)  # a cluster may lack core points
        cols = np.searchsorted(rf.classes_, labels[rest[member]])
        confidence[rest[member]] = proba[np.nonzero(member)[0], cols]
    return rf, segment, source, confidence


def profile_segments(prepared, raw, segment_ids, cfg):
    words = cfg.get("segments", {}).get("words", {})
    num_cols = [c["name"] for c in cfg["numeric"]]
    cat_cols = [c["name"] for c in cfg["categorical"]]
    mean, std = prepared[num_cols].mean(), prepared[num_cols].std(ddof=0)
    overall = {c: prepared[c].value_counts(normalize=True) for c in cat_cols}
    profiles = []
    for sid, idx in prepared.groupby(segment_ids).groups.items():
        part = prepared.loc[idx]
        effect = ((part[num_cols].mean() - mean) / std.replace(0, np.nan)).fillna(0.0)
        medians = raw.loc[idx, num_cols].median()
        cats = []
        for c in cat_cols:
            share = part[c].value_counts(normalize=True)
            for level, s in share.items():
                o = overall[c][level]
                if 0 < o < 1:
                    cats.append({"feature": c, "level": level, "share": float(s),
                                 "effect": float((s - o) / math.sqrt(o * (1 - o)))})
        cats.sort(key=lambda t: -t["effect"])
        top = effect.abs().sort_values(ascending=False)
        traits = []
        for f in top.index:
            if abs(effect[f]) >= 0.5 and len(traits) < 3:
                w = words.get(f, {})
                traits.append(w.get("high" if effect[f] > 0 else "low", ("high " if effect[f] > 0 else "low ") + f))
        for t in cats:
            if len(traits) < 3 and t["effect"] >= 0.5 and t["share"] >= 0.5:
                traits.append(t["level"].replace("_", " "))
        profiles.append({"id": int(sid), "name": " · ".join(traits) or f"segment {sid}", "size": len(idx),
                         "share": len(idx) / len(prepared), "effects": {f: float(effect[f]) for f in num_cols},
                         "medians": {f: float(medians[f]) for f in num_cols}, "categories": cats[:5]})
    return profiles


def quality(coords, labels, segment, model, rf):
    n = len(labels)
    m = {"stores": n, "clusters": int(labels.max() + 1), "noise_share": float((labels < 0).mean()),
         "core_points": int(rf.oob_decision_function_.shape[0]), "relative_validity": float(model.relative_validity_),
         "oob_accuracy": float(rf.oob_score_), "dbcv": None}
    if n <= EXACT_MAX:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m["dbcv"] = float(validity_index(coords, labels))
    kw = {} if n <= EXACT_MAX else {"sample_size": EXACT_MAX, "random_state": 42}
    m["silhouette"] = float(silhouette_score(coords, segment, **kw)) if len(np.unique(segment)) > 1 else None
    m["silhouette_stores"] = min(n, EXACT_MAX)
    return m


def write_outputs(out, raw, coords, model, segment_ids, names, source, confidence, version, artifacts):
    os.makedirs(out, exist_ok=True)
    df = raw.copy()
    for k in range(coords.shape[1]):
        df[f"famd_{k + 1}"] = coords[:, k]
    df["cluster"] = model.labels_.astype("int64")
    df["probability"] = model.probabilities_
    df["outlier_score"] = model.outlier_scores_
    df["segment_id"] = segment_ids.astype("int64")
    df["segment_name"] = [names[s] for s in segment_ids]
    df["assignment_source"] = source.astype(str)
    df["confidence"] = confidence
    df["model_version"] = version
    df.to_parquet(os.path.join(out, "final_clustered_stores.parquet"), index=False)
    for name, obj in artifacts.items():
        joblib.dump(obj, os.path.join(out, name + ".joblib"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--input", required=True, help="store table (.parquet)")
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--config", default=os.path.join(ROOT, "config", "default.yaml"))
    args = ap.parse_args()
    t0 = time.perf_counter()
    stages, state = {}, {}

    def stage(name, fn):
        start = time.perf_counter()
        result = fn()
        stages[name] = time.perf_counter() - start
        return result

    cfg = load_config(args.config)
    raw = stage("read", lambda: read_stores(args.input, cfg))
    prepared, scaler = stage("preprocess", lambda: preprocess(raw, cfg))
    famd, coords = stage("famd", lambda: fit_famd(prepared, cfg))
    model = stage("hdbscan", lambda: fit_hdbscan(coords, cfg))
    labels, probs = model.labels_, model.probabilities_
    if labels.max() < 0:
        sys.exit("hdbscan found no cluster; every store is noise")
    rf, segment, source, confidence = stage("forest", lambda: assign_noise(coords, labels, probs, cfg))
    segment_ids = segment + 1
    profiles = stage("segments", lambda: profile_segments(prepared, raw, segment_ids, cfg))
    metrics = stage("metrics", lambda: quality(coords, labels, segment, model, rf))
    version = "py" + hashlib.sha256(json.dumps([len(raw), metrics], sort_keys=True).encode()).hexdigest()[:16]
    names = {p["id"]: p["name"] for p in profiles}
    artifacts = {"famd_model": famd, "hdbscan_model": model, "noise_classifier_model": rf, "behavioral_scaler": scaler}
    stage("write", lambda: write_outputs(args.out, raw, coords, model, segment_ids, names, source, confidence,
                                         version, artifacts))
    with open(os.path.join(args.out, "profiles.json"), "w") as f:
        json.dump(profiles, f, indent=2)
    state.update(stages=stages, import_seconds=IMPORT_SECONDS, total_seconds=time.perf_counter() - t0, metrics=metrics,
                 peak_rss_bytes=peak_rss(), model_version=version, inertia_kept=float(np.asarray(
                     famd.cumulative_percentage_of_variance_)[-1]))
    print(json.dumps(state))


if __name__ == "__main__":
    main()
