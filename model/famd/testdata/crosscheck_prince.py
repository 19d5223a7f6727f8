"""Cross-check prince's FAMD against the FactoMineR goldens in this directory.

Run from this directory:   python3 crosscheck_prince.py > crosscheck_prince.txt
Tools: prince 0.23.0 (engine="scipy": exact LAPACK SVD), pandas, numpy (bench/requirements.txt).

For every <case>.csv / <case>.json pair written by gen_famd.R it fits
prince.FAMD(n_components=ncp, engine="scipy") on the same CSV and compares with FactoMineR:
eigenvalues, row coordinates and contributions, numeric column coordinates, level
coordinates (prince reports the PCA coordinate G = V·sqrt(lambda) of each indicator;
FactoMineR's quali.var$coord is G·sqrt(lambda/p)), variable coordinates (r², eta²) and
contributions. Before comparing, prince's components get FactoMineR's svd.triplet signs (the
sum of each loading column made positive). It prints the largest relative difference of each
quantity over entries with |value| > 1e-6 (and the largest absolute difference).

prince quirks handled here (reference/NOTES.md §1):
  * prince treats only float columns as numeric; an int column (read_csv gives int64 for
    integral values, e.g. constnum's "opened" = 7) becomes categorical. We pass
    categorical_columns= explicitly, and prince then casts the numeric ones to float.
  * prince's one-hot columns are "<col>_<level>" with levels sorted as strings; FactoMineR's
    are sorted by R's locale. We match levels by name, not by position.
  * prince refuses tables without numeric or without categorical columns (numonly, catonly).
  * FactoMineR keeps LAPACK's sign when ncp = 1 on a tall table (case ncp1), so the sign rule
    may not reproduce FactoMineR there; we then also report the comparison up to sign.
"""

import json
import sys

import numpy as np
import pandas as pd
import prince

CASES = ["wiki", "stores", "ncp1", "onecat", "onenum", "catonly", "numonly",
         "constnum", "singleton", "collinear", "nested", "levels200"]


def arr(x):
    return np.array([[np.nan if v is None else v for v in row] for row in x], dtype=float)


def vec(x):
    return np.array([np.nan if v is None else v for v in x], dtype=float)


def diff(got, want):
    got, want = np.asarray(got, float), np.asarray(want, float)
    ok = np.isfinite(want)
    d = np.abs(got - want)[ok]
    big = np.abs(want[ok]) > 1e-6
    rel = (d[big] / np.abs(want[ok][big])).max() if big.any() else 0.0
    return rel, (d.max() if d.size else 0.0)


def check(name):
    g = json.load(open(name + ".json"))
    df = pd.read_csv(name + ".csv")
    num, cat, k = g["num"], g["cat"], g["ncp"]
    for c in cat:
        df[c] = df[c].astype(str)
    famd = prince.FAMD(n_components=k, engine="scipy", categorical_columns=cat)
    try:
        famd.fit(df[num + cat])
    except ValueError as e:
        return [(name, "prince refuses: " + str(e))]
    lam = famd.eigenvalues_
    V = famd.svd_.V  # k × (p + L)
    sign = np.where(V.sum(axis=1) < 0, -1.0, 1.0)
    rows = []

    def add(what, got, want, signed=False):
        rel, ab = diff(got, want)
        line = f"{what:<15} rel {rel:9.2e}  abs {ab:9.2e}"
        if signed and name == "ncp1":
            rel2, _ = diff(np.abs(got), np.abs(want))
            line += f"   (up to sign: rel {rel2:9.2e})"
        rows.append((name, line))

    add("eigenvalues", lam, vec(g["eig"]))
    coord = famd.row_coordinates(df[num + cat]).to_numpy() * sign
    add("ind coord", coord, arr(g["ind_coord"]), signed=True)
    add("ind contrib", 100 * famd.row_contributions_.to_numpy(), arr(g["ind_contrib"]))
    cc = famd.column_coordinates_
    if num:
        add("quanti coord", cc.loc[num].to_numpy() * sign, arr(g["quanti_coord"]), signed=True)
    n = len(df)
    names, got = [], []
    for full in g["quali_names"]:
        col, level = full.split("=", 1)
        p = (df[col] == level).sum() / n
        got.append(cc.loc[f"{col}_{level}"].to_numpy() * sign * np.sqrt(lam / p))
        names.append(full)
    add("quali coord", np.array(got), arr(g["quali_coord"]), signed=True)
    vc = famd.variable_coordinates_.loc[g["var_names"]].to_numpy()
    add("var coord", vc, arr(g["var_coord"]))
    add("var contrib", 100 * famd.variable_contributions_.loc[g["var_names"]].to_numpy(), arr(g["var_contrib"]))
    return rows


def main():
    print(f"prince {prince.__version__ if hasattr(prince, '__version__') else '?'}, "
          f"pandas {pd.__version__}, numpy {np.__version__}, python {sys.version.split()[0]}")
    print("prince FAMD(engine='scipy') vs FactoMineR 2.7 goldens (largest differences)")
    for name in CASES:
        for case, line in check(name):
            print(f"{case:<10} {line}")


if __name__ == "__main__":
    main()
