package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/storeseg/storeseg/config"
	"github.com/storeseg/storeseg/tracking"
)

// track records the refit as an MLflow run: params (every config setting and its hash),
// metrics (quality and stage durations), tags (code version, snapshot source, model version,
// gate outcome) and the artifacts; a model that passed its gate is registered as a new
// version of the registered model with alias "champion". A tracking failure is recorded in
// o and never loses the refit: the artifacts are on disk already.
func (j *refitJob) track(ctx context.Context, o *runOutcome) {
	if j.opts.noTracking {
		return
	}
	tcfg, err := tracking.ConfigFromEnv(os.Getenv)
	if err != nil {
		o.trackingErr = err
		return
	}
	tcfg.TrackingURI = j.opts.trackingURI
	tr, err := tracking.Open(tcfg, j.ui.log)
	if err != nil {
		o.trackingErr = err
		return
	}
	o.trackingErr = j.logRun(ctx, tr, o)
}

func (j *refitJob) logRun(ctx context.Context, tr tracking.Tracker, o *runOutcome) error {
	r := o.result
	exp, err := tr.EnsureExperiment(ctx, j.opts.experiment)
	if err != nil {
		return err
	}
	gate := "passed"
	if len(o.gate) > 0 {
		gate = "failed"
	}
	run, err := tr.CreateRun(ctx, exp, tracking.RunSpec{Name: "refit-" + r.Bundle.Version(), Tags: map[string]string{
		"storeseg.model_version":   r.Bundle.Version(),
		"storeseg.code_version":    j.opts.codeVersion,
		"storeseg.snapshot_source": o.source,
		"storeseg.config_hash":     j.cfg.Hash(),
		"storeseg.gate":            gate,
	}})
	if err != nil {
		return err
	}
	o.runID = run.ID
	err = j.logRunBody(ctx, tr, run.ID, o)
	status := tracking.StatusFinished
	if err != nil {
		status = tracking.StatusFailed
	}
	if endErr := tr.EndRun(ctx, run.ID, status, time.Time{}); endErr != nil {
		err = errors.Join(err, endErr)
	}
	if err != nil || len(o.gate) > 0 {
		return err
	}
	mv, err := tr.RegisterModelVersion(ctx, j.opts.modelName, run.ID, "model")
	if err != nil {
		return fmt.Errorf("registering the model: %w", err)
	}
	if err := tr.SetAlias(ctx, j.opts.modelName, "champion", mv.Version); err != nil {
		return fmt.Errorf("setting alias champion: %w", err)
	}
	o.registered = mv.Version
	return nil
}

func (j *refitJob) logRunBody(ctx context.Context, tr tracking.Tracker, runID string, o *runOutcome) error {
	r := o.result
	batch := tracking.Batch{Params: configParams(j.cfg)}
	batch.Params = append(batch.Params, tracking.Param{Key: "config_hash", Value: j.cfg.Hash()},
		tracking.Param{Key: "snapshot_rows", Value: fmt.Sprint(r.Metrics.Stores)})
	for k, v := range r.Metrics.Map() {
		batch.Metrics = append(batch.Metrics, tracking.Metric{Key: k, Value: v})
	}
	for _, s := range r.Stages {
		batch.Metrics = append(batch.Metrics, tracking.Metric{Key: "stage_" + s.Stage + "_seconds", Value: s.Took.Seconds()})
	}
	batch.Metrics = append(batch.Metrics, tracking.Metric{Key: "refit_seconds", Value: o.took.Seconds()})
	sort.Slice(batch.Metrics, func(a, b int) bool { return batch.Metrics[a].Key < batch.Metrics[b].Key })
	batch.Tags = []tracking.Tag{{Key: "storeseg.previous", Value: r.PreviousNote}}
	if len(o.gate) > 0 {
		batch.Tags = append(batch.Tags, tracking.Tag{Key: "storeseg.gate_failures", Value: strings.Join(o.gate, "; ")})
	}
	if err := tr.LogBatch(ctx, runID, batch); err != nil {
		return fmt.Errorf("logging params and metrics: %w", err)
	}
	for _, a := range []struct{ local, remote string }{
		{"model", "model"}, {reportDir, reportDir}, {clusteredFile, ""}, {metricsFile, ""},
		{profilesFile, ""}, {transitionsFN, ""}, {configFile, ""},
	} {
		if err := tr.LogArtifacts(ctx, runID, filepath.Join(o.artifacts.dir, a.local), a.remote); err != nil {
			return fmt.Errorf("uploading %s: %w", a.local, err)
		}
	}
	return nil
}

// configParams flattens the config into dotted MLflow params (famd.n_components,
// hdbscan.min_cluster_size, forest.n_estimators, gate.max_noise_share, ...); the feature lists
// become numeric / categorical params naming the features.
func configParams(cfg *config.Config) []tracking.Param {
	b, err := json.Marshal(cfg)
	if err != nil {
		panic("refit: encoding the config: " + err.Error()) // plain structs always encode
	}
	var tree map[string]any
	if err := json.Unmarshal(b, &tree); err != nil {
		panic("refit: decoding the config: " + err.Error())
	}
	var out []tracking.Param
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for _, k := range sortedKeys(x) {
				walk(strings.TrimPrefix(prefix+"."+k, "."), x[k])
			}
		case nil:
			out = append(out, tracking.Param{Key: prefix, Value: "none"})
		default:
			out = append(out, tracking.Param{Key: prefix, Value: fmt.Sprint(x)})
		}
	}
	feats := map[string][]string{}
	for _, n := range cfg.Numeric {
		feats["numeric"] = append(feats["numeric"], n.Name)
		spec := "transform=" + n.Transform + ",impute=" + n.Impute
		if n.Min != nil {
			spec += fmt.Sprintf(",min=%g", *n.Min)
		}
		if n.Max != nil {
			spec += fmt.Sprintf(",max=%g", *n.Max)
		}
		out = append(out, tracking.Param{Key: "numeric." + n.Name, Value: spec})
	}
	for _, c := range cfg.Categorical {
		feats["categorical"] = append(feats["categorical"], c.Name)
		out = append(out, tracking.Param{Key: "categorical." + c.Name, Value: fmt.Sprintf("missing=%s,min_frequency=%g", c.Missing, c.MinFrequency)})
	}
	delete(tree, "numeric")
	delete(tree, "categorical")
	walk("", tree)
	for _, k := range []string{"numeric", "categorical"} {
		out = append(out, tracking.Param{Key: "features." + k, Value: strings.Join(feats[k], ",")})
	}
	return out
}
