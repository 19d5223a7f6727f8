#!/usr/bin/env python3
"""Golden values for model/validity (run from this directory: python3 gen_validity.py).

Writes one JSON file per data set with the rows, the labels and what the reference stack
returns for them:

  dbcv                hdbscan.validity.validity_index(X, labels, per_cluster_scores=True)
  silhouette_all      sklearn.metrics.silhouette_score / silhouette_samples(X, labels)
                      (every label, -1 included as an ordinary cluster)
  silhouette_clusters the same on the rows with labels >= 0 only (noise rows removed)
  relative_validity   hdbscan.HDBSCAN(..., gen_min_span_tree=True).relative_validity_, with
                      the fit's minimum_spanning_tree_ edges and labels_ (fit data sets only)

A reference value that raises is stored as {"error": "<exception type>"}; NaN and infinities
are stored as the strings "NaN", "Infinity", "-Infinity".

Coordinates are rounded to multiples of 2^-20 inside (-4, 4) (except raw10d), so every dot
product in sklearn's ||x||^2 - 2 x.y + ||y||^2 distance expansion is exact and the reference's
distances equal the directly computed ones bit for bit; raw10d checks unrounded data.
Tolerance in the Go test: |got - want| <= 1e-9 * max(1, |want|).
"""
import json
import platform
import sys

import hdbscan
import numpy as np
import scipy
import sklearn
from hdbscan.validity import validity_index
from sklearn.metrics import silhouette_samples, silhouette_score

SEED = 20260521


def enc(v):
    v = float(v)
    if np.isnan(v):
        return "NaN"
    if np.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return v


def quantize(X):
    X = X - X.mean(axis=0)
    X = X * (3.5 / np.abs(X).max())
    return np.round(X * 2.0**20) / 2.0**20


def blobs(rng, dim, sizes, stds, spread, noise):
    """Gaussian blobs with the given sizes and spreads, uniform noise labelled -1, shuffled."""
    xs, ls = [], []
    for c, (m, s) in enumerate(zip(sizes, stds)):
        centre = rng.uniform(-spread, spread, dim)
        xs.append(centre + s * rng.standard_normal((m, dim)))
        ls.append(np.full(m, c))
    if noise:
        lo = np.min(np.vstack(xs), axis=0) - 1
        hi = np.max(np.vstack(xs), axis=0) + 1
        xs.append(rng.uniform(lo, hi, (noise, dim)))
        ls.append(np.full(noise, -1))
    X, y = np.vstack(xs), np.concatenate(ls)
    p = rng.permutation(len(y))
    return X[p], y[p]


def attempt(fn):
    try:
        return fn()
    except Exception as e:  # the reference's failure mode is part of the fixture
        return {"error": type(e).__name__}


def dbcv(X, y):
    def run():
        score, per = validity_index(X, y, per_cluster_scores=True)
        present = sorted(set(int(c) for c in y if c >= 0))
        return {"score": enc(score), "per_cluster": {str(c): enc(per[c]) for c in present}}
    return attempt(run)


def silhouette(X, y):
    def run():
        return {"score": enc(silhouette_score(X, y)),
                "samples": [enc(v) for v in silhouette_samples(X, y)]}
    return attempt(run)


def fit_relative(X, **kw):
    m = hdbscan.HDBSCAN(gen_min_span_tree=True, **kw).fit(X)
    mst = m._min_spanning_tree
    edges = [[int(a), int(b), float(w)] for a, b, w in mst]
    return m.labels_.astype(int), {"edges": edges, "labels": [int(v) for v in m.labels_],
                                   "score": enc(m.relative_validity_), "params": kw}


def record(name, X, y, relative=None):
    out = {
        "name": name,
        "provenance": "model/validity/testdata/gen_validity.py",
        "versions": VERSIONS,
        "tolerance": "abs/rel 1e-9",
        "x": X.tolist(),
        "labels": [int(v) for v in y],
        "dbcv": dbcv(X, y),
        "silhouette_all": silhouette(X, y),
        "silhouette_clusters": silhouette(X[y >= 0], y[y >= 0]),
    }
    if relative is not None:
        out["relative_validity"] = relative
    with open(name + ".json", "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print(name, len(y), "points", X.shape[1], "dims:", out["dbcv"])


def duplicates(rng):
    """Clusters with exact duplicate rows, and one cluster whose 4 points coincide."""
    X, y = blobs(rng, 3, [30, 20], [0.3, 0.5], 4, 6)
    X = quantize(X)
    dup = rng.choice(np.flatnonzero(y >= 0), 12, replace=False)
    X = np.vstack([X, X[dup], X[dup[:4]], np.tile(np.array([[3.0, -3.0, 3.0]]), (4, 1))])
    y = np.concatenate([y, y[dup], y[dup[:4]], [2, 2, 2, 2]])
    p = rng.permutation(len(y))
    return X[p], y[p]


def lattices(rng):
    """Two jittered 7x7 lattices: many mutual reachability distances differ by ~1e-6
    relative, so numpy.isclose (rtol 1e-5), not exact equality, picks the MST parents."""
    g = np.stack(np.meshgrid(np.arange(7), np.arange(7)), -1).reshape(-1, 2) * 0.25
    jitter = rng.integers(-1, 2, (2, len(g), 2)) * 2.0**-20
    X = np.vstack([g - 2 + jitter[0], g + 0.5 + jitter[1], rng.uniform(-2, 2, (6, 2))])
    X = np.round(X * 2.0**20) / 2.0**20
    y = np.concatenate([np.zeros(len(g), int), np.ones(len(g), int), -np.ones(6, int)])
    p = rng.permutation(len(y))
    X, y = X[p], y[p]
    # Self-check: this seed was chosen so that the isclose rule changes the score.
    import hdbscan.validity as hv
    with_isclose = validity_index(X, y)
    numpy_isclose = hv.isclose
    hv.isclose = lambda a, b: a == b
    try:
        with_equality = validity_index(X, y)
    finally:
        hv.isclose = numpy_isclose
    assert with_isclose != with_equality, "lattice2d no longer exercises the isclose parent rule"
    return X, y


def main():
    rng = np.random.default_rng(SEED)
    X, y = blobs(rng, 2, [3, 25, 120, 60], [0.05, 0.3, 0.6, 0.2], 5, 30)
    record("blobs2d", quantize(X), y)
    # The same rows times 2^-400 (exact): numpy.isclose's absolute tolerance 1e-8 now
    # exceeds every distance, so the parent rule (and the score) changes with the units.
    record("tiny2d", quantize(X) * 2.0**-400, y)
    X, y = blobs(rng, 5, [800, 150, 40, 10], [1.0, 0.4, 0.2, 0.05], 6, 60)
    record("density5d", quantize(X), y)
    X, y = blobs(rng, 10, [200, 120, 60], [0.5, 0.8, 0.3], 3, 20)
    record("blobs10d", quantize(X), y)
    X, y = blobs(rng, 10, [150, 90, 40], [0.5, 0.8, 0.3], 3, 15)
    record("raw10d", X - X.mean(axis=0), y)
    X, y = blobs(rng, 3, [40, 30, 25], [0.3, 0.2, 0.4], 4, 10)
    y = np.where(y == 1, 2, np.where(y == 2, 5, y))  # labels 0, 2, 5: ids 1, 3, 4 unused
    record("gaps3d", quantize(X), y)
    X, y = blobs(rng, 4, [2, 3, 50, 2], [0.1, 0.1, 0.5, 0.1], 4, 8)
    record("tiny4d", quantize(X), y)
    X, y = blobs(rng, 3, [60], [0.5], 3, 8)
    record("single3d", quantize(X), y)
    X, y = blobs(rng, 2, [1, 30, 20], [0.1, 0.4, 0.3], 4, 5)
    record("singleton2d", quantize(X), y)  # validity_index raises; silhouette scores it 0
    X, y = duplicates(rng)
    record("duplicates3d", X, y)
    X, y = lattices(np.random.default_rng(17))
    record("lattice2d", X, y)
    X, _ = blobs(rng, 5, [300, 200, 150, 80, 40], [0.5, 0.4, 0.6, 0.3, 0.2], 5, 40)
    X = quantize(X)
    labels, rel = fit_relative(X, min_cluster_size=15)
    record("hdbscan5d", X, labels, rel)
    X, _ = blobs(rng, 2, [120], [0.5], 2, 25)
    X = quantize(X)
    labels, rel = fit_relative(X, min_cluster_size=10, allow_single_cluster=True)
    record("hdbscan_single2d", X, labels, rel)


VERSIONS = {"python": platform.python_version(), "numpy": np.__version__,
            "scipy": scipy.__version__, "scikit-learn": sklearn.__version__,
            "hdbscan": "0.8.44"}

if __name__ == "__main__":
    from importlib.metadata import version
    VERSIONS["hdbscan"] = version("hdbscan")
    sys.exit(main())
