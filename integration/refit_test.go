//go:build integration

package integration_test

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/storeseg/storeseg/schemas"
	"github.com/storeseg/storeseg/synth"
	"github.com/storeseg/storeseg/tracking"
)

var (
	binMu    sync.Mutex
	binDir   string
	binBuilt = map[string]error{}
)

// binary builds cmd/<name> once per test binary and returns its path.
func binary(t *testing.T, name string) string {
	t.Helper()
	binMu.Lock()
	defer binMu.Unlock()
	if binDir == "" {
		d, err := os.MkdirTemp("", "storeseg-bin-")
		if err != nil {
			t.Fatal(err)
		}
		binDir = d
	}
	err, done := binBuilt[name]
	if !done {
		cmd := exec.Command("go", "build", "-o", filepath.Join(binDir, name), "../cmd/"+name)
		cmd.Stderr = os.Stderr
		err = cmd.Run()
		binBuilt[name] = err
	}
	if err != nil {
		t.Fatalf("building cmd/%s: %v", name, err)
	}
	return filepath.Join(binDir, name)
}

// refit runs the refit binary and returns its combined output and exit code.
func refit(t *testing.T, args ...string) (string, int) {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command(binary(t, "refit"), args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), code
}

// TestRefitWithRealServices runs `refit run` against the real MLflow server and Kafka broker:
// the run and the registered champion are in MLflow; the bundle is published and the next
// refit finds it; the DBCV and silhouette MLflow recorded equal the reference implementations
// (hdbscan.validity.validity_index, sklearn silhouette_score) on the parquet, read by pyarrow.
func TestRefitWithRealServices(t *testing.T) {
	brokers, mlflow := kafkaBrokers(t), mlflowURI(t)
	dir := t.TempDir()
	stores := filepath.Join(dir, "stores.csv")
	if _, err := synth.Generate(context.Background(), synth.Config{Stores: 2500, Seed: 8, OutlierShare: 0.03, MissingShare: 0.02}, stores, ""); err != nil {
		t.Fatal(err)
	}
	exp, name, topic := uniqueName(t, "refit-exp"), uniqueName(t, "refit-model"), uniqueName(t, "segment-models")
	out := filepath.Join(dir, "out")
	args := []string{"run", "--input", stores, "--out", out, "--tracking-uri", mlflow, "--experiment", exp,
		"--model-name", name, "--brokers", strings.Join(brokers, ","), "--models-topic", topic}
	log, code := refit(t, args...)
	if code != 0 || !strings.Contains(log, "published:   yes") {
		t.Fatalf("refit run exited %d:\n%s", code, log)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	client, err := tracking.NewClient(tracking.DefaultConfig(mlflow), nil)
	if err != nil {
		t.Fatal(err)
	}
	mv, err := client.ModelVersionByAlias(ctx, name, "champion")
	if err != nil {
		t.Fatalf("champion alias: %v", err)
	}
	run, err := client.Run(ctx, mv.RunID)
	if err != nil {
		t.Fatal(err)
	}

	// Parity with the reference implementations, on what the parquet holds.
	py := exec.CommandContext(ctx, "python3", "testdata/refit_parity.py", filepath.Join(out, "final_clustered_stores.parquet"))
	py.Stderr = os.Stderr
	raw, err := py.Output()
	if err != nil {
		t.Fatalf("refit_parity.py: %v", err)
	}
	var ref struct {
		Rows         int      `json:"rows"`
		Columns      []string `json:"columns"`
		NullSegments int      `json:"null_segments"`
		DBCV         float64  `json:"dbcv"`
		Silhouette   float64  `json:"silhouette"`
	}
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatalf("parity output %q: %v", raw, err)
	}
	if ref.Rows != 2500 || ref.NullSegments != 0 {
		t.Errorf("pyarrow read %d rows with %d without a segment; want 2500 and 0", ref.Rows, ref.NullSegments)
	}
	for _, c := range []string{"store_id", "revenue_12m", "format", "famd_1", "cluster", "probability", "outlier_score",
		"segment_id", "segment_name", "assignment_source", "confidence", "model_version"} {
		if !contains(ref.Columns, c) {
			t.Errorf("parquet lacks column %s (has %v)", c, ref.Columns)
		}
	}
	for _, m := range []struct {
		name string
		ref  float64
	}{{"dbcv", ref.DBCV}, {"silhouette", ref.Silhouette}} {
		got := run.Metrics[m.name].Value
		if math.Abs(got-m.ref) > 1e-9 {
			t.Errorf("MLflow %s = %.15g; reference = %.15g (want within 1e-9)", m.name, got, m.ref)
		}
	}

	// The next refit finds the published model on the topic and keeps its segment ids.
	log, code = refit(t, append(args, "--previous", "auto")...)
	if code != 0 || !strings.Contains(log, "the model published on "+topic) {
		t.Fatalf("second refit exited %d without finding the published model:\n%s", code, log)
	}
}

// TestRefitFromChangelogTopic fills a store-state changelog with generated stores (including
// a superseded state and a tombstone) and refits from it.
func TestRefitFromChangelogTopic(t *testing.T) {
	brokers := kafkaBrokers(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	topic := uniqueName(t, "store-state")
	admin := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 10 * time.Second}
	createTopic(ctx, t, admin, topic, 3)
	g, err := synth.New(synth.Config{Stores: 2000, Seed: 3, OutlierShare: 0.03, MissingShare: 0.02})
	if err != nil {
		t.Fatal(err)
	}
	w := &kafka.Writer{Addr: kafka.TCP(brokers...), Topic: topic, Balancer: &kafka.Murmur2Balancer{},
		BatchTimeout: 5 * time.Millisecond, BatchSize: 1000, RequiredAcks: kafka.RequireAll, Transport: &kafka.Transport{}}
	defer closeWithin(t, "writer", 10*time.Second, w.Close)
	var msgs []kafka.Message
	for i := range 2000 {
		st := stateOf(g.Store(i))
		v, err := schemas.AppendSingleObject(nil, &st)
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, kafka.Message{Key: []byte(st.StoreID), Value: v})
	}
	// Store 0 is deleted afterwards; store 1 gets a newer state.
	newer := stateOf(g.Store(1))
	newer.UpdatedAt++
	v, _ := schemas.AppendSingleObject(nil, &newer)
	msgs = append(msgs, kafka.Message{Key: []byte(synth.StoreID(0))}, kafka.Message{Key: []byte(newer.StoreID), Value: v})
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	log, code := refit(t, "run", "--from-topic", topic, "--brokers", strings.Join(brokers, ","), "--out", out, "--no-tracking", "--no-publish")
	if code != 0 {
		t.Fatalf("refit from topic exited %d:\n%s", code, log)
	}
	if !strings.Contains(log, "from 1999 stores (kafka:"+topic+")") {
		t.Errorf("refit did not read 1999 stores (2000 − 1 tombstone) from the topic:\n%s", log)
	}
}

// stateOf turns a generated store into the StoreState the consumer would keep for it.
func stateOf(s synth.Store) schemas.StoreState {
	st := schemas.StoreState{StoreID: s.ID, UpdatedAt: 1_700_000_000_000}
	for j, name := range synth.NumNames() {
		v := s.Num[j]
		st.Numeric = append(st.Numeric, schemas.NumericState{Name: name, Value: zeroIfNaN(v), Null: math.IsNaN(v), EventTime: st.UpdatedAt})
	}
	for q, name := range synth.CatNames() {
		c := s.Cat[q]
		st.Categorical = append(st.Categorical, schemas.CategoricalState{Name: name, Value: c, Null: c == "", EventTime: st.UpdatedAt})
	}
	return st
}

func zeroIfNaN(v float64) float64 {
	if math.IsNaN(v) {
		return 0
	}
	return v
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
