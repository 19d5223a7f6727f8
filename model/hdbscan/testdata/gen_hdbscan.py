#!/usr/bin/env python3
"""Golden fixtures for model/hdbscan, computed with Python hdbscan 0.8.44.

Run from this directory:  python3 gen_hdbscan.py   (writes case_*.npz next to it)

Reference. hdbscan's exact minimum spanning tree is Prim's algorithm from row 0
(algorithm="prims_kdtree"; approx_min_span_tree=False makes no difference to it). hdbscan then
orders the tree's edges with np.argsort, an unstable sort. Mutual reachability makes equal
weights common (a point whose core distance is the weight of two tree edges joins two groups at
once), and numpy's sort kernel puts such edges in an order that is not specified (on this
AVX-512 machine it is not the order Prim's produced them in). Which group the point then falls
out of, and sometimes which small group reaches min_cluster_size, follows that order. The Go
port sorts stably instead (equal weights keep Prim's order). So every fixture stores

  ref_*    hdbscan 0.8.44's own pipeline (_hdbscan_prims_kdtree: KDTree core distances,
           mst_linkage_core_vector, label, _tree_to_labels, outlier_scores, PredictionData,
           approximate_predict, approximate_predict_scores) with np.argsort(kind="stable"):
           the Go result must equal it exactly (ids, numbering, row order) up to the stated
           float tolerance;
  prims_*  stock HDBSCAN(algorithm="prims_kdtree") labels;
  exact_*  stock HDBSCAN(approx_min_span_tree=False) labels/probabilities (hdbscan's default
           exact path: dual-tree Boruvka, whose edges point the other way, so it numbers
           clusters differently; it ignores alpha, so alpha_3d does not compare with it);

and each data set is drawn (seed by seed) until the stock labels agree with the reference:
identical to prims_kdtree, and the same partition with the same noise as the Boruvka path.
Tie-sorted single points may still sit in a different (unselected) condensed-tree cluster in
the stock runs; meta records whether the stock condensed tree and probabilities agree too.
Cases whose selected clusters all have a point of their own also satisfy hdbscan's
prediction-data rule (see Predictor in the Go package) and store prediction results;
`prediction_comparable` records it.

Tolerances used by the Go test: 1e-12 relative for core distances, λ and MST weights (the
arithmetic is the same, so they agree to the bit in practice), 1e-9 absolute for
probabilities, outlier scores, persistence and predictions.
"""
import json
import platform
import sys
import warnings
import zipfile

import numpy as np
import sklearn
import hdbscan
from hdbscan import HDBSCAN
from hdbscan._hdbscan_linkage import label as slt_label, mst_linkage_core_vector
from hdbscan._hdbscan_tree import outlier_scores
from hdbscan.dist_metrics import DistanceMetric
from hdbscan.hdbscan_ import _tree_to_labels
from hdbscan.prediction import approximate_predict, approximate_predict_scores
from sklearn.neighbors import KDTree

warnings.filterwarnings("ignore")
assert hdbscan.__version__ if hasattr(hdbscan, "__version__") else True


def versions():
    from importlib.metadata import version
    return {"hdbscan": version("hdbscan"), "numpy": np.__version__,
            "scikit-learn": sklearn.__version__, "python": platform.python_version()}


# ---------------------------------------------------------------- data: store-like archetypes
def archetypes(rng, n, d, noise=0.05):
    """Anisotropic blobs of different densities, a curved arc and an elongated stick, plus
    uniform background noise, shuffled: what FAMD coordinates of store archetypes look like."""
    n_noise = int(n * noise)
    n_arc, n_stick = n // 6, n // 8
    n_blobs = n - n_noise - n_arc - n_stick
    sizes = rng.multinomial(n_blobs, [0.35, 0.3, 0.2, 0.15])
    parts = []
    for i, m in enumerate(sizes):
        c = rng.uniform(-10, 10, d)
        a = rng.normal(size=(d, d)) * rng.uniform(0.25, 1.2)
        parts.append(c + rng.normal(size=(m, d)) @ a)
    t = rng.uniform(0, np.pi, n_arc)
    arc = rng.normal(scale=0.25, size=(n_arc, d))
    arc[:, 0] += 7 * np.cos(t)
    arc[:, 1] += 7 * np.sin(t) - 12
    parts.append(arc)
    u = rng.normal(size=d)
    u /= np.linalg.norm(u)
    s = rng.uniform(-9, 9, n_stick)
    parts.append(rng.uniform(-5, 5, d) + s[:, None] * u + rng.normal(scale=0.2, size=(n_stick, d)))
    x = np.vstack(parts)
    lo, hi = x.min(0), x.max(0)
    x = np.vstack([x, rng.uniform(lo, hi, size=(n_noise, d))])
    return x[rng.permutation(len(x))]


def density_blobs(rng, n, d):
    """Three blobs whose densities differ by two orders of magnitude."""
    sizes = [n // 2, n // 3, n - n // 2 - n // 3]
    scales = [0.2, 1.0, 3.0]
    parts = [rng.uniform(-15, 15, d) + rng.normal(scale=s, size=(m, d)) for m, s in zip(sizes, scales)]
    x = np.vstack(parts)
    return x[rng.permutation(len(x))]


def with_duplicates(rng, n, d):
    """Store-like data where some stores repeat exactly: 10% of rows copied once, a few
    groups of 3..12 identical rows and one group of 40 (more than min_samples, so its core
    distance is 0 and it merges at λ = +Inf)."""
    x = archetypes(rng, n, d, noise=0.03)
    once = x[rng.choice(n, size=n // 10, replace=False)]
    groups = [np.repeat(x[rng.integers(n)][None], m, axis=0) for m in (3, 5, 8, 12, 40)]
    x = np.vstack([x, once] + groups)
    return x[rng.permutation(len(x))]


def held_out(rng, x, m):
    """New points: jittered training rows plus a few far away."""
    pick = x[rng.integers(0, len(x), m - 5)]
    near = pick + rng.normal(scale=0.3 * x.std(0), size=pick.shape)
    far = x.mean(0) + rng.normal(scale=4 * x.std(0), size=(5, x.shape[1]))
    return np.vstack([near, far])


# ---------------------------------------------------------------- reference pipeline
def params_for(case):
    p = dict(min_cluster_size=5, min_samples=None, alpha=1.0, cluster_selection_method="eom",
             cluster_selection_epsilon=0.0, cluster_selection_epsilon_max=float("inf"),
             allow_single_cluster=False, max_cluster_size=0)
    p.update(case.get("params", {}))
    return p


def reference(x, p):
    n = len(x)
    ms = p["min_samples"] or p["min_cluster_size"]
    ms_fit = max(min(n - 1, ms), 1)
    tree = KDTree(x, leaf_size=40)
    core = tree.query(x, k=ms_fit + 1, dualtree=True, breadth_first=True)[0][:, -1].copy(order="C")
    mst = mst_linkage_core_vector(x, core, DistanceMetric.get_metric("euclidean"), p["alpha"])
    slt = slt_label(mst[np.argsort(mst.T[2], kind="stable"), :])
    labels, probs, pers, ct, _ = _tree_to_labels(
        x, slt, p["min_cluster_size"], p["cluster_selection_method"], p["allow_single_cluster"],
        False, p["cluster_selection_epsilon"], 0.0, p["max_cluster_size"],
        p["cluster_selection_epsilon_max"])
    return dict(core=core, mst=mst, labels=labels, probs=probs, pers=pers, ct=ct,
                scores=outlier_scores(ct))


def stock(x, p, **kw):
    return HDBSCAN(min_cluster_size=p["min_cluster_size"], min_samples=p["min_samples"],
                   alpha=p["alpha"], cluster_selection_method=p["cluster_selection_method"],
                   cluster_selection_epsilon=p["cluster_selection_epsilon"],
                   cluster_selection_epsilon_max=p["cluster_selection_epsilon_max"],
                   allow_single_cluster=p["allow_single_cluster"],
                   max_cluster_size=p["max_cluster_size"], **kw).fit(x)


def same_partition(a, b):
    """Labels equal up to renaming clusters, noise identical."""
    if not np.array_equal(a < 0, b < 0):
        return False
    pairs = set(zip(a[a >= 0].tolist(), b[b >= 0].tolist()))
    return len(pairs) == len({p[0] for p in pairs}) == len({p[1] for p in pairs})


def sorted_rows(ct):
    return np.sort(np.array([tuple(r) for r in ct.tolist()], dtype=float), axis=0)


def own_points(ct, labels):
    """True when every label's lowest parent cluster holds all of that label's points, i.e.
    hdbscan's labels-derived prediction clusters are the selected clusters themselves."""
    pts = ct[ct["child_size"] == 1]
    ctree = ct[ct["child_size"] > 1]
    for l in range(labels.max() + 1):
        sel = pts["parent"][labels[pts["child"]] == l]
        c = sel.min()
        below, todo = {c}, [c]
        while todo:
            kids = ctree["child"][ctree["parent"] == todo.pop()].tolist()
            below.update(kids)
            todo.extend(kids)
        if not all(s in below for s in sel.tolist()):
            return False
    return True


def predictions(x, p, ref, xt):
    """approximate_predict and approximate_predict_scores through hdbscan's own
    PredictionData, fed with the reference tree."""
    c = stock(x, p, algorithm="prims_kdtree")
    c.labels_, c.probabilities_ = ref["labels"], ref["probs"]
    c.cluster_persistence_ = ref["pers"]
    c._condensed_tree, c._outlier_scores = ref["ct"], None
    c.prediction_data = True
    c.generate_prediction_data()
    lab, prob = approximate_predict(c, xt)
    score = approximate_predict_scores(c, xt)
    ex = c.exemplars_
    return lab.astype(np.int64), np.asarray(prob, dtype=float), np.asarray(score, dtype=float), ex


# ---------------------------------------------------------------- cases
def build(name, make, params=None, n_test=150, max_tries=60, check_stock=True):
    for seed in range(max_tries):
        rng = np.random.default_rng([20240917, seed, len(name)])
        x = make(rng)
        case = {"params": params or {}}
        p = params_for(case)
        ref = reference(x, p)
        prims = stock(x, p, algorithm="prims_kdtree")
        exact = stock(x, p, approx_min_span_tree=False)
        # hdbscan's Boruvka ignores alpha (it never passes it on), so with alpha != 1 only
        # Prim's is a reference.
        ok = (np.array_equal(prims.labels_, ref["labels"])
              and (p["alpha"] != 1 or same_partition(exact.labels_, ref["labels"])))
        if ok or not check_stock:
            break
    else:
        raise SystemExit(f"{name}: no draw in {max_tries} seeds where stock labels agree")
    xt = held_out(rng, x, n_test)
    comparable = bool(ref["labels"].max() < 0 or own_points(ref["ct"], ref["labels"]))
    arrays = {
        "x": x, "x_test": xt,
        "ref_core": ref["core"], "ref_mst": ref["mst"],
        "ref_labels": ref["labels"].astype(np.int64), "ref_probabilities": ref["probs"],
        "ref_outlier_scores": ref["scores"], "ref_persistence": np.asarray(ref["pers"], dtype=float),
        "ref_ct_parent": ref["ct"]["parent"].astype(np.int64),
        "ref_ct_child": ref["ct"]["child"].astype(np.int64),
        "ref_ct_lambda": ref["ct"]["lambda_val"].astype(float),
        "ref_ct_size": ref["ct"]["child_size"].astype(np.int64),
        "prims_labels": prims.labels_.astype(np.int64),
        "exact_labels": exact.labels_.astype(np.int64),
        "exact_probabilities": exact.probabilities_.astype(float),
    }
    ms = p["min_samples"] or p["min_cluster_size"]
    if comparable and 2 * ms <= len(x):  # sklearn's KDTree.query needs k <= n
        lab, prob, score, ex = predictions(x, p, ref, xt)
        arrays.update(pred_labels=lab, pred_probabilities=prob, pred_scores=score,
                      exemplar_counts=np.array([len(e) for e in ex], dtype=np.int64),
                      exemplars=np.vstack(ex) if len(ex) else np.zeros((0, x.shape[1])))
    meta = {
        "case": name, "seed": seed, "stock_labels_agree": bool(ok), "prediction_comparable": comparable,
        "stock_condensed_agrees": bool(np.array_equal(sorted_rows(prims.condensed_tree_._raw_tree),
                                                      sorted_rows(ref["ct"]))),
        "stock_probabilities_agree": bool(np.allclose(exact.probabilities_, ref["probs"], rtol=0, atol=1e-9)),
        "params": {k: (None if v == float("inf") else v) for k, v in params_for(case).items()},
        "versions": versions(),
        "generator": "model/hdbscan/testdata/gen_hdbscan.py",
        "tolerance": {"core_lambda_mst_rel": 1e-12, "prob_score_abs": 1e-9},
    }
    path = f"case_{name}.npz"
    np.savez(path, **arrays)
    with zipfile.ZipFile(path, "a") as z:
        z.writestr("meta.json", json.dumps(meta, sort_keys=True))
    print(f"{path}: n={len(x)} d={x.shape[1]} seed={seed} clusters={ref['labels'].max() + 1} "
          f"noise={int((ref['labels'] < 0).sum())} comparable={comparable} stock={ok}",
          file=sys.stderr)


def main():
    build("archetypes_2d", lambda r: archetypes(r, 700, 2), {"min_cluster_size": 15, "min_samples": 6})
    build("archetypes_5d", lambda r: archetypes(r, 1500, 5), {"min_cluster_size": 15, "min_samples": 8})
    build("archetypes_8d", lambda r: archetypes(r, 2000, 8), {"min_cluster_size": 25, "min_samples": 10})
    build("density_3d", lambda r: density_blobs(r, 900, 3), {"min_cluster_size": 12})
    build("duplicates_3d", lambda r: with_duplicates(r, 600, 3), {"min_cluster_size": 20, "min_samples": 10})
    a3 = lambda r: archetypes(r, 800, 3)
    base = {"min_cluster_size": 20, "min_samples": 10}
    build("leaf_3d", a3, {**base, "cluster_selection_method": "leaf"})
    build("leaf_epsilon_3d", a3, {**base, "cluster_selection_method": "leaf", "cluster_selection_epsilon": 1.0})
    build("eom_epsilon_3d", a3, {**base, "cluster_selection_epsilon": 1.5})
    build("eom_epsilon_max_3d", a3, {**base, "cluster_selection_epsilon_max": 2.0})
    build("max_cluster_size_3d", a3, {**base, "max_cluster_size": 120})
    build("min_samples_3d", a3, {"min_cluster_size": 25, "min_samples": 3})
    build("alpha_3d", a3, {**base, "alpha": 1.7})
    one = lambda r: r.normal(size=(300, 4))
    build("one_blob_single", one, {"min_cluster_size": 10, "allow_single_cluster": True})
    build("one_blob", one, {"min_cluster_size": 10})
    build("single_epsilon", one, {"min_cluster_size": 10, "allow_single_cluster": True,
                                  "cluster_selection_epsilon": 0.5})
    build("identical", lambda r: np.tile([[1.5, -2.0, 0.25]], (20, 1)), {"min_cluster_size": 5},
          n_test=10, check_stock=False)
    build("two_points", lambda r: np.array([[0.0, 1.0], [3.0, 5.0]]), {"min_cluster_size": 2},
          n_test=10, check_stock=False)


if __name__ == "__main__":
    main()
