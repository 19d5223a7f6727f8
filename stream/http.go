package stream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/segmentio/kafka-go"

	"github.com/storeseg/storeseg/statestore"
)

// Handler returns the consumer's HTTP API:
//
//	GET /metrics           Prometheus metrics from g (nil: no /metrics route)
//	GET /healthz           200 while the process is up
//	GET /readyz            200 when Run is consuming, the broker answers and a model is serving;
//	                       503 with a JSON reason otherwise
//	GET /v1/stores/{id}    the store's merged state and its assignment under the serving model
//	GET /v1/segments       the serving model's segments with refit sizes and live counts
func (c *Consumer) Handler(g prometheus.Gatherer) http.Handler {
	mux := http.NewServeMux()
	if g != nil {
		mux.Handle("GET /metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{}))
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", c.handleReady)
	mux.HandleFunc("GET /v1/stores/{id}", c.handleStore)
	mux.HandleFunc("GET /v1/segments", c.handleSegments)
	return mux
}

// Ready reports nil when the consumer can do its job: Run is consuming, a broker answers
// within Config.ReadyTimeout and a model is serving. The error says what is missing.
func (c *Consumer) Ready(ctx context.Context) error {
	if !c.ready.Load() {
		return errors.New("consumer is not running")
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.ReadyTimeout)
	defer cancel()
	err := c.kc.withAdmin(c.cfg.ReadyTimeout, func(admin *kafka.Client) error {
		_, err := admin.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{c.cfg.Topics.Input}})
		return err
	})
	if err != nil {
		return fmt.Errorf("kafka brokers %v not reachable: %w", c.cfg.Kafka.Brokers, err)
	}
	if c.serving.Load() == nil {
		return fmt.Errorf("no model loaded yet: waiting for a bundle of model %q on topic %s (state is kept meanwhile)",
			c.cfg.ModelName, c.cfg.Topics.Models)
	}
	return nil
}

func (c *Consumer) handleReady(w http.ResponseWriter, r *http.Request) {
	if err := c.Ready(r.Context()); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"ready": false, "reason": err.Error()})
		return
	}
	srv := c.serving.Load()
	writeJSON(w, http.StatusOK, map[string]any{"ready": true, "model_version": srv.version})
}

type featureJSON struct {
	Value     any   `json:"value"`
	EventTime int64 `json:"event_time"`
}

type assignmentJSON struct {
	SegmentID    int     `json:"segment_id"`
	SegmentName  string  `json:"segment_name"`
	Confidence   float64 `json:"confidence"`
	Cluster      int     `json:"cluster"`
	Novelty      bool    `json:"novelty"`
	OutlierScore float64 `json:"outlier_score"`
	Source       string  `json:"source"`
	Unseen       int     `json:"unseen_levels"`
	ModelVersion string  `json:"model_version"`
}

type storeJSON struct {
	StoreID     string                 `json:"store_id"`
	UpdatedAt   time.Time              `json:"updated_at"`
	Source      string                 `json:"source,omitempty"`
	Sequence    *int64                 `json:"sequence,omitempty"`
	Numeric     map[string]featureJSON `json:"numeric"`
	Categorical map[string]featureJSON `json:"categorical"`
	Assignment  *assignmentJSON        `json:"assignment"`
	// ScoreError says why the store has no assignment although a model is serving.
	ScoreError string `json:"score_error,omitempty"`
}

func (c *Consumer) handleStore(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	st, err := c.store.Get(r.Context(), id)
	if errors.Is(err, statestore.ErrNotFound) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": fmt.Sprintf("store %q not found", id)})
		return
	}
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	out := storeJSON{StoreID: st.StoreID, UpdatedAt: time.UnixMilli(st.UpdatedAt).UTC(), Source: st.Source,
		Numeric: map[string]featureJSON{}, Categorical: map[string]featureJSON{}}
	if st.HasSequence {
		out.Sequence = &st.Sequence
	}
	for _, f := range st.Num {
		fj := featureJSON{EventTime: f.EventTime}
		if !f.Missing {
			fj.Value = f.Value
		}
		out.Numeric[f.Name] = fj
	}
	for _, f := range st.Cat {
		fj := featureJSON{EventTime: f.EventTime}
		if !f.Missing {
			fj.Value = f.Value
		}
		out.Categorical[f.Name] = fj
	}
	if srv := c.serving.Load(); srv != nil {
		a, err := srv.score(&st)
		if err != nil {
			out.ScoreError = err.Error()
		} else {
			out.Assignment = &assignmentJSON{SegmentID: a.SegmentID, SegmentName: a.SegmentName, Confidence: a.Confidence,
				Cluster: a.Cluster, Novelty: a.Novelty, OutlierScore: a.OutlierScore, Source: a.Source.String(),
				Unseen: a.Unseen, ModelVersion: srv.version}
		}
	}
	writeJSON(w, http.StatusOK, out)
}

type segmentJSON struct {
	ID       int    `json:"id"`
	Name     string `json:"name"`
	Size     int    `json:"refit_size"`
	Live     int    `json:"live_stores"`
	Clusters int    `json:"cluster"`
}

func (c *Consumer) handleSegments(w http.ResponseWriter, _ *http.Request) {
	srv := c.serving.Load()
	if srv == nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": "no model loaded yet", "segments": []segmentJSON{}})
		return
	}
	segs := make([]segmentJSON, 0, len(srv.segments))
	c.countsMu.Lock()
	for _, s := range srv.segments {
		segs = append(segs, segmentJSON{ID: s.ID, Name: s.Name, Size: s.Size, Live: c.counts[int32(s.ID)], Clusters: s.Cluster})
	}
	c.countsMu.Unlock()
	slices.SortFunc(segs, func(a, b segmentJSON) int { return a.ID - b.ID })
	writeJSON(w, http.StatusOK, map[string]any{"model_version": srv.version, "loaded_at": srv.loadedAt.UTC(), "segments": segs})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the client went away; nothing to do
}
