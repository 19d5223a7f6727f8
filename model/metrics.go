package model

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/storeseg/storeseg/model/validity"
)

// MetricsConfig controls the quality metrics of a refit.
type MetricsConfig struct {
	// ExactMax is the largest snapshot for which DBCV and the silhouette are computed exactly
	// on every store. Above it DBCV is not computed (the relative validity, HDBSCAN's
	// approximation of DBCV on its mutual reachability tree, is always reported) and the
	// silhouette is computed on a seeded random sample of ExactMax stores. Default 20000;
	// zero means the default; negative means always exact.
	ExactMax int
	// Seed seeds the silhouette sample.
	Seed uint64
	// Workers bounds the goroutines; 0 means GOMAXPROCS.
	Workers int
}

// DefaultExactMax is MetricsConfig.ExactMax's default.
const DefaultExactMax = 20000

// Metrics are a refit's quality numbers. NaN means "not computed" or "undefined" (DBCV of a
// single cluster, for instance).
type Metrics struct {
	Stores   int `json:"stores"`
	Clusters int `json:"clusters"`
	// NoiseShare is the share of stores HDBSCAN called noise; InferredShare the share the
	// forest assigned (the same stores, once assigned).
	NoiseShare    float64 `json:"noise_share"`
	InferredShare float64 `json:"inferred_share"`
	CorePoints    int     `json:"core_points"`
	// DBCV is hdbscan.validity.validity_index of the HDBSCAN labels on the FAMD coordinates.
	DBCV float64 `json:"dbcv"`
	// RelativeValidity is hdbscan's relative_validity_.
	RelativeValidity float64 `json:"relative_validity"`
	// Silhouette is scikit-learn's silhouette_score of the final segments (noise assigned)
	// on the FAMD coordinates, over SilhouetteStores stores.
	Silhouette       float64 `json:"silhouette"`
	SilhouetteStores int     `json:"silhouette_stores"`
	// OOBAccuracy is the forest's out-of-bag accuracy on the core points.
	OOBAccuracy float64 `json:"oob_accuracy"`
	// Components is the number of FAMD components kept and InertiaKept the percentage of
	// inertia they carry.
	Components  int     `json:"components"`
	InertiaKept float64 `json:"inertia_kept"`
}

// MarshalJSON encodes the metrics by their JSON names, with null for every NaN (undefined
// or not computed) value, which JSON cannot represent.
func (m Metrics) MarshalJSON() ([]byte, error) {
	out := make(map[string]any)
	for k, v := range m.fields() {
		out[k] = v
		if math.IsNaN(v) || math.IsInf(v, 0) {
			out[k] = nil
		}
	}
	return json.Marshal(out)
}

// fields returns every metric by its JSON name.
func (m Metrics) fields() map[string]float64 {
	return map[string]float64{
		"stores": float64(m.Stores), "clusters": float64(m.Clusters), "noise_share": m.NoiseShare,
		"inferred_share": m.InferredShare, "core_points": float64(m.CorePoints), "dbcv": m.DBCV,
		"relative_validity": m.RelativeValidity, "silhouette": m.Silhouette,
		"silhouette_stores": float64(m.SilhouetteStores), "oob_accuracy": m.OOBAccuracy,
		"components": float64(m.Components), "inertia_kept": m.InertiaKept,
	}
}

// Map returns the metrics by name for MLflow and the manifest (FAMD's prefixed famd_),
// leaving out NaN values.
func (m Metrics) Map() map[string]float64 {
	all := m.fields()
	all["famd_components"], all["famd_inertia_kept"] = all["components"], all["inertia_kept"]
	delete(all, "components")
	delete(all, "inertia_kept")
	for k, v := range all {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			delete(all, k)
		}
	}
	return all
}

func computeMetrics(ctx context.Context, r *FitResult, cfg MetricsConfig) (Metrics, error) {
	n := len(r.Clusters.Labels)
	exactMax := cfg.ExactMax
	if exactMax == 0 {
		exactMax = DefaultExactMax
	}
	k := r.FAMD.Model.NComponents()
	m := Metrics{
		Stores: n, Clusters: r.Clusters.NClusters, CorePoints: r.Assign.CorePoints, Components: k,
		InertiaKept: r.FAMD.Cumulative[k-1], DBCV: math.NaN(), Silhouette: math.NaN(), OOBAccuracy: math.NaN(),
	}
	for i, l := range r.Clusters.Labels {
		if l < 0 {
			m.NoiseShare++
		}
		if r.Sources[i] == SourceInferred {
			m.InferredShare++
		}
	}
	m.NoiseShare /= float64(n)
	m.InferredShare /= float64(n)
	if acc, ok := r.Assign.Classifier.OOBScore(); ok {
		m.OOBAccuracy = acc
	}
	edges := make([]validity.Edge, len(r.Clusters.MST))
	for i, e := range r.Clusters.MST {
		edges[i] = validity.Edge(e)
	}
	var err error
	if m.RelativeValidity, err = validity.RelativeValidity(edges, r.Clusters.Labels); err != nil {
		return m, fmt.Errorf("relative validity: %w", err)
	}
	vcfg := validity.Config{Workers: cfg.Workers}
	if exactMax < 0 || n <= exactMax {
		d, err := validity.DBCV(ctx, r.FAMD.Coord, r.Clusters.Labels, vcfg)
		switch {
		case errors.Is(err, validity.ErrSingletonCluster):
			// DBCV is undefined with a one-store cluster (the reference raises); leave it NaN.
		case err != nil:
			return m, fmt.Errorf("dbcv: %w", err)
		default:
			m.DBCV = d.Score
		}
	}
	if r.Clusters.NClusters < 2 {
		return m, nil
	}
	scfg := validity.SilhouetteConfig{Workers: cfg.Workers}
	m.SilhouetteStores = n
	if exactMax >= 0 && n > exactMax {
		scfg.SampleSize = exactMax
		scfg.Rand = rand.New(rand.NewPCG(cfg.Seed, 0x5117))
		m.SilhouetteStores = exactMax
	}
	if m.Silhouette, err = validity.Silhouette(ctx, r.FAMD.Coord, r.Assign.Segment, scfg); err != nil {
		return m, fmt.Errorf("silhouette: %w", err)
	}
	return m, nil
}
