"""Writes tree_fixture.json: single decision trees grown by scikit-learn, for tree_test.go.

Run from this directory with the pinned reference stack (bench/requirements.txt):
    python3 gen_tree.py
Produced with scikit-learn 1.9.1, numpy 2.4.6, Python 3.11.7 (recorded in the JSON).

The data: 60 samples, 4 features drawn with numpy RandomState(seed); the class follows
axis-aligned rules on features 0 and 1 with a few labels flipped, features 2 and 3 are
noise; labels are -1, 3 and 10.
Each case is a DecisionTreeClassifier (all features at every split, no bootstrap: what
forest.Train grows with NEstimators 1, NoBootstrap and MaxFeaturesAll). A tree only
characterises the algorithm when no two candidate splits tie (otherwise the random feature
order decides), so every case is refit with 40 random_states and must give the identical
tree each time; the script fails otherwise.

tree_test.go compares node by node: structure (pre-order ids, children, features)
exactly, thresholds as float32 (sklearn stores the float64 midpoint of two float32 values;
rounding it to float32 gives ours), impurity, weighted and unweighted sample counts and the
leaf class fractions within 1e-12, and predict_proba of 20 probe rows and the feature
importances within 1e-12.
"""
import json
import platform

import numpy as np
import sklearn
from sklearn.tree import DecisionTreeClassifier

LABELS = np.array([-1, 3, 10])  # arbitrary ints, as HDBSCAN ids: classes_ = sorted unique


def make_data(seed, nflip, n=60):
    rng = np.random.RandomState(seed)
    X = np.column_stack([
        rng.uniform(0, 10, n),
        rng.uniform(0, 10, n),
        rng.uniform(0, 1, n),
        rng.normal(0, 1, n),
    ])
    y = np.where(X[:, 0] < 4, 0, np.where(X[:, 1] < 5, 1, 2))
    flip = rng.choice(n, nflip, replace=False)
    y[flip] = (y[flip] + 1 + rng.randint(0, 2, nflip)) % 3
    return X, LABELS[y]


# name: (data seed, flipped labels, DecisionTreeClassifier parameters). The data seeds were
# picked (by trying seeds in order) so that each case is free of tied splits.
CASES = {
    "fully_grown": (24, 4, dict()),
    "min_samples_leaf_3": (2, 6, dict(min_samples_leaf=3)),
    "balanced_leaf_3": (2, 6, dict(min_samples_leaf=3, class_weight="balanced")),
    "max_depth_3": (2, 6, dict(max_depth=3)),
    "min_samples_split_12": (4, 6, dict(min_samples_split=12)),
}


def structure(t):
    return dict(
        children_left=t.children_left.tolist(),
        children_right=t.children_right.tolist(),
        feature=t.feature.tolist(),
        threshold=t.threshold.tolist(),
        impurity=t.impurity.tolist(),
        n_node_samples=t.n_node_samples.tolist(),
        weighted_n_node_samples=t.weighted_n_node_samples.tolist(),
        value=t.value[:, 0, :].tolist(),
    )


out = dict(
    provenance=dict(
        script="gen_tree.py",
        sklearn=sklearn.__version__,
        numpy=np.__version__,
        python=platform.python_version(),
    ),
    cases={},
)
for name, (seed, nflip, params) in CASES.items():
    X, y = make_data(seed, nflip)
    trees = [DecisionTreeClassifier(random_state=s, **params).fit(X, y) for s in range(40)]
    ref = structure(trees[0].tree_)
    for t in trees[1:]:
        # Splits must be identical; float sums may differ in the last bit with sample order.
        got = structure(t.tree_)
        for k in ("children_left", "children_right", "feature", "threshold", "n_node_samples"):
            assert got[k] == ref[k], f"{name}: tied splits, the tree depends on random_state"
        for k in ("impurity", "weighted_n_node_samples", "value"):
            assert np.allclose(got[k], ref[k], rtol=1e-13, atol=1e-13), (name, k)
    assert list(trees[0].classes_) == sorted(set(y.tolist()))
    probes = np.random.RandomState(seed + 1000).uniform(-1, 11, (20, 4))
    out["cases"][name] = dict(
        params=params,
        x=X.tolist(),
        y=y.tolist(),
        tree=ref,
        probes=probes.tolist(),
        probe_proba=trees[0].predict_proba(probes).tolist(),
        feature_importances=trees[0].feature_importances_.tolist(),
    )
    print(name, "nodes", trees[0].tree_.node_count, "depth", trees[0].get_depth())

with open("tree_fixture.json", "w") as f:
    json.dump(out, f, indent=1)
