package tracking

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"time"
)

// The JSON shapes of MLflow's REST API (protobuf JSON: int64 may arrive as strings, doubles
// as "NaN"/"Infinity"/"-Infinity").

// jsonFloat is a double in protobuf JSON.
type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	switch {
	case math.IsNaN(v):
		return []byte(`"NaN"`), nil
	case math.IsInf(v, 1):
		return []byte(`"Infinity"`), nil
	case math.IsInf(v, -1):
		return []byte(`"-Infinity"`), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}

func (f *jsonFloat) UnmarshalJSON(b []byte) error {
	s := string(bytes.Trim(b, `"`))
	switch s {
	case "NaN":
		*f = jsonFloat(math.NaN())
		return nil
	case "Infinity":
		*f = jsonFloat(math.Inf(1))
		return nil
	case "-Infinity":
		*f = jsonFloat(math.Inf(-1))
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("decoding double %s: %w", b, err)
	}
	*f = jsonFloat(v)
	return nil
}

// jsonInt64 is an int64 in protobuf JSON (a number or a decimal string).
type jsonInt64 int64

func (n *jsonInt64) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	v, err := strconv.ParseInt(string(bytes.Trim(b, `"`)), 10, 64)
	if err != nil {
		return fmt.Errorf("decoding int64 %s: %w", b, err)
	}
	*n = jsonInt64(v)
	return nil
}

type wireKV struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type wireMetric struct {
	Key       string    `json:"key"`
	Value     jsonFloat `json:"value"`
	Timestamp jsonInt64 `json:"timestamp"`
	Step      jsonInt64 `json:"step"`
}

type wireExperiment struct {
	ExperimentID     string `json:"experiment_id"`
	Name             string `json:"name"`
	ArtifactLocation string `json:"artifact_location"`
	LifecycleStage   string `json:"lifecycle_stage"`
}

type wireRunInfo struct {
	RunID          string    `json:"run_id"`
	RunUUID        string    `json:"run_uuid"`
	ExperimentID   string    `json:"experiment_id"`
	RunName        string    `json:"run_name"`
	Status         string    `json:"status"`
	StartTime      jsonInt64 `json:"start_time"`
	EndTime        jsonInt64 `json:"end_time"`
	ArtifactURI    string    `json:"artifact_uri"`
	LifecycleStage string    `json:"lifecycle_stage"`
}

type wireRun struct {
	Info wireRunInfo `json:"info"`
	Data struct {
		Metrics []wireMetric `json:"metrics"`
		Params  []wireKV     `json:"params"`
		Tags    []wireKV     `json:"tags"`
	} `json:"data"`
}

type wireModelVersion struct {
	Name              string    `json:"name"`
	Version           string    `json:"version"`
	RunID             string    `json:"run_id"`
	Source            string    `json:"source"`
	Status            string    `json:"status"`
	CreationTimestamp jsonInt64 `json:"creation_timestamp"`
	Aliases           []string  `json:"aliases"`
}

type wireAlias struct {
	Alias   string `json:"alias"`
	Version string `json:"version"`
}

type wireRegisteredModel struct {
	Name    string      `json:"name"`
	Aliases []wireAlias `json:"aliases"`
}

// wireError is MLflow's error body.
type wireError struct {
	ErrorCode string `json:"error_code"`
	Message   string `json:"message"`
}

func (ri wireRunInfo) runInfo() RunInfo {
	id := ri.RunID
	if id == "" {
		id = ri.RunUUID
	}
	return RunInfo{
		ID:           id,
		ExperimentID: ri.ExperimentID,
		Name:         ri.RunName,
		ArtifactURI:  ri.ArtifactURI,
		Status:       RunStatus(ri.Status),
		StartTime:    fromMillis(int64(ri.StartTime)),
		EndTime:      fromMillis(int64(ri.EndTime)),
	}
}

func (wr wireRun) run() Run {
	r := Run{
		Info:    wr.Info.runInfo(),
		Metrics: make(map[string]Metric, len(wr.Data.Metrics)),
		Params:  make(map[string]string, len(wr.Data.Params)),
		Tags:    make(map[string]string, len(wr.Data.Tags)),
	}
	for _, m := range wr.Data.Metrics {
		keepLatest(r.Metrics, Metric{Key: m.Key, Value: float64(m.Value),
			Timestamp: time.UnixMilli(int64(m.Timestamp)), Step: int64(m.Step)})
	}
	for _, p := range wr.Data.Params {
		r.Params[p.Key] = p.Value
	}
	for _, t := range wr.Data.Tags {
		r.Tags[t.Key] = t.Value
	}
	return r
}

// keepLatest stores m unless dst already holds an observation of the same key that is not
// smaller: MLflow's latest is Python's max() by (step, timestamp, value), first one on ties.
func keepLatest(dst map[string]Metric, m Metric) {
	old, ok := dst[m.Key]
	if ok && !metricAfter(m, old) {
		return
	}
	dst[m.Key] = m
}

func metricAfter(a, b Metric) bool {
	if a.Step != b.Step {
		return a.Step > b.Step
	}
	if ta, tb := a.Timestamp.UnixMilli(), b.Timestamp.UnixMilli(); ta != tb {
		return ta > tb
	}
	return a.Value > b.Value // false for NaN on either side, as in Python
}

func (mv wireModelVersion) modelVersion() ModelVersion {
	return ModelVersion{
		Model:        mv.Name,
		Version:      mv.Version,
		RunID:        mv.RunID,
		Source:       mv.Source,
		Status:       mv.Status,
		Aliases:      mv.Aliases,
		CreationTime: fromMillis(int64(mv.CreationTimestamp)),
	}
}
