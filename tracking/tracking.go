package tracking

import (
	"context"
	"sort"
	"time"
)

// Tracker is what a training job needs from MLflow. [Client] (a tracking server) and
// [FileStore] (a local mlruns/ directory) implement it with the same semantics.
type Tracker interface {
	// EnsureExperiment returns the id of the active experiment called name, creating it if
	// there is none. A deleted experiment of that name is an error (MLflow keeps the name).
	EnsureExperiment(ctx context.Context, name string) (string, error)
	// CreateRun starts a run (status RUNNING) in an experiment.
	CreateRun(ctx context.Context, experimentID string, spec RunSpec) (RunInfo, error)
	// LogBatch records params, metrics and tags of a run, in order. It validates the whole
	// batch before recording anything.
	LogBatch(ctx context.Context, runID string, b Batch) error
	// LogArtifacts copies the file or directory tree at localPath into the run's artifacts
	// under artifactPath ("" for the root). A directory's contents land under artifactPath,
	// as with mlflow.log_artifacts; a file keeps its base name.
	LogArtifacts(ctx context.Context, runID, localPath, artifactPath string) error
	// EndRun marks a run terminated with status (usually StatusFinished or StatusFailed) at
	// end; a zero end means now.
	EndRun(ctx context.Context, runID string, status RunStatus, end time.Time) error
	// Run returns a run's info with its params, tags and the latest value of each metric.
	Run(ctx context.Context, runID string) (Run, error)
	// RegisterModelVersion registers the run's artifact directory artifactPath as a new
	// version of the registered model (created if absent).
	RegisterModelVersion(ctx context.Context, model, runID, artifactPath string) (ModelVersion, error)
	// SetAlias points alias (e.g. "champion") of a registered model at version.
	SetAlias(ctx context.Context, model, alias, version string) error
	// ModelVersionByAlias returns the version that alias points at; an error matching
	// ErrNotFound if the model or the alias does not exist.
	ModelVersionByAlias(ctx context.Context, model, alias string) (ModelVersion, error)
}

// Compile-time checks.
var (
	_ Tracker = (*Client)(nil)
	_ Tracker = (*FileStore)(nil)
)

// Well-known MLflow system tags.
const (
	TagRunName     = "mlflow.runName"
	TagParentRunID = "mlflow.parentRunId" // makes a run a child run (refit tune)
	TagUser        = "mlflow.user"
	TagSourceName  = "mlflow.source.name"
	TagSourceType  = "mlflow.source.type" // "JOB", "LOCAL", ...
	TagNote        = "mlflow.note.content"
)

// RunStatus is an MLflow run status.
type RunStatus string

// Run statuses, as MLflow names them.
const (
	StatusRunning   RunStatus = "RUNNING"
	StatusScheduled RunStatus = "SCHEDULED"
	StatusFinished  RunStatus = "FINISHED"
	StatusFailed    RunStatus = "FAILED"
	StatusKilled    RunStatus = "KILLED"
)

// fileCode is the integer the file store keeps in meta.yaml (MLflow's RunStatus enum).
func (s RunStatus) fileCode() (int, bool) {
	switch s {
	case StatusRunning:
		return 1, true
	case StatusScheduled:
		return 2, true
	case StatusFinished:
		return 3, true
	case StatusFailed:
		return 4, true
	case StatusKilled:
		return 5, true
	}
	return 0, false
}

func statusFromFileCode(c int) RunStatus {
	for _, s := range []RunStatus{StatusRunning, StatusScheduled, StatusFinished, StatusFailed, StatusKilled} {
		if k, _ := s.fileCode(); k == c {
			return s
		}
	}
	return StatusRunning
}

// RunSpec describes a run to create.
type RunSpec struct {
	// Name is the run name (tag mlflow.runName). Empty lets MLflow pick one (the server) or
	// uses the run id (FileStore).
	Name string
	// StartTime defaults to now when zero.
	StartTime time.Time
	// Tags are set on the run at creation; TagParentRunID makes it a child run.
	Tags map[string]string
}

// RunInfo identifies a run.
type RunInfo struct {
	ID           string
	ExperimentID string
	Name         string
	// ArtifactURI is where the run's artifacts live: mlflow-artifacts:/<exp>/<run>/artifacts
	// on a server with --serve-artifacts, file:///.../artifacts in a FileStore.
	ArtifactURI string
	Status      RunStatus
	StartTime   time.Time
	EndTime     time.Time // zero while the run is active
}

// Run is a run with its data.
type Run struct {
	Info RunInfo
	// Metrics holds the latest value of each metric: the one with the highest step, then
	// timestamp, then value (MLflow's rule).
	Metrics map[string]Metric
	Params  map[string]string
	Tags    map[string]string
}

// Metric is one metric observation.
type Metric struct {
	Key   string
	Value float64
	// Timestamp defaults to the time of logging when zero. MLflow keeps milliseconds.
	Timestamp time.Time
	Step      int64
}

// Param is a run parameter; its value cannot change once logged.
type Param struct {
	Key, Value string
}

// Tag is a run tag; setting it again overwrites it.
type Tag struct {
	Key, Value string
}

// Batch is a set of records for one run.
type Batch struct {
	Metrics []Metric
	Params  []Param
	Tags    []Tag
}

// ModelVersion is a registered model version.
type ModelVersion struct {
	Model   string // registered model name
	Version string // "1", "2", ...
	RunID   string
	// Source is the artifact URI of the registered directory (the run's artifact URI joined
	// with the artifact path).
	Source       string
	Status       string // READY once registered
	Aliases      []string
	CreationTime time.Time
}

// millis converts t to MLflow's milliseconds since the Unix epoch, with zero meaning now.
func millis(t time.Time, now func() time.Time) int64 {
	if t.IsZero() {
		t = now()
	}
	return t.UnixMilli()
}

// fromMillis is the inverse of millis; 0 stays the zero time.
func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

// sortedTags orders tags by key, for deterministic requests and files.
func sortedTags(tags []Tag) []Tag {
	sort.Slice(tags, func(i, j int) bool { return tags[i].Key < tags[j].Key })
	return tags
}

// mapTags turns a tag map into a key-ordered slice.
func mapTags(m map[string]string) []Tag {
	tags := make([]Tag, 0, len(m))
	for k, v := range m {
		tags = append(tags, Tag{Key: k, Value: v})
	}
	return sortedTags(tags)
}
