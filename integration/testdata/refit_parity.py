"""Recomputes a refit's quality metrics with the reference implementations.

Usage: python3 refit_parity.py final_clustered_stores.parquet

Reads the parquet with pyarrow, then prints JSON with
  dbcv        hdbscan.validity.validity_index(famd coordinates, HDBSCAN cluster labels)
  silhouette  sklearn.metrics.silhouette_score(famd coordinates, final segment ids)
  rows, columns, null_segments
The integration test compares dbcv and silhouette with what `refit run` logged to MLflow
(tolerance 1e-9). Versions: hdbscan 0.8.44, scikit-learn 1.9.1, pyarrow 26.0.1, numpy 2.4.6
(scripts/requirements-integration.txt).
"""
import json
import sys

import numpy as np
import pyarrow.parquet as pq
from hdbscan.validity import validity_index
from sklearn.metrics import silhouette_score

table = pq.read_table(sys.argv[1])
cols = table.column_names
famd = sorted((c for c in cols if c.startswith("famd_")), key=lambda c: int(c[5:]))
X = np.column_stack([table.column(c).to_numpy() for c in famd]).astype(np.float64)
labels = table.column("cluster").to_numpy()
segments = table.column("segment_id").to_numpy()
print(json.dumps({
    "rows": table.num_rows,
    "columns": cols,
    "null_segments": table.column("segment_id").null_count,
    "dbcv": float(validity_index(X, labels)),
    "silhouette": float(silhouette_score(X, segments)),
}))
