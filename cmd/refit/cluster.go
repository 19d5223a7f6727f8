package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/storeseg/storeseg/model"
	"github.com/storeseg/storeseg/model/hdbscan"
	"github.com/storeseg/storeseg/model/validity"
	"github.com/storeseg/storeseg/table"
)

// clusterSummary is what "refit cluster" reports and writes to summary.json.
type clusterSummary struct {
	Points    int     `json:"points"`
	Dims      int     `json:"dims"`
	Clusters  int     `json:"clusters"`
	Sizes     []int   `json:"sizes"`
	Noise     int     `json:"noise"`
	NoiseRate float64 `json:"noise_share"`
	// DBCV is exact (validity_index) up to model.DefaultExactMax points, NaN (null) above;
	// RelativeValidity (hdbscan's relative_validity_) is always given.
	DBCV             *float64 `json:"dbcv"`
	RelativeValidity float64  `json:"relative_validity"`
	Seconds          float64  `json:"seconds"`
}

// runCluster implements "refit cluster": HDBSCAN on any numeric table (id column first).
func runCluster(ctx context.Context, args []string, stdout io.Writer) error {
	def := hdbscan.DefaultConfig()
	fs := newFlagSet("cluster", stdout)
	input := fs.String("input", "", "numeric table, .csv or .parquet: id column first, then numeric columns (e.g. coordinates.csv of refit famd)")
	out := fs.String("out", "", "output directory (required)")
	mcs := fs.Int("min-cluster-size", def.MinClusterSize, "smallest cluster (min_cluster_size)")
	ms := fs.Int("min-samples", def.MinSamples, "neighbours for the core distance, the point itself excluded; 0 = min-cluster-size")
	method := fs.String("method", "eom", "cluster selection: eom or leaf")
	eps := fs.Float64("epsilon", 0, "cluster_selection_epsilon")
	alpha := fs.Float64("alpha", 1, "distance scaling in the mutual reachability")
	single := fs.Bool("allow-single-cluster", false, "allow one cluster covering the data")
	maxSize := fs.Int("max-cluster-size", 0, "largest cluster eom may select; 0 = no limit")
	if err := fs.Parse(args); err != nil {
		return &exitError{code: 2, err: err}
	}
	if *input == "" || *out == "" || fs.NArg() > 0 {
		return usageError("cluster: -input and -out are required (and no other arguments)")
	}
	cfg := hdbscan.Config{MinClusterSize: *mcs, MinSamples: *ms, Alpha: *alpha, Epsilon: *eps,
		AllowSingleCluster: *single, MaxClusterSize: *maxSize}
	switch *method {
	case "eom":
	case "leaf":
		cfg.Method = hdbscan.Leaf
	default:
		return usageError("cluster: -method must be eom or leaf")
	}
	if err := cfg.Validate(); err != nil {
		return usageError("cluster: %v", err)
	}
	m, err := table.ReadMatrix(ctx, *input)
	if err != nil {
		return usageError("cluster: %w", err)
	}
	start := time.Now()
	res, err := hdbscan.Cluster(ctx, m.X, cfg)
	if err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	sum, err := summarize(ctx, m, res, time.Since(start))
	if err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	if err := writeLabels(filepath.Join(*out, "labels.csv"), m, res); err != nil {
		return fmt.Errorf("cluster: writing labels: %w", err)
	}
	b, _ := json.MarshalIndent(sum, "", "  ")
	if err := writeFileAtomic(filepath.Join(*out, "summary.json"), append(b, '\n')); err != nil {
		return err
	}
	printClusterSummary(stdout, sum, *out)
	return nil
}

func summarize(ctx context.Context, m *table.Matrix, res *hdbscan.Result, took time.Duration) (*clusterSummary, error) {
	n, d := m.X.Dims()
	s := &clusterSummary{Points: n, Dims: d, Clusters: res.NClusters, Sizes: make([]int, res.NClusters), Seconds: took.Seconds()}
	for _, l := range res.Labels {
		if l < 0 {
			s.Noise++
		} else {
			s.Sizes[l]++
		}
	}
	s.NoiseRate = float64(s.Noise) / float64(n)
	if res.NClusters == 0 {
		return s, nil
	}
	edges := make([]validity.Edge, len(res.MST))
	for i, e := range res.MST {
		edges[i] = validity.Edge(e)
	}
	rv, err := validity.RelativeValidity(edges, res.Labels)
	if err != nil {
		return nil, err
	}
	s.RelativeValidity = rv
	if n <= model.DefaultExactMax {
		r, err := validity.DBCV(ctx, m.X, res.Labels, validity.Config{})
		switch {
		case errors.Is(err, validity.ErrSingletonCluster):
		case err != nil:
			return nil, err
		case !math.IsNaN(r.Score):
			s.DBCV = &r.Score
		}
	}
	return s, nil
}

func writeLabels(path string, m *table.Matrix, res *hdbscan.Result) error {
	w, err := table.Create(path, table.FormatAuto, []table.Column{
		{Name: m.IDName, Type: table.String}, {Name: "label", Type: table.Int64},
		{Name: "probability", Type: table.Float64}, {Name: "outlier_score", Type: table.Float64},
	})
	if err != nil {
		return err
	}
	for i, id := range m.IDs {
		w.String(0, id)
		w.Int64(1, int64(res.Labels[i]))
		w.Float64(2, res.Probabilities[i])
		w.Float64(3, res.OutlierScores[i])
		if err := w.EndRow(); err != nil {
			return abort(w, err)
		}
	}
	return w.Close()
}

func printClusterSummary(w io.Writer, s *clusterSummary, out string) {
	fmt.Fprintf(w, "HDBSCAN of %d points in %d dimensions: %d clusters, %d noise (%.1f%%) in %.3fs\n",
		s.Points, s.Dims, s.Clusters, s.Noise, 100*s.NoiseRate, s.Seconds)
	for c, size := range s.Sizes {
		fmt.Fprintf(w, "  cluster %-3d %8d points %5.1f%%\n", c, size, 100*float64(size)/float64(s.Points))
	}
	if s.DBCV != nil {
		fmt.Fprintf(w, "DBCV %.4f, ", *s.DBCV)
	} else if s.Clusters > 0 {
		fmt.Fprintf(w, "DBCV not computed above %d points, ", model.DefaultExactMax)
	}
	fmt.Fprintf(w, "relative validity %.4f\nwrote %s/labels.csv and summary.json\n", s.RelativeValidity, out)
}
