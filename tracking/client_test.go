package tracking_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/storeseg/storeseg/tracking"
)

// recorded is one request seen by the fake server.
type recorded struct {
	Method, Path, Query string
	Body                []byte
	Header              http.Header
}

// fake is a scripted MLflow server: handle answers each request; every request is recorded.
type fake struct {
	mu     sync.Mutex
	reqs   []recorded
	handle func(w http.ResponseWriter, r recorded)
	srv    *httptest.Server
}

func newFake(t *testing.T, handle func(w http.ResponseWriter, r recorded)) (*fake, *tracking.Client) {
	t.Helper()
	f := &fake{handle: handle}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec := recorded{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery, Body: body, Header: r.Header}
		f.mu.Lock()
		f.reqs = append(f.reqs, rec)
		f.mu.Unlock()
		f.handle(w, rec)
	}))
	t.Cleanup(f.srv.Close)
	cfg := tracking.DefaultConfig(f.srv.URL)
	cfg.RetryBackoff = time.Millisecond
	cfg.MaxBackoff = 5 * time.Millisecond
	c, err := tracking.NewClient(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return f, c
}

func (f *fake) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.reqs...)
}

func reply(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func mlflowError(w http.ResponseWriter, status int, code, msg string) {
	b, _ := json.Marshal(map[string]string{"error_code": code, "message": msg})
	reply(w, status, string(b))
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  tracking.Config
		ok   bool
	}{
		{"default", tracking.DefaultConfig("http://127.0.0.1:5000"), true},
		{"zero but URI", tracking.Config{TrackingURI: "https://mlflow.example.com/prefix"}, true},
		{"empty URI", tracking.DefaultConfig(""), false},
		{"file URI", tracking.DefaultConfig("file:///tmp/mlruns"), false},
		{"no host", tracking.DefaultConfig("http://"), false},
		{"query", tracking.DefaultConfig("http://h:1/?a=b"), false},
		{"negative timeout", tracking.Config{TrackingURI: "http://h", RequestTimeout: -time.Second}, false},
		{"negative retries", tracking.Config{TrackingURI: "http://h", MaxRetries: -1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if (err == nil) != tt.ok {
				t.Fatalf("Validate() = %v; want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, tracking.ErrInvalid) {
				t.Errorf("Validate() = %v; want it to wrap ErrInvalid", err)
			}
		})
	}
}

func TestConfigStringHidesSecrets(t *testing.T) {
	cfg := tracking.DefaultConfig("http://h")
	cfg.Token = "s3cret"
	if s := cfg.String(); strings.Contains(s, "s3cret") || !strings.Contains(s, "bearer") {
		t.Errorf("String() = %q; want the auth kind and no secret", s)
	}
}

func TestEnsureExperiment(t *testing.T) {
	tests := []struct {
		name    string
		getBy   []func(w http.ResponseWriter) // answers to successive get-by-name calls
		create  func(w http.ResponseWriter)
		want    string
		wantErr error
		calls   []string
	}{
		{
			name: "exists",
			getBy: []func(http.ResponseWriter){func(w http.ResponseWriter) {
				reply(w, 200, `{"experiment":{"experiment_id":"7","name":"x","lifecycle_stage":"active"}}`)
			}},
			want:  "7",
			calls: []string{"GET /api/2.0/mlflow/experiments/get-by-name"},
		},
		{
			name:   "created",
			getBy:  []func(http.ResponseWriter){func(w http.ResponseWriter) { mlflowError(w, 404, "RESOURCE_DOES_NOT_EXIST", "no") }},
			create: func(w http.ResponseWriter) { reply(w, 200, `{"experiment_id":"8"}`) },
			want:   "8",
			calls:  []string{"GET /api/2.0/mlflow/experiments/get-by-name", "POST /api/2.0/mlflow/experiments/create"},
		},
		{
			name: "created concurrently",
			getBy: []func(http.ResponseWriter){
				func(w http.ResponseWriter) { mlflowError(w, 404, "RESOURCE_DOES_NOT_EXIST", "no") },
				func(w http.ResponseWriter) {
					reply(w, 200, `{"experiment":{"experiment_id":"9","lifecycle_stage":"active"}}`)
				},
			},
			create: func(w http.ResponseWriter) { mlflowError(w, 400, "RESOURCE_ALREADY_EXISTS", "exists") },
			want:   "9",
			calls: []string{"GET /api/2.0/mlflow/experiments/get-by-name", "POST /api/2.0/mlflow/experiments/create",
				"GET /api/2.0/mlflow/experiments/get-by-name"},
		},
		{
			name: "deleted",
			getBy: []func(http.ResponseWriter){func(w http.ResponseWriter) {
				reply(w, 200, `{"experiment":{"experiment_id":"3","lifecycle_stage":"deleted"}}`)
			}},
			wantErr: tracking.ErrInvalidState,
			calls:   []string{"GET /api/2.0/mlflow/experiments/get-by-name"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := 0
			f, c := newFake(t, func(w http.ResponseWriter, r recorded) {
				if strings.HasSuffix(r.Path, "get-by-name") {
					tt.getBy[n](w)
					n++
					return
				}
				tt.create(w)
			})
			got, err := c.EnsureExperiment(context.Background(), "storeseg refits")
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("EnsureExperiment() error = %v; want %v", err, tt.wantErr)
				}
			} else if err != nil || got != tt.want {
				t.Fatalf("EnsureExperiment() = %q, %v; want %q", got, err, tt.want)
			}
			var calls []string
			for _, r := range f.requests() {
				calls = append(calls, r.Method+" "+r.Path)
				if r.Method == http.MethodGet && r.Query != "experiment_name=storeseg+refits" {
					t.Errorf("get-by-name query = %q", r.Query)
				}
			}
			if diff := cmp.Diff(tt.calls, calls); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
		})
	}
}

const runJSON = `{"run":{"info":{"run_id":"abc123","experiment_id":"1","run_name":"fit","status":"RUNNING",
	"start_time":1700000000123,"artifact_uri":"mlflow-artifacts:/1/abc123/artifacts"},"data":{}}}`

func TestCreateRunRequest(t *testing.T) {
	f, c := newFake(t, func(w http.ResponseWriter, _ recorded) { reply(w, 200, runJSON) })
	start := time.UnixMilli(1700000000123)
	info, err := c.CreateRun(context.Background(), "1", tracking.RunSpec{Name: "fit", StartTime: start,
		Tags: map[string]string{"z": "last", tracking.TagParentRunID: "p1"}})
	if err != nil {
		t.Fatal(err)
	}
	want := tracking.RunInfo{ID: "abc123", ExperimentID: "1", Name: "fit", ArtifactURI: "mlflow-artifacts:/1/abc123/artifacts",
		Status: tracking.StatusRunning, StartTime: start}
	if diff := cmp.Diff(want, info); diff != "" {
		t.Errorf("RunInfo (-want +got):\n%s", diff)
	}
	r := f.requests()[0]
	wantBody := `{"experiment_id":"1","run_name":"fit","start_time":1700000000123,"tags":[{"key":"mlflow.parentRunId","value":"p1"},{"key":"z","value":"last"}]}`
	if r.Method != "POST" || r.Path != "/api/2.0/mlflow/runs/create" || string(r.Body) != wantBody {
		t.Errorf("request = %s %s %s; want POST /api/2.0/mlflow/runs/create %s", r.Method, r.Path, r.Body, wantBody)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
}

// logBatchBody mirrors the runs/log-batch request for decoding in tests.
type logBatchBody struct {
	RunID   string `json:"run_id"`
	Metrics []struct {
		Key       string `json:"key"`
		Value     any    `json:"value"`
		Timestamp int64  `json:"timestamp"`
		Step      int64  `json:"step"`
	} `json:"metrics"`
	Params []struct{ Key, Value string } `json:"params"`
	Tags   []struct{ Key, Value string } `json:"tags"`
}

func TestLogBatchChunking(t *testing.T) {
	tests := []struct {
		name                  string
		params, tags, metrics int
		paramValue            string
		wantRequests          int
	}{
		{"small", 3, 2, 10, "v", 1},
		{"many params", 250, 0, 0, "v", 3},
		{"params tags metrics", 150, 120, 2500, "v", 3},
		{"metrics only", 0, 0, 2001, "", 3},
		{"by bytes", 100, 0, 0, strings.Repeat("é", 6000), 2}, // 100 × 12 kB > 1 MB
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, c := newFake(t, func(w http.ResponseWriter, _ recorded) { reply(w, 200, `{}`) })
			var b tracking.Batch
			for i := range tt.params {
				b.Params = append(b.Params, tracking.Param{Key: "p" + itoa(i), Value: tt.paramValue})
			}
			for i := range tt.tags {
				b.Tags = append(b.Tags, tracking.Tag{Key: "t" + itoa(i), Value: "x"})
			}
			ts := time.UnixMilli(1700000000000)
			for i := range tt.metrics {
				b.Metrics = append(b.Metrics, tracking.Metric{Key: "m", Value: float64(i), Timestamp: ts, Step: int64(i)})
			}
			if err := c.LogBatch(context.Background(), "run1", b); err != nil {
				t.Fatal(err)
			}
			reqs := f.requests()
			if len(reqs) != tt.wantRequests {
				t.Errorf("%d requests; want %d", len(reqs), tt.wantRequests)
			}
			var np, nt, nm int
			for i, r := range reqs {
				var body logBatchBody
				if err := json.Unmarshal(r.Body, &body); err != nil {
					t.Fatal(err)
				}
				if len(r.Body) > tracking.MaxBatchRequestBytes || len(body.Params) > 100 || len(body.Tags) > 100 ||
					len(body.Metrics) > 1000 || len(body.Params)+len(body.Tags)+len(body.Metrics) > 1000 {
					t.Errorf("request %d over MLflow's limits: %d bytes, %d params, %d tags, %d metrics",
						i, len(r.Body), len(body.Params), len(body.Tags), len(body.Metrics))
				}
				for _, p := range body.Params {
					if p.Key != "p"+itoa(np) {
						t.Fatalf("param %q out of order; want p%d", p.Key, np)
					}
					np++
				}
				nt += len(body.Tags)
				for _, m := range body.Metrics {
					if m.Step != int64(nm) || m.Value != float64(nm) || m.Timestamp != 1700000000000 {
						t.Fatalf("metric %+v out of order; want step %d", m, nm)
					}
					nm++
				}
			}
			if np != tt.params || nt != tt.tags || nm != tt.metrics {
				t.Errorf("sent %d params, %d tags, %d metrics; want %d, %d, %d", np, nt, nm, tt.params, tt.tags, tt.metrics)
			}
		})
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestLogBatchNonFiniteAndDefaults(t *testing.T) {
	f, c := newFake(t, func(w http.ResponseWriter, _ recorded) { reply(w, 200, `{}`) })
	before := time.Now().UnixMilli()
	b := tracking.Batch{
		Metrics: []tracking.Metric{{Key: "nan", Value: math.NaN()}, {Key: "inf", Value: math.Inf(1)}, {Key: "neg", Value: math.Inf(-1)}},
		Params:  []tracking.Param{{Key: "a", Value: "1"}, {Key: "a", Value: "1"}}, // identical duplicate: sent once
	}
	if err := c.LogBatch(context.Background(), "run1", b); err != nil {
		t.Fatal(err)
	}
	var body logBatchBody
	if err := json.Unmarshal(f.requests()[0].Body, &body); err != nil {
		t.Fatal(err)
	}
	var values []any
	for _, m := range body.Metrics {
		values = append(values, m.Value)
		if m.Timestamp < before || m.Timestamp > time.Now().UnixMilli() {
			t.Errorf("metric %s timestamp %d; want now", m.Key, m.Timestamp)
		}
	}
	if diff := cmp.Diff([]any{"NaN", "Infinity", "-Infinity"}, values); diff != "" {
		t.Errorf("metric values (-want +got):\n%s", diff)
	}
	if len(body.Params) != 1 {
		t.Errorf("params = %+v; want the duplicate dropped", body.Params)
	}
}

func TestLogBatchValidation(t *testing.T) {
	long := strings.Repeat("x", 6001)
	tests := []struct {
		name  string
		batch tracking.Batch
		want  string // in the error message
	}{
		{"empty key", tracking.Batch{Params: []tracking.Param{{Key: "", Value: "v"}}}, "param key is empty"},
		{"bad char", tracking.Batch{Metrics: []tracking.Metric{{Key: "a*b"}}}, `metric key "a*b"`},
		{"path key", tracking.Batch{Tags: []tracking.Tag{{Key: "a/../b"}}}, "would resolve"},
		{"absolute key", tracking.Batch{Tags: []tracking.Tag{{Key: "/a"}}}, "would resolve"},
		{"long key", tracking.Batch{Params: []tracking.Param{{Key: strings.Repeat("k", 251)}}}, "251 characters (limit 250)"},
		{"long param", tracking.Batch{Params: []tracking.Param{{Key: "p", Value: long}}}, `param "p" value has 6001 characters (limit 6000)`},
		{"long tag", tracking.Batch{Tags: []tracking.Tag{{Key: "t", Value: strings.Repeat("y", 8001)}}}, "limit 8000"},
		{"conflicting params", tracking.Batch{Params: []tracking.Param{{Key: "p", Value: "1"}, {Key: "p", Value: "2"}}}, `param "p" given twice`},
		{"negative time", tracking.Batch{Metrics: []tracking.Metric{{Key: "m", Timestamp: time.Unix(-5, 0)}}}, "before 1970"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, c := newFake(t, func(w http.ResponseWriter, _ recorded) { reply(w, 200, `{}`) })
			err := c.LogBatch(context.Background(), "run1", tt.batch)
			if !errors.Is(err, tracking.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("LogBatch() = %v; want ErrInvalid mentioning %q", err, tt.want)
			}
			if n := len(f.requests()); n != 0 {
				t.Errorf("%d requests sent for an invalid batch", n)
			}
		})
	}
	// Unicode letters are word characters for MLflow (Python's \w), and so are ':' and ' '.
	_, c := newFake(t, func(w http.ResponseWriter, _ recorded) { reply(w, 200, `{}`) })
	ok := tracking.Batch{Params: []tracking.Param{{Key: "größe: m²/store 1", Value: long[:6000]}}}
	if err := c.LogBatch(context.Background(), "run1", ok); err != nil {
		t.Errorf("LogBatch(valid unicode key, 6000-char value) = %v", err)
	}
}

func TestRetries(t *testing.T) {
	apiError := func(code string, status int, msg string) func(t *testing.T, err error) {
		return func(t *testing.T, err error) {
			var e *tracking.Error
			if !errors.As(err, &e) || e.Code != code || e.HTTPStatus != status || !strings.Contains(err.Error(), msg) {
				t.Errorf("err = %v; want an *Error %q, HTTP %d, mentioning %q", err, code, status, msg)
			}
		}
	}
	tests := []struct {
		name      string
		statuses  []int // answers in order; the last one repeats
		wantCalls int
		check     func(t *testing.T, err error)
	}{
		{"503 then ok", []int{503, 502, 200}, 3, nil},
		{"429 then ok", []int{429, 200}, 2, nil},
		{"persistent 500", []int{500}, 4, apiError("INTERNAL_ERROR", 500, "giving up after 4 attempts")},
		{"400 is final", []int{400}, 1, apiError("INVALID_PARAMETER_VALUE", 400, "bad")},
		{"404 page is not ErrNotFound", []int{404}, 1, func(t *testing.T, err error) {
			apiError("", 404, "<html>Not Found</html>")(t, err)
			if errors.Is(err, tracking.ErrNotFound) {
				t.Errorf("err = %v matches ErrNotFound; a 404 page is a wrong URL", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := 0
			f, c := newFake(t, func(w http.ResponseWriter, _ recorded) {
				s := tt.statuses[min(n, len(tt.statuses)-1)]
				n++
				switch s {
				case 200:
					reply(w, 200, runJSON)
				case 400:
					mlflowError(w, 400, "INVALID_PARAMETER_VALUE", "bad")
				case 404:
					w.WriteHeader(404)
					_, _ = io.WriteString(w, "<html>Not Found</html>")
				case 500:
					mlflowError(w, 500, "INTERNAL_ERROR", "boom")
				default:
					w.Header().Set("Retry-After", "0")
					w.WriteHeader(s)
				}
			})
			_, err := c.Run(context.Background(), "abc123")
			if got := len(f.requests()); got != tt.wantCalls {
				t.Errorf("%d attempts; want %d", got, tt.wantCalls)
			}
			if tt.check == nil {
				if err != nil {
					t.Errorf("Run() = %v; want success", err)
				}
				return
			}
			tt.check(t, err)
		})
	}
}

func TestUnreachableServerFailsFast(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil { // nothing listens there now
		t.Fatal(err)
	}
	cfg := tracking.DefaultConfig("http://" + addr)
	cfg.RetryBackoff, cfg.MaxRetries = 10*time.Millisecond, 2
	c, err := tracking.NewClient(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = c.EnsureExperiment(context.Background(), "x")
	if err == nil || !strings.Contains(err.Error(), "unreachable after 3 attempts") || !strings.Contains(err.Error(), addr) {
		t.Fatalf("EnsureExperiment() = %v; want an unreachable error naming %s", err, addr)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s to give up", d)
	}
}

func TestContextCancelStopsRetrying(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	f, c := newFake(t, func(w http.ResponseWriter, _ recorded) {
		cancel()
		w.WriteHeader(503)
	})
	_, err := c.Run(ctx, "abc123")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run() = %v; want context.Canceled", err)
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("%d attempts after cancel; want 1", n)
	}
}

func TestAuthHeaders(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  func(*tracking.Config)
		want string
	}{
		{"bearer", func(c *tracking.Config) { c.Token = "tok" }, "Bearer tok"},
		{"basic", func(c *tracking.Config) { c.Username, c.Password = "u", "p" }, "Basic dTpw"},
		{"none", func(*tracking.Config) {}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got = r.Header.Get("Authorization")
				reply(w, 200, runJSON)
			}))
			defer srv.Close()
			cfg := tracking.DefaultConfig(srv.URL + "/prefix/")
			tt.cfg(&cfg)
			c, err := tracking.NewClient(cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Run(context.Background(), "abc123"); err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Authorization = %q; want %q", got, tt.want)
			}
		})
	}
}

func TestLogArtifactsUploadsTree(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{"manifest.json": "{}", "parts/a b.npz": "AB", "parts/deep/c#1.npz": "C"}
	for rel, content := range files {
		writeFile(t, filepath.Join(dir, filepath.FromSlash(rel)), content)
	}
	f, c := newFake(t, func(w http.ResponseWriter, r recorded) {
		if r.Method == http.MethodGet {
			reply(w, 200, runJSON)
			return
		}
		reply(w, 200, `{}`)
	})
	if err := c.LogArtifacts(context.Background(), "abc123", dir, "model/v1"); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range f.requests()[1:] { // the first asks for the run's artifact URI
		if r.Method != http.MethodPut || r.Header.Get("Content-Type") != "application/octet-stream" {
			t.Errorf("upload request %s %s (%s)", r.Method, r.Path, r.Header.Get("Content-Type"))
		}
		got[r.Path] = string(r.Body)
	}
	want := map[string]string{
		"/api/2.0/mlflow-artifacts/artifacts/1/abc123/artifacts/model/v1/manifest.json":        "{}",
		"/api/2.0/mlflow-artifacts/artifacts/1/abc123/artifacts/model/v1/parts/a%20b.npz":      "AB",
		"/api/2.0/mlflow-artifacts/artifacts/1/abc123/artifacts/model/v1/parts/deep/c%231.npz": "C",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("uploads (-want +got):\n%s", diff)
	}
}

func TestLogArtifactsErrors(t *testing.T) {
	nonProxy := strings.Replace(runJSON, "mlflow-artifacts:/1/abc123/artifacts", "s3://bucket/1/abc123/artifacts", 1)
	_, c := newFake(t, func(w http.ResponseWriter, _ recorded) { reply(w, 200, nonProxy) })
	file := filepath.Join(t.TempDir(), "f.txt")
	writeFile(t, file, "x")
	if err := c.LogArtifacts(context.Background(), "abc123", file, ""); !errors.Is(err, tracking.ErrArtifactStore) {
		t.Errorf("LogArtifacts to an s3 run = %v; want ErrArtifactStore", err)
	}
	for _, p := range []string{"../up", "/abs", "a/../../b", `win\path`} {
		if err := c.LogArtifacts(context.Background(), "abc123", file, p); !errors.Is(err, tracking.ErrInvalid) {
			t.Errorf("LogArtifacts(artifactPath %q) = %v; want ErrInvalid", p, err)
		}
	}
	if err := c.LogArtifacts(context.Background(), "abc123", filepath.Join(t.TempDir(), "missing"), ""); err == nil {
		t.Error("LogArtifacts(missing file) = nil; want an error")
	}
}

func TestRegistry(t *testing.T) {
	f, c := newFake(t, func(w http.ResponseWriter, r recorded) {
		switch r.Path {
		case "/api/2.0/mlflow/runs/get":
			reply(w, 200, runJSON)
		case "/api/2.0/mlflow/registered-models/create":
			mlflowError(w, 400, "RESOURCE_ALREADY_EXISTS", "exists")
		case "/api/2.0/mlflow/model-versions/create":
			reply(w, 200, `{"model_version":{"name":"segm","version":"4","run_id":"abc123","status":"READY",
				"source":"mlflow-artifacts:/1/abc123/artifacts/model","creation_timestamp":"1700000000000"}}`)
		case "/api/2.0/mlflow/registered-models/alias":
			reply(w, 200, `{}`)
		case "/api/2.0/mlflow/registered-models/get":
			reply(w, 200, `{"registered_model":{"name":"segm","aliases":[{"alias":"champion","version":"4"}]}}`)
		case "/api/2.0/mlflow/model-versions/get":
			reply(w, 200, `{"model_version":{"name":"segm","version":"4","run_id":"abc123","aliases":["champion"]}}`)
		default:
			t.Errorf("unexpected %s %s", r.Method, r.Path)
		}
	})
	ctx := context.Background()
	mv, err := c.RegisterModelVersion(ctx, "segm", "abc123", "model/")
	if err != nil {
		t.Fatal(err)
	}
	if mv.Version != "4" || mv.CreationTime != time.UnixMilli(1700000000000) {
		t.Errorf("RegisterModelVersion() = %+v", mv)
	}
	if err := c.SetAlias(ctx, "segm", "champion", "4"); err != nil {
		t.Fatal(err)
	}
	champ, err := c.ModelVersionByAlias(ctx, "segm", "champion")
	if err != nil || champ.Version != "4" || champ.RunID != "abc123" {
		t.Fatalf("ModelVersionByAlias() = %+v, %v", champ, err)
	}
	if _, err := c.ModelVersionByAlias(ctx, "segm", "challenger"); !errors.Is(err, tracking.ErrNotFound) {
		t.Errorf("missing alias: err = %v; want ErrNotFound", err)
	}
	bodies := map[string]string{}
	for _, r := range f.requests() {
		if r.Method == http.MethodPost {
			bodies[r.Path] = string(r.Body)
		}
	}
	want := map[string]string{
		"/api/2.0/mlflow/registered-models/create": `{"name":"segm"}`,
		"/api/2.0/mlflow/model-versions/create":    `{"name":"segm","run_id":"abc123","source":"mlflow-artifacts:/1/abc123/artifacts/model"}`,
		"/api/2.0/mlflow/registered-models/alias":  `{"alias":"champion","name":"segm","version":"4"}`,
	}
	if diff := cmp.Diff(want, bodies); diff != "" {
		t.Errorf("request bodies (-want +got):\n%s", diff)
	}
}

func TestRegistryValidation(t *testing.T) {
	_, c := newFake(t, func(_ http.ResponseWriter, r recorded) { t.Errorf("request sent: %s", r.Path) })
	ctx := context.Background()
	for _, alias := range []string{"", "latest", "Latest", "v3", "a b", "a/b"} {
		if err := c.SetAlias(ctx, "segm", alias, "1"); !errors.Is(err, tracking.ErrInvalid) {
			t.Errorf("SetAlias(alias %q) = %v; want ErrInvalid", alias, err)
		}
	}
	for _, name := range []string{"", " ", "a/b", "a:b", ".."} {
		if _, err := c.RegisterModelVersion(ctx, name, "abc123", ""); !errors.Is(err, tracking.ErrInvalid) {
			t.Errorf("RegisterModelVersion(model %q) = %v; want ErrInvalid", name, err)
		}
	}
	for _, v := range []string{"", "0", "1.0", "x"} {
		if err := c.SetAlias(ctx, "segm", "champion", v); !errors.Is(err, tracking.ErrInvalid) {
			t.Errorf("SetAlias(version %q) = %v; want ErrInvalid", v, err)
		}
	}
	for _, id := range []string{"", "../x", "-a"} {
		if _, err := c.Run(ctx, id); !errors.Is(err, tracking.ErrInvalid) {
			t.Errorf("Run(%q) = %v; want ErrInvalid", id, err)
		}
	}
}

func TestRunDecoding(t *testing.T) {
	_, c := newFake(t, func(w http.ResponseWriter, _ recorded) {
		reply(w, 200, `{"run":{"info":{"run_uuid":"abc123","experiment_id":"1","status":"FINISHED","start_time":"5","end_time":9},
		"data":{"metrics":[{"key":"a","value":"NaN","timestamp":1,"step":0},{"key":"b","value":2.5,"timestamp":"3","step":"4"}],
		"params":[{"key":"p","value":"1"}],"tags":[{"key":"t","value":"x"}]}}}`)
	})
	r, err := c.Run(context.Background(), "abc123")
	if err != nil {
		t.Fatal(err)
	}
	if r.Info.ID != "abc123" || r.Info.Status != tracking.StatusFinished || r.Info.EndTime != time.UnixMilli(9) {
		t.Errorf("Info = %+v", r.Info)
	}
	if !math.IsNaN(r.Metrics["a"].Value) || r.Metrics["b"] != (tracking.Metric{Key: "b", Value: 2.5, Timestamp: time.UnixMilli(3), Step: 4}) {
		t.Errorf("Metrics = %+v", r.Metrics)
	}
	if r.Params["p"] != "1" || r.Tags["t"] != "x" {
		t.Errorf("Params = %v, Tags = %v", r.Params, r.Tags)
	}
}

func TestErrorString(t *testing.T) {
	e := &tracking.Error{Code: "RESOURCE_ALREADY_EXISTS", Message: "exists", HTTPStatus: 400, Op: "POST /x"}
	if got, want := e.Error(), "tracking: POST /x: RESOURCE_ALREADY_EXISTS (HTTP 400): exists"; got != want {
		t.Errorf("Error() = %q; want %q", got, want)
	}
	if !errors.Is(e, tracking.ErrAlreadyExists) || errors.Is(e, tracking.ErrNotFound) {
		t.Error("errors.Is does not match by code")
	}
	if got := tracking.ErrNotFound.Error(); got != "tracking: RESOURCE_DOES_NOT_EXIST" {
		t.Errorf("sentinel Error() = %q", got)
	}
}

// writeFile creates p (and its directories) with content.
func writeFile(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
