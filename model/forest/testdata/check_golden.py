"""Checks that forest_golden.npz is usable without Go: NumPy alone reproduces its predictions.

forest_test.go (TestGolden, go test -update) writes forest_golden.npz, a 5-tree forest on
the Iris training split, and forest_golden_proba.json, Go's PredictProba on the test rows.
This script walks the flat arrays the way the package documents them and must reproduce
those probabilities exactly. Run from this directory: python3 check_golden.py (checked with
numpy 2.4.6, Python 3.11.7; any NumPy that reads .npy 1.0 works).
"""
import json
import zipfile

import numpy as np

z = np.load("forest_golden.npz")
meta = json.loads(zipfile.ZipFile("forest_golden.npz").read("forest.json"))
assert meta["format"] == "storeseg.forest" and meta["version"] == 1, meta
feature, threshold = z["feature"], z["threshold"]
left, right, offsets = z["left"], z["right"], z["tree_offsets"]
voff, vclass, vprob = z["value_offsets"], z["value_class"], z["value_prob"]
classes = z["classes"]


def predict_proba(row):
    row32 = np.asarray(row, dtype=np.float32)  # features are compared as float32
    out = np.zeros(len(classes))
    for t in range(meta["n_trees"]):
        base, i = offsets[t], 0
        while feature[base + i] != meta["leaf_marker"]:
            g = base + i
            i = left[g] if row32[feature[g]] <= threshold[g] else right[g]
        g = base + i
        np.add.at(out, vclass[voff[g]:voff[g + 1]], vprob[voff[g]:voff[g + 1]])
    return out / meta["n_trees"]


golden = json.load(open("forest_golden_proba.json"))
got = np.array([predict_proba(r) for r in golden["x"]])
want = np.array(golden["proba"])
assert np.array_equal(got, want), np.abs(got - want).max()
print(f"forest_golden.npz: NumPy reproduces Go's predict_proba on {len(want)} rows exactly;",
      "classes", classes.tolist(), "oob_score", meta["oob_score"])
