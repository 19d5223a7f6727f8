package tracking

import (
	"log/slog"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ConfigFromEnv builds a Config from MLflow's standard environment variables, read through
// getenv (the cmd layer passes os.Getenv): MLFLOW_TRACKING_URI, MLFLOW_TRACKING_TOKEN,
// MLFLOW_TRACKING_USERNAME, MLFLOW_TRACKING_PASSWORD, MLFLOW_HTTP_REQUEST_MAX_RETRIES and
// MLFLOW_HTTP_REQUEST_TIMEOUT (seconds). Unset variables keep DefaultConfig's values.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	cfg := DefaultConfig(getenv("MLFLOW_TRACKING_URI"))
	cfg.Token = getenv("MLFLOW_TRACKING_TOKEN")
	cfg.Username = getenv("MLFLOW_TRACKING_USERNAME")
	cfg.Password = getenv("MLFLOW_TRACKING_PASSWORD")
	if v := getenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return Config{}, invalidf("MLFLOW_HTTP_REQUEST_MAX_RETRIES=%q is not a non-negative integer", v)
		}
		cfg.MaxRetries = n
	}
	if v := getenv("MLFLOW_HTTP_REQUEST_TIMEOUT"); v != "" {
		s, err := strconv.ParseFloat(v, 64)
		if err != nil || s <= 0 {
			return Config{}, invalidf("MLFLOW_HTTP_REQUEST_TIMEOUT=%q is not a positive number of seconds", v)
		}
		cfg.RequestTimeout = time.Duration(s * float64(time.Second))
	}
	return cfg, nil
}

// Open returns the Tracker for cfg.TrackingURI: a *FileStore for a file:// URI or a plain
// directory path (MLflow's local mlruns/ layout), a *Client for an http(s) URL. It lets a
// command take one MLFLOW_TRACKING_URI for both; callers that need the concrete type use
// OpenFileStore or NewClient.
func Open(cfg Config, log *slog.Logger) (Tracker, error) {
	uri := cfg.TrackingURI
	if uri == "" {
		return nil, invalidf("config: TrackingURI is empty (set MLFLOW_TRACKING_URI)")
	}
	u, err := url.Parse(uri)
	switch {
	case err == nil && (u.Scheme == "http" || u.Scheme == "https"):
		return NewClient(cfg, log)
	case err == nil && u.Scheme == "file":
		if u.Host != "" && u.Host != "localhost" {
			return nil, invalidf("tracking URI %q: a file URI must name a local path", uri)
		}
		return OpenFileStore(filepath.FromSlash(u.Path))
	case err == nil && u.Scheme != "" && len(u.Scheme) > 1: // a one-letter scheme is a Windows drive
		return nil, invalidf("tracking URI %q: unsupported scheme %q (want http, https or file)", uri, u.Scheme)
	case strings.Contains(uri, "://"):
		return nil, invalidf("tracking URI %q is not a valid URL", uri)
	}
	return OpenFileStore(uri)
}
