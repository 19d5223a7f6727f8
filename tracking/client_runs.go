package tracking

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// EnsureExperiment implements Tracker.
func (c *Client) EnsureExperiment(ctx context.Context, name string) (string, error) {
	if err := validateExperimentName(name); err != nil {
		return "", err
	}
	id, err := c.experimentByName(ctx, name)
	if !errors.Is(err, ErrNotFound) {
		return id, err
	}
	var out struct {
		ExperimentID string `json:"experiment_id"`
	}
	err = c.callJSON(ctx, http.MethodPost, apiPath("experiments/create"), nil, map[string]string{"name": name}, &out)
	if errors.Is(err, ErrAlreadyExists) { // created meanwhile by someone else
		return c.experimentByName(ctx, name)
	}
	if err != nil {
		return "", fmt.Errorf("creating experiment %q: %w", name, err)
	}
	return out.ExperimentID, nil
}

// experimentByName returns the id of the active experiment called name.
func (c *Client) experimentByName(ctx context.Context, name string) (string, error) {
	var out struct {
		Experiment wireExperiment `json:"experiment"`
	}
	q := url.Values{"experiment_name": {name}}
	if err := c.callJSON(ctx, http.MethodGet, apiPath("experiments/get-by-name"), q, nil, &out); err != nil {
		if errors.Is(err, ErrNotFound) {
			return "", err
		}
		return "", fmt.Errorf("looking up experiment %q: %w", name, err)
	}
	if out.Experiment.LifecycleStage == "deleted" {
		return "", &Error{Code: CodeInvalidState, Op: "experiment " + name,
			Message: "the experiment is deleted; restore it, or purge it (mlflow gc) to reuse the name"}
	}
	return out.Experiment.ExperimentID, nil
}

// CreateRun implements Tracker.
func (c *Client) CreateRun(ctx context.Context, experimentID string, spec RunSpec) (RunInfo, error) {
	if err := validateExperimentID(experimentID); err != nil {
		return RunInfo{}, err
	}
	tags := mapTags(spec.Tags)
	if err := validateBatch(Batch{Tags: tags}); err != nil {
		return RunInfo{}, fmt.Errorf("creating run %q: %w", spec.Name, err)
	}
	if len(tags) > MaxTagsPerBatch {
		return RunInfo{}, invalidf("creating run %q: %d tags (at most %d at creation; log the rest with LogBatch)", spec.Name, len(tags), MaxTagsPerBatch)
	}
	in := struct {
		ExperimentID string   `json:"experiment_id"`
		RunName      string   `json:"run_name,omitempty"`
		StartTime    int64    `json:"start_time"`
		Tags         []wireKV `json:"tags,omitempty"`
	}{ExperimentID: experimentID, RunName: spec.Name, StartTime: millis(spec.StartTime, c.now)}
	for _, t := range tags {
		in.Tags = append(in.Tags, wireKV(t))
	}
	var out struct {
		Run wireRun `json:"run"`
	}
	if err := c.callJSON(ctx, http.MethodPost, apiPath("runs/create"), nil, in, &out); err != nil {
		return RunInfo{}, fmt.Errorf("creating run %q in experiment %s: %w", spec.Name, experimentID, err)
	}
	info := out.Run.Info.runInfo()
	c.rememberArtifactURI(info.ID, info.ArtifactURI)
	return info, nil
}

// LogBatch implements Tracker. The batch is validated whole, then sent in as many requests
// as MLflow's limits require; if one fails, the earlier ones stay logged.
func (c *Client) LogBatch(ctx context.Context, runID string, b Batch) error {
	if err := validateRunID(runID); err != nil {
		return err
	}
	if err := validateBatch(b); err != nil {
		return fmt.Errorf("logging to run %s: %w", runID, err)
	}
	reqs, err := chunkBatch(runID, b, c.now())
	if err != nil {
		return err
	}
	for i, req := range reqs {
		if err := c.callJSON(ctx, http.MethodPost, apiPath("runs/log-batch"), nil, req, nil); err != nil {
			return fmt.Errorf("logging to run %s (request %d of %d): %w", runID, i+1, len(reqs), err)
		}
	}
	return nil
}

// EndRun implements Tracker.
func (c *Client) EndRun(ctx context.Context, runID string, status RunStatus, end time.Time) error {
	if err := validateRunID(runID); err != nil {
		return err
	}
	if _, ok := status.fileCode(); !ok {
		return invalidf("ending run %s: unknown status %q", runID, status)
	}
	in := struct {
		RunID   string `json:"run_id"`
		Status  string `json:"status"`
		EndTime int64  `json:"end_time"`
	}{runID, string(status), millis(end, c.now)}
	if err := c.callJSON(ctx, http.MethodPost, apiPath("runs/update"), nil, in, nil); err != nil {
		return fmt.Errorf("ending run %s as %s: %w", runID, status, err)
	}
	return nil
}

// Run implements Tracker.
func (c *Client) Run(ctx context.Context, runID string) (Run, error) {
	if err := validateRunID(runID); err != nil {
		return Run{}, err
	}
	var out struct {
		Run wireRun `json:"run"`
	}
	if err := c.callJSON(ctx, http.MethodGet, apiPath("runs/get"), url.Values{"run_id": {runID}}, nil, &out); err != nil {
		return Run{}, fmt.Errorf("getting run %s: %w", runID, err)
	}
	r := out.Run.run()
	c.rememberArtifactURI(r.Info.ID, r.Info.ArtifactURI)
	return r, nil
}

func (c *Client) rememberArtifactURI(runID, uri string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.artifactURIs[runID] = uri
}

// runArtifactURI returns the run's artifact URI, asking the server once per run.
func (c *Client) runArtifactURI(ctx context.Context, runID string) (string, error) {
	c.mu.Lock()
	uri, ok := c.artifactURIs[runID]
	c.mu.Unlock()
	if ok && uri != "" {
		return uri, nil
	}
	r, err := c.Run(ctx, runID)
	if err != nil {
		return "", err
	}
	return r.Info.ArtifactURI, nil
}

// logBatchRequest is the body of runs/log-batch, entities pre-encoded.
type logBatchRequest struct {
	RunID   string            `json:"run_id"`
	Metrics []json.RawMessage `json:"metrics"`
	Params  []json.RawMessage `json:"params"`
	Tags    []json.RawMessage `json:"tags"`
}

// chunkBatch splits b into log-batch requests within MLflow's per-request limits: 100
// params, 100 tags, 1000 metrics, 1000 entities and MaxBatchRequestBytes of JSON. Order is
// kept within each kind; zero metric timestamps become now.
func chunkBatch(runID string, b Batch, now time.Time) ([]logBatchRequest, error) {
	enc := func(kind string, n int, f func(i int) any) ([]json.RawMessage, error) {
		out := make([]json.RawMessage, n)
		for i := range out {
			raw, err := json.Marshal(f(i))
			if err != nil {
				return nil, fmt.Errorf("tracking: encoding %s[%d]: %w", kind, i, err)
			}
			out[i] = raw
		}
		return out, nil
	}
	params := dedupeParams(b.Params)
	ps, err := enc("params", len(params), func(i int) any { return wireKV(params[i]) })
	if err != nil {
		return nil, err
	}
	ts, err := enc("tags", len(b.Tags), func(i int) any { return wireKV(b.Tags[i]) })
	if err != nil {
		return nil, err
	}
	ms, err := enc("metrics", len(b.Metrics), func(i int) any {
		m := b.Metrics[i]
		return wireMetric{Key: m.Key, Value: jsonFloat(m.Value),
			Timestamp: jsonInt64(millis(m.Timestamp, func() time.Time { return now })), Step: jsonInt64(m.Step)}
	})
	if err != nil {
		return nil, err
	}
	return packBatch(runID, ps, ts, ms)
}

// packBatch fills requests greedily: params, then tags, then metrics.
func packBatch(runID string, ps, ts, ms []json.RawMessage) ([]logBatchRequest, error) {
	envelope := len(`{"run_id":"","metrics":[],"params":[],"tags":[]}`) + len(runID)
	var reqs []logBatchRequest
	for len(ps)+len(ts)+len(ms) > 0 {
		req := logBatchRequest{RunID: runID, Metrics: []json.RawMessage{}, Params: []json.RawMessage{}, Tags: []json.RawMessage{}}
		size, total := envelope, 0
		take := func(src *[]json.RawMessage, dst *[]json.RawMessage, limit int) {
			for len(*src) > 0 && len(*dst) < limit && total < MaxEntitiesPerBatch &&
				size+len((*src)[0])+1 <= MaxBatchRequestBytes {
				size += len((*src)[0]) + 1
				total++
				*dst = append(*dst, (*src)[0])
				*src = (*src)[1:]
			}
		}
		take(&ps, &req.Params, MaxParamsPerBatch)
		take(&ts, &req.Tags, MaxTagsPerBatch)
		take(&ms, &req.Metrics, MaxMetricsPerBatch)
		if total == 0 { // impossible within the validated value limits; never loop forever
			return nil, invalidf("a log-batch entity is larger than %d bytes of JSON", MaxBatchRequestBytes)
		}
		reqs = append(reqs, req)
	}
	return reqs, nil
}
