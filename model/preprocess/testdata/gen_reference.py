"""Reference values for model/preprocess, computed with numpy and pandas.

Provenance: numpy 2.4.6 and pandas 3.1.1 (bench/requirements.txt), run from the repository
root as
    python3 model/preprocess/testdata/gen_reference.py
It writes
  - stats.json: random arrays with numpy.median and numpy.mean of each (exact: Go must match
    bit for bit, as both use the same pairwise summation);
  - raw.csv / prepared.csv: a small mixed table and its preparation under the spec in
    SPEC below, implemented here independently with pandas (log1p, median/mean/zero fill of
    the transformed column, "missing" level or mode, rare levels into "other", levels sorted
    as pandas.get_dummies sorts them). Numeric columns compare within 1e-15 relative (Go's
    math.Log1p and the C library's log1p may differ in the last bit); levels compare exactly.
"""
import json
import pathlib

import numpy as np
import pandas as pd

HERE = pathlib.Path(__file__).parent
rng = np.random.default_rng(20260527)

# --- numpy median / mean -------------------------------------------------------------------
cases = []
for n in [1, 2, 3, 7, 8, 9, 16, 17, 127, 128, 129, 130, 255, 256, 1000, 1001, 4099]:
    x = rng.lognormal(8, 2.5, n) * rng.choice([-1.0, 1.0], n)
    cases.append({"x": x.tolist(), "median": float(np.median(x)), "mean": float(np.mean(x))})
(HERE / "stats.json").write_text(json.dumps(cases))

# --- a small mixed table -------------------------------------------------------------------
n = 400
raw = pd.DataFrame({
    "store_id": [f"s{i:04d}" for i in range(n)],
    "revenue": np.round(rng.lognormal(13, 1.2, n), 2),
    "area": np.round(rng.gamma(2.0, 300.0, n), 1),
    "share": np.round(rng.beta(2, 5, n), 4),
    "format": rng.choice(["super", "hyper", "kiosk", "express", "mall"], n, p=[.5, .2, .2, .07, .03]),
    "region": rng.choice(["north", "south", "east", "west"], n, p=[.4, .3, .2, .1]),
    "owner": rng.choice(["corp", "franchise", "other", "coop"], n, p=[.6, .3, .06, .04]),
})
for col, share in [("revenue", .05), ("area", .1), ("share", .03), ("format", .04), ("region", .06), ("owner", .02)]:
    mask = rng.random(n) < share
    raw.loc[mask, col] = np.nan if raw[col].dtype.kind == "f" else None
raw.to_csv(HERE / "raw.csv", index=False)

SPEC = {  # mirrored in reference_test.go
    "revenue": ("log1p", "median"), "area": ("none", "mean"), "share": ("log1p", "zero"),
    "format": ("category", 0.05), "region": ("mode", 0.0), "owner": ("category", 0.05),
}
prep = pd.DataFrame({"store_id": raw["store_id"]})
for col in ["revenue", "area", "share"]:
    transform, impute = SPEC[col]
    x = raw[col].to_numpy(dtype=float)
    if transform == "log1p":
        x = np.log1p(x)
    present = x[~np.isnan(x)]
    fill = {"median": np.median(present) if len(present) else 0.0,
            "mean": np.mean(present) if len(present) else 0.0, "zero": 0.0}[impute]
    prep[col] = np.where(np.isnan(x), fill, x)
for col in ["format", "region", "owner"]:
    policy, min_freq = SPEC[col]
    s = raw[col]
    if policy == "category":
        s = s.fillna("missing")
    else:
        counts = s.value_counts()
        mode = sorted(counts[counts == counts.max()].index)[0]
        s = s.fillna(mode)
    share = s.value_counts() / len(s)
    rare = [lvl for lvl, sh in share.items() if sh < min_freq and lvl != "other"]
    s = s.where(~s.isin(rare), "other")
    prep[col] = s
    # levels in get_dummies order
    dummies = pd.get_dummies(s, prefix="", prefix_sep="")
    assert list(dummies.columns) == sorted(set(s)), (col, list(dummies.columns))
prep.to_csv(HERE / "prepared.csv", index=False, float_format="%.17g")
print("wrote stats.json, raw.csv, prepared.csv")
