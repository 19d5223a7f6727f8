//go:build integration

package integration_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// mlflowCall sends one REST request to the tracking server and decodes the JSON answer.
// It uses net/http directly, so that the smoke test checks the server, not tracking.Client.
func mlflowCall(ctx context.Context, t *testing.T, method, endpoint string, query url.Values, in, out any) {
	t.Helper()
	u := mlflowURI(t) + "/api/2.0/mlflow/" + endpoint
	if query != nil {
		u += "?" + query.Encode()
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: HTTP %d: %s", method, u, resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("%s %s: decoding %s: %v", method, u, b, err)
	}
}

// TestMLflowExperimentRoundTrip creates an experiment over MLflow's REST API and reads it
// back by id and by name.
func TestMLflowExperimentRoundTrip(t *testing.T) {
	mlflowURI(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	name := uniqueName(t, "smoke")
	var created struct {
		ExperimentID string `json:"experiment_id"`
	}
	mlflowCall(ctx, t, http.MethodPost, "experiments/create", nil,
		map[string]any{"name": name, "tags": []map[string]string{{"key": "storeseg.smoke", "value": "yes"}}}, &created)
	if created.ExperimentID == "" {
		t.Fatal("experiments/create returned no experiment_id")
	}
	type experiment struct {
		ExperimentID     string `json:"experiment_id"`
		Name             string `json:"name"`
		LifecycleStage   string `json:"lifecycle_stage"`
		ArtifactLocation string `json:"artifact_location"`
		Tags             []struct{ Key, Value string }
	}
	var byID, byName struct {
		Experiment experiment `json:"experiment"`
	}
	mlflowCall(ctx, t, http.MethodGet, "experiments/get", url.Values{"experiment_id": {created.ExperimentID}}, nil, &byID)
	mlflowCall(ctx, t, http.MethodGet, "experiments/get-by-name", url.Values{"experiment_name": {name}}, nil, &byName)
	for _, got := range []experiment{byID.Experiment, byName.Experiment} {
		if got.ExperimentID != created.ExperimentID || got.Name != name || got.LifecycleStage != "active" {
			t.Errorf("experiment = %+v; want active %q with id %s", got, name, created.ExperimentID)
		}
		if len(got.Tags) != 1 || got.Tags[0].Key != "storeseg.smoke" || got.Tags[0].Value != "yes" {
			t.Errorf("experiment tags = %+v; want storeseg.smoke=yes", got.Tags)
		}
	}
	// scripts/test-services serves artifacts through the tracking server (--serve-artifacts).
	if want := "mlflow-artifacts:/" + created.ExperimentID; byID.Experiment.ArtifactLocation != want {
		t.Errorf("artifact location = %q; want %q", byID.Experiment.ArtifactLocation, want)
	}
}
