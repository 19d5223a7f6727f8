// Package tracking records storeseg's refits in MLflow: experiments, runs with their params,
// metrics, tags and artifacts, and the model registry (versions and the "champion" alias).
//
// Two implementations satisfy the [Tracker] interface that the refit job codes against:
//
//   - [Client] talks to an MLflow tracking server (MLflow ≥ 2.x) over its REST API
//     (/api/2.0/mlflow/...), and uploads artifacts through the server's artifact proxy
//     (/api/2.0/mlflow-artifacts/artifacts/..., a server started with --serve-artifacts).
//   - [FileStore] writes the same records into a local mlruns/ directory in MLflow's file-store
//     layout, so that MLflow's own client and UI can read them without a server.
//
// [Open] picks one from a tracking URI (http(s):// → Client, file:// or a path → FileStore),
// and [ConfigFromEnv] reads MLflow's standard environment variables through a getenv
// function that the cmd layer passes in.
//
// The REST API is described in MLflow's "REST API" reference
// (https://mlflow.org/docs/latest/api_reference/rest-api.html); the file-store layout is the one
// written by mlflow.store.tracking.file_store.FileStore and
// mlflow.store.model_registry.file_store.FileStore (MLflow 3.17).
//
// # Limits and validation
//
// Inputs are checked before anything is sent, with MLflow's own rules (mlflow/utils/validation.py),
// so a bad key fails fast with an error that names it rather than as a half-logged run:
// keys of params, metrics and tags are at most 250 characters of letters, digits, '_', '-',
// '.', ' ', ':' and '/', and must not look like a relative or absolute path ("a/../b", "/a");
// param values are at most 6000 characters and tag values at most 8000 (MLflow 3.x; longer
// values are rejected, never silently truncated); a batch must not give one param key two
// values. [Client.LogBatch] splits a batch into requests within MLflow's per-request limits
// (1000 metrics, 100 params, 100 tags, 1000 entities in all, 1 MB of JSON), in order.
//
// Metric values may be NaN or ±Inf: they travel as the protobuf JSON strings "NaN",
// "Infinity" and "-Infinity". Note that MLflow's SQL stores keep NaN but clamp ±Inf to
// ±math.MaxFloat64, while the file store keeps all three.
//
// # Errors
//
// Failures reported by MLflow are *[Error] values carrying MLflow's error_code; compare them
// with errors.Is against [ErrNotFound], [ErrAlreadyExists] or [ErrInvalidParameter], which
// FileStore returns for the same conditions. Client-side validation failures wrap
// [ErrInvalid]. [Client] retries connection errors, HTTP 429 and 5xx with exponential backoff
// (Config.MaxRetries, Config.RetryBackoff), so an unreachable server fails after a bounded,
// short time with an error naming the URL.
//
// # Local runs and MLFLOW_ALLOW_FILE_STORE
//
// MLflow ≥ 3.13 opens a file store only when the environment variable
// MLFLOW_ALLOW_FILE_STORE=true is set. To browse runs written by FileStore:
//
//	MLFLOW_ALLOW_FILE_STORE=true mlflow ui --backend-store-uri file:///abs/path/to/mlruns
//
// and from Python, set the same variable and mlflow.set_tracking_uri("file:///abs/path/to/mlruns").
// The file store's model registry (mlruns/models/<name>/...) is written too, aliases included.
package tracking
