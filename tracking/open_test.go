package tracking_test

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/storeseg/storeseg/tracking"
)

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{
		"MLFLOW_TRACKING_URI":             "http://mlflow:5000",
		"MLFLOW_TRACKING_TOKEN":           "tok",
		"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "7",
		"MLFLOW_HTTP_REQUEST_TIMEOUT":     "2.5",
	}
	cfg, err := tracking.ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.TrackingURI != "http://mlflow:5000" || cfg.Token != "tok" || cfg.MaxRetries != 7 ||
		cfg.RequestTimeout != 2500*time.Millisecond || cfg.UploadTimeout != tracking.DefaultConfig("").UploadTimeout {
		t.Errorf("ConfigFromEnv() = %+v", cfg)
	}
	for k, v := range map[string]string{"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "-1", "MLFLOW_HTTP_REQUEST_TIMEOUT": "soon"} {
		_, err := tracking.ConfigFromEnv(func(name string) string {
			if name == k {
				return v
			}
			return ""
		})
		if !errors.Is(err, tracking.ErrInvalid) {
			t.Errorf("ConfigFromEnv(%s=%q) = %v; want ErrInvalid", k, v, err)
		}
	}
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		uri  string
		want string // "client", "file" or "error"
	}{
		{"http://127.0.0.1:5000", "client"},
		{"https://mlflow.example.com/prefix", "client"},
		{"file://" + filepath.ToSlash(filepath.Join(dir, "a")), "file"},
		{filepath.Join(dir, "b"), "file"},
		{"mlruns-rel", "file"},
		{"s3://bucket/mlruns", "error"},
		{"", "error"},
	}
	t.Chdir(dir)
	for _, tt := range tests {
		tr, err := tracking.Open(tracking.DefaultConfig(tt.uri), nil)
		got := "error"
		switch tr.(type) {
		case *tracking.Client:
			got = "client"
		case *tracking.FileStore:
			got = "file"
		}
		if got != tt.want {
			t.Errorf("Open(%q) = %T, %v; want %s", tt.uri, tr, err, tt.want)
		}
		if tt.want == "error" && !errors.Is(err, tracking.ErrInvalid) {
			t.Errorf("Open(%q) error = %v; want ErrInvalid", tt.uri, err)
		}
	}
}
