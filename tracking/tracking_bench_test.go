package tracking_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/storeseg/storeseg/tracking"
)

// benchBatch is a refit-tune-like batch: n metric points over a few keys, 50 params, 20 tags.
func benchBatch(n int) tracking.Batch {
	var b tracking.Batch
	ts := time.UnixMilli(1700000000000)
	for i := range n {
		b.Metrics = append(b.Metrics, tracking.Metric{Key: "tune/metric_" + strconv.Itoa(i%8), Value: float64(i) / 7, Timestamp: ts, Step: int64(i / 8)})
	}
	for i := range 50 {
		b.Params = append(b.Params, tracking.Param{Key: "param_" + strconv.Itoa(i), Value: strconv.Itoa(i)})
	}
	for i := range 20 {
		b.Tags = append(b.Tags, tracking.Tag{Key: "tag_" + strconv.Itoa(i), Value: "value"})
	}
	return b
}

// BenchmarkClientLogBatch measures validation, chunking, encoding and loopback HTTP against a
// server that discards the body.
func BenchmarkClientLogBatch(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err == nil {
			_, _ = io.WriteString(w, "{}")
		}
	}))
	defer srv.Close()
	c, err := tracking.NewClient(tracking.DefaultConfig(srv.URL), nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{100, 10_000} {
		batch := benchBatch(n)
		b.Run("metrics="+strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := c.LogBatch(context.Background(), "run1", batch); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkFileStoreLogBatch measures writing a batch into a local mlruns/ store.
func BenchmarkFileStoreLogBatch(b *testing.B) {
	ctx := context.Background()
	s, err := tracking.OpenFileStore(filepath.Join(b.TempDir(), "mlruns"))
	if err != nil {
		b.Fatal(err)
	}
	exp, err := s.EnsureExperiment(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{100, 10_000} {
		batch := benchBatch(n)
		b.Run("metrics="+strconv.Itoa(n), func(b *testing.B) {
			run, err := s.CreateRun(ctx, exp, tracking.RunSpec{Name: "bench"})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := s.LogBatch(ctx, run.ID, batch); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
