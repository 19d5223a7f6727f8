"""Writes iris.csv, wine.csv and reference.json for forest_test.go.

Run from this directory with the pinned reference stack (bench/requirements.txt):
    python3 gen_datasets.py
Produced with scikit-learn 1.9.1, numpy 2.4.6, Python 3.11.7 (recorded in reference.json).

The data sets are scikit-learn's bundled copies of the UCI Iris (Fisher 1936) and Wine
(Forina et al.) data: sklearn.datasets.load_iris / load_wine. Each CSV holds the features,
the integer label and a fixed stratified 70/30 train/test split (split column, from
train_test_split with random_state=0).

reference.json records what scikit-learn's RandomForestClassifier (defaults, oob_score=True)
reaches on each split: test accuracy and OOB accuracy, mean and min over random_state 0..19.
forest_test.go requires our forest (mean over its own seeds) to stay within 0.03 of these
means: statistical parity, not identical trees.
"""
import json
import platform

import numpy as np
import sklearn
from sklearn.datasets import load_iris, load_wine
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split

ref = dict(provenance=dict(script="gen_datasets.py", sklearn=sklearn.__version__,
                           numpy=np.__version__, python=platform.python_version()))
for name, loader in (("iris", load_iris), ("wine", load_wine)):
    X, y = loader(return_X_y=True)
    idx = np.arange(len(y))
    tr, te = train_test_split(idx, test_size=0.3, random_state=0, stratify=y)
    split = np.zeros(len(y), dtype=int)
    split[te] = 1
    cols = [f"f{j}" for j in range(X.shape[1])]
    with open(f"{name}.csv", "w") as f:
        f.write(",".join(cols + ["label", "test"]) + "\n")
        for i in range(len(y)):
            f.write(",".join(repr(float(v)) for v in X[i]) + f",{y[i]},{split[i]}\n")
    acc, oob = [], []
    for seed in range(20):
        rf = RandomForestClassifier(oob_score=True, random_state=seed).fit(X[tr], y[tr])
        acc.append(rf.score(X[te], y[te]))
        oob.append(rf.oob_score_)
    ref[name] = dict(n_train=len(tr), n_test=len(te),
                     test_accuracy_mean=float(np.mean(acc)), test_accuracy_min=float(np.min(acc)),
                     oob_accuracy_mean=float(np.mean(oob)), oob_accuracy_min=float(np.min(oob)))
    print(name, ref[name])

with open("reference.json", "w") as f:
    json.dump(ref, f, indent=1)
