package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/storeseg/storeseg/config"
	"github.com/storeseg/storeseg/model"
	"github.com/storeseg/storeseg/model/frame"
	"github.com/storeseg/storeseg/stream"
	"github.com/storeseg/storeseg/table"
)

// Exit codes of "refit run" beyond 0 (published, or written when nothing is configured to
// publish to), 1 (the refit failed) and 2 (usage error).
const (
	exitGate     = 2 // the model failed its quality gate: logged, not published
	exitTracking = 3 // the model is on disk but MLflow could not record it
	exitPublish  = 4 // the model passed but could not be published to Kafka
)

// runOptions are the flags of "refit run".
type runOptions struct {
	input, fromTopic, brokers, configPath, out string
	previous                                   string
	trackingURI, experiment, modelName         string
	noTracking, noPublish                      bool
	modelsTopic                                string
	every                                      time.Duration
	kafkaTimeout                               time.Duration
	codeVersion                                string
	logFormat                                  string
}

func parseRunFlags(args []string, stdout io.Writer) (*runOptions, error) {
	o := &runOptions{}
	fs := newFlagSet("run", stdout)
	fs.StringVar(&o.input, "input", "", "snapshot file: .csv, .parquet or .avro (Avro object container)")
	fs.StringVar(&o.fromTopic, "from-topic", "", "read the snapshot from this compacted changelog topic instead (e.g. store-state)")
	fs.StringVar(&o.brokers, "brokers", os.Getenv("KAFKA_BROKERS"), "Kafka bootstrap brokers, comma-separated (default $KAFKA_BROKERS)")
	fs.StringVar(&o.configPath, "config", "", "segmentation config YAML (default: the embedded config for generated stores)")
	fs.StringVar(&o.out, "out", "", "output directory (required)")
	fs.StringVar(&o.previous, "previous", "auto", "previous model for stable segment ids and the champion comparison: a bundle file, "+
		"auto (the published model on the models topic, else OUT/champion.bundle) or none")
	fs.StringVar(&o.trackingURI, "tracking-uri", os.Getenv("MLFLOW_TRACKING_URI"), "MLflow tracking server URL, or a directory for a local mlruns/ store "+
		"(default $MLFLOW_TRACKING_URI, else ./mlruns)")
	fs.BoolVar(&o.noTracking, "no-tracking", false, "do not record the run in MLflow")
	fs.StringVar(&o.experiment, "experiment", "storeseg", "MLflow experiment name")
	fs.StringVar(&o.modelName, "model-name", "storeseg", "model name: MLflow registered model and models-topic key")
	fs.BoolVar(&o.noPublish, "no-publish", false, "do not publish the model to Kafka even when brokers are set")
	fs.StringVar(&o.modelsTopic, "models-topic", "segment-models", "compacted topic the model bundle is published to")
	fs.DurationVar(&o.every, "every", 0, "run again on this schedule (e.g. 24h) until interrupted")
	fs.DurationVar(&o.kafkaTimeout, "kafka-timeout", 30*time.Second, "timeout of each Kafka request")
	fs.StringVar(&o.codeVersion, "code-version", "", "code version recorded with the model (default: the build's VCS revision)")
	fs.StringVar(&o.logFormat, "log-format", "auto", "progress output: auto (a live display on a terminal, logs otherwise), text or json")
	if err := fs.Parse(args); err != nil {
		return nil, &exitError{code: 2, err: err}
	}
	switch {
	case fs.NArg() > 0:
		return nil, usageError("run: unexpected arguments %q", fs.Args())
	case o.out == "":
		return nil, usageError("run: -out is required")
	case (o.input == "") == (o.fromTopic == ""):
		return nil, usageError("run: give exactly one snapshot source, -input FILE or -from-topic TOPIC")
	case o.fromTopic != "" && o.brokers == "":
		return nil, usageError("run: -from-topic needs -brokers (or $KAFKA_BROKERS)")
	case o.every < 0:
		return nil, usageError("run: -every must be positive")
	case o.logFormat != "auto" && o.logFormat != "text" && o.logFormat != "json":
		return nil, usageError("run: -log-format must be auto, text or json")
	}
	if o.trackingURI == "" {
		o.trackingURI = "mlruns"
	}
	if o.codeVersion == "" {
		o.codeVersion = buildVersion()
	}
	return o, nil
}

// buildVersion returns the VCS revision the binary was built from, or "devel".
func buildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" {
			return s.Value
		}
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	return "devel"
}

// runRun implements "refit run": snapshot → fit → gate → artifacts → MLflow → publish.
func runRun(ctx context.Context, args []string, stdout io.Writer) error {
	o, err := parseRunFlags(args, stdout)
	if err != nil {
		return err
	}
	cfg, err := loadConfig(o.configPath)
	if err != nil {
		return err
	}
	ui := newProgress(stdout, o.logFormat)
	j := &refitJob{opts: o, cfg: cfg, ui: ui}
	if o.every == 0 {
		return j.once(ctx)
	}
	for {
		err := j.once(ctx)
		if err != nil {
			ui.log.Error("refit failed; retrying at the next scheduled run", "err", err)
		}
		next := time.Now().Add(o.every)
		ui.log.Info("next refit scheduled", "at", next.Format(time.RFC3339))
		select {
		case <-ctx.Done():
			return err
		case <-time.After(o.every):
		}
	}
}

// refitJob carries state between scheduled runs.
type refitJob struct {
	opts *runOptions
	cfg  *config.Config
	ui   *progress
	// champion is the model the last run published (or found), for the next run.
	champion *model.Bundle
}

func (j *refitJob) kafka() stream.KafkaConfig {
	k := stream.DefaultKafkaConfig(strings.Split(j.opts.brokers, ",")...)
	k.DialTimeout = min(k.DialTimeout, j.opts.kafkaTimeout)
	return k
}

// once runs one refit.
func (j *refitJob) once(ctx context.Context) error {
	o, ui := j.opts, j.ui
	start := time.Now()
	raw, source, err := j.snapshot(ctx)
	if err != nil {
		return err
	}
	ui.log.Info("snapshot read", "source", source, "stores", raw.Rows(), "took", time.Since(start).Round(time.Millisecond))
	prev, note := j.previous(ctx)
	ui.log.Info("previous model", "note", note)
	res, err := model.Fit(ctx, model.FitInput{
		Raw: raw, Previous: prev, ConfigHash: j.cfg.Hash(), CodeVersion: o.codeVersion,
		Snapshot: model.SnapshotInfo{Source: source, Rows: raw.Rows()}, Progress: ui.stage,
	}, j.cfg.FitConfig())
	if err != nil {
		return fmt.Errorf("fitting: %w", err)
	}
	var champion map[string]float64
	if prev != nil {
		champion = prev.Manifest().Metrics
	}
	failures := j.cfg.GateConfig().Check(res.Metrics, champion)
	art, err := writeArtifacts(o.out, j.cfg, raw, res, failures)
	if err != nil {
		return fmt.Errorf("writing artifacts: %w", err)
	}
	out := &runOutcome{result: res, artifacts: art, gate: failures, source: source, took: time.Since(start)}
	if len(failures) == 0 {
		if err := art.promote(); err != nil {
			return fmt.Errorf("keeping the champion: %w", err)
		}
		j.champion = res.Bundle
	}
	j.track(ctx, out)
	if len(failures) == 0 {
		j.publish(ctx, out)
	}
	ui.summary(out)
	return out.exitError()
}

// snapshot reads the stores from the configured source.
func (j *refitJob) snapshot(ctx context.Context) (*frame.Frame, string, error) {
	if j.opts.input != "" {
		f, err := table.Read(ctx, j.opts.input, j.cfg.Schema())
		if err != nil {
			return nil, "", usageError("reading the snapshot: %w", err)
		}
		return f, "file:" + j.opts.input, nil
	}
	f, err := topicSnapshot(ctx, j.kafka(), j.opts.fromTopic, j.cfg.Schema(), j.opts.kafkaTimeout)
	if err != nil {
		return nil, "", fmt.Errorf("reading the snapshot: %w", err)
	}
	if err := checkColumnsPresent(f); err != nil {
		return nil, "", usageError("reading the snapshot from %s: %w", j.opts.fromTopic, err)
	}
	return f, "kafka:" + j.opts.fromTopic, nil
}

// checkColumnsPresent rejects a topic snapshot in which a configured feature never occurs
// (a config naming a column the data does not have).
func checkColumnsPresent(f *frame.Frame) error {
	if f.Rows() == 0 {
		return nil // model.Fit reports the empty snapshot
	}
	for j, col := range f.Num {
		if !hasValue(col) {
			return fmt.Errorf("no store has the numeric feature %q named in the config", f.NumNames[j])
		}
	}
	for q, col := range f.Cat {
		if len(f.Levels[q]) == 0 && len(col) > 0 {
			return fmt.Errorf("no store has the categorical feature %q named in the config", f.CatNames[q])
		}
	}
	return nil
}

func hasValue(col []float64) bool {
	for _, v := range col {
		if v == v { // not NaN
			return true
		}
	}
	return false
}

// previous finds the model the new one is compared with and takes its segment ids from.
func (j *refitJob) previous(ctx context.Context) (*model.Bundle, string) {
	switch p := j.opts.previous; p {
	case "none":
		return nil, "none (by request)"
	case "auto":
		if j.champion != nil {
			return j.champion, "the model of the previous scheduled run, " + j.champion.Version()
		}
		if j.opts.brokers != "" {
			b, err := latestPublished(ctx, j.kafka(), j.opts.modelsTopic, j.opts.modelName, j.opts.kafkaTimeout)
			switch {
			case err != nil:
				j.ui.log.Warn("cannot read the published model; trying the local champion", "topic", j.opts.modelsTopic, "err", err)
			case b != nil:
				return b, "the model published on " + j.opts.modelsTopic + ", " + b.Version()
			}
		}
		b, err := loadBundleFile(filepath.Join(j.opts.out, championFile))
		if errors.Is(err, os.ErrNotExist) {
			return nil, "none found: every segment is new"
		}
		if err != nil {
			j.ui.log.Warn("ignoring the local champion", "err", err)
			return nil, "none usable: every segment is new"
		}
		return b, "the local champion " + b.Version()
	default:
		b, err := loadBundleFile(p)
		if err != nil {
			j.ui.log.Warn("ignoring the previous model", "path", p, "err", err)
			return nil, "unreadable: every segment is new"
		}
		return b, p + ", " + b.Version()
	}
}

func loadBundleFile(path string) (*model.Bundle, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return model.Load(data)
}

// runOutcome is what one refit did, for the summary, MLflow and the exit code.
type runOutcome struct {
	result      *model.FitResult
	artifacts   *artifacts
	gate        []string
	source      string
	took        time.Duration
	runID       string
	trackingErr error
	registered  string // MLflow model version
	publishErr  error
	published   bool
}

func (o *runOutcome) exitError() error {
	switch {
	case o.publishErr != nil:
		return &exitError{code: exitPublish, err: fmt.Errorf("publishing the model: %w", o.publishErr)}
	case o.trackingErr != nil:
		return &exitError{code: exitTracking, err: fmt.Errorf("recording the run in MLflow (artifacts are in %s): %w", o.artifacts.dir, o.trackingErr)}
	case len(o.gate) > 0:
		return &exitError{code: exitGate, err: fmt.Errorf("the model failed its quality gate and was not published: %s", strings.Join(o.gate, "; "))}
	}
	return nil
}

// logger returns the structured logger for non-interactive output.
func newLogger(w io.Writer, format string) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}
