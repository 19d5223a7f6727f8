"""Read a run and a registered model back with MLflow's own Python client, print JSON.

Used by tracking/integration_test.go (build tag `integration`) to check that what the Go
Client (tracking server) and FileStore (local mlruns/) write is what MLflow itself reads.
Run with the MLflow venv of scripts/test-services ($MLFLOW_PYTHON), MLflow 3.17.2:

    $MLFLOW_PYTHON readback.py --tracking-uri URI --run-id ID --model NAME --alias champion

For a file store pass --tracking-uri file:///abs/mlruns and set MLFLOW_ALLOW_FILE_STORE=true
(MLflow >= 3.13 refuses file stores otherwise). Non-finite floats are printed as the strings
"NaN", "Infinity" and "-Infinity" so that the output is strict JSON.
"""

import argparse
import hashlib
import json
import math
import os
import sys
import tempfile

import mlflow
from mlflow import MlflowClient


def num(v):
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return v


def list_files(client, run_id, path=None):
    out = []
    for info in client.list_artifacts(run_id, path):
        if info.is_dir:
            out.extend(list_files(client, run_id, info.path))
        else:
            out.append({"path": info.path, "size": info.file_size})
    return out


def digests(root):
    out = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            with open(full, "rb") as f:
                out[rel] = hashlib.sha256(f.read()).hexdigest()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tracking-uri", required=True)
    ap.add_argument("--run-id", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--alias", default="champion")
    args = ap.parse_args()

    mlflow.set_tracking_uri(args.tracking_uri)
    mlflow.set_registry_uri(args.tracking_uri)
    client = MlflowClient(tracking_uri=args.tracking_uri, registry_uri=args.tracking_uri)

    run = client.get_run(args.run_id)
    exp = client.get_experiment(run.info.experiment_id)
    history = {
        key: [[m.step, m.timestamp, num(m.value)] for m in client.get_metric_history(args.run_id, key)]
        for key in run.data.metrics
    }
    mv = client.get_model_version_by_alias(args.model, args.alias)
    with tempfile.TemporaryDirectory() as tmp:
        run_dir = mlflow.artifacts.download_artifacts(run_id=args.run_id, artifact_path="", dst_path=os.path.join(tmp, "run"))
        model_dir = mlflow.artifacts.download_artifacts(f"models:/{args.model}@{args.alias}", dst_path=os.path.join(tmp, "model"))
        run_files, model_files = digests(run_dir), digests(model_dir)

    json.dump(
        {
            "mlflow_version": mlflow.__version__,
            "experiment": {"id": exp.experiment_id, "name": exp.name, "lifecycle_stage": exp.lifecycle_stage},
            "run": {
                "run_id": run.info.run_id,
                "run_name": run.info.run_name,
                "status": run.info.status,
                "start_time": run.info.start_time,
                "end_time": run.info.end_time,
                "artifact_uri": run.info.artifact_uri,
                "params": run.data.params,
                "tags": run.data.tags,
                "metrics": {k: num(v) for k, v in run.data.metrics.items()},
                "metric_history": history,
            },
            "artifacts": list_files(client, args.run_id),
            "run_files_sha256": run_files,
            "model_version": {
                "name": mv.name,
                "version": str(mv.version),
                "run_id": mv.run_id,
                "source": mv.source,
                "status": mv.status,
                "aliases": sorted(mv.aliases),
            },
            "model_files_sha256": model_files,
        },
        sys.stdout,
        allow_nan=False,
        sort_keys=True,
    )


if __name__ == "__main__":
    main()
