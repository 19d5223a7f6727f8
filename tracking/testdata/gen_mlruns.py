"""Write testdata/mlruns-mlflow/: a small file store written by MLflow's own client.

filestore_test.go reads it (and writes into a copy of it) to check that FileStore understands
what MLflow writes. Regenerate with the MLflow venv of scripts/test-services (MLflow 3.17.2):

    MLFLOW_ALLOW_FILE_STORE=true $MLFLOW_PYTHON tracking/testdata/gen_mlruns.py tracking/testdata/mlruns-mlflow

Ids and timestamps are random/current; the test looks runs up by experiment name and alias.
Values are exact (no tolerance): params and tags are strings, metrics are written by repr().
"""

import os
import shutil
import sys

import mlflow
from mlflow import MlflowClient


def main(out):
    out = os.path.abspath(out)
    shutil.rmtree(out, ignore_errors=True)
    # The global URIs too: the file registry looks runs up through a default MlflowClient()
    # (otherwise MLflow 3 falls back to sqlite:///mlflow.db in the working directory).
    mlflow.set_tracking_uri("file://" + out)
    mlflow.set_registry_uri("file://" + out)
    client = MlflowClient(tracking_uri="file://" + out, registry_uri="file://" + out)
    exp = client.create_experiment("storeseg-fixture", tags={"owner": "tracking tests"})
    run = client.create_run(exp, run_name="refit-1", tags={"mlflow.source.type": "JOB"})
    rid = run.info.run_id
    client.log_param(rid, "famd.n_components", "5")
    client.log_param(rid, "hdbscan/min_cluster_size", "25")
    for step, v in enumerate([0.25, 0.5, 0.125]):
        client.log_metric(rid, "dbcv", v, timestamp=1700000000000 + step, step=step)
    client.log_metric(rid, "noise share", float("nan"), timestamp=1700000000000, step=0)
    client.log_metric(rid, "big", 1e16, timestamp=1700000000000, step=0)
    client.set_tag(rid, "segment/0", "large · out-of-town")
    src = os.path.join(out, "..", "bundle-src")
    os.makedirs(os.path.join(src, "parts"), exist_ok=True)
    with open(os.path.join(src, "manifest.json"), "w") as f:
        f.write('{"version": 1}')
    with open(os.path.join(src, "parts", "famd_model.npz"), "wb") as f:
        f.write(b"PK")
    client.log_artifacts(rid, src, "model")
    shutil.rmtree(src)
    client.set_terminated(rid, "FINISHED", end_time=1700000009000)
    client.create_registered_model("storeseg-segmenter")
    mv = client.create_model_version("storeseg-segmenter", run.info.artifact_uri + "/model", rid)
    client.set_registered_model_alias("storeseg-segmenter", "champion", mv.version)


if __name__ == "__main__":
    main(sys.argv[1])
