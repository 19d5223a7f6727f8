// Package drift measures how far the stores seen at stream time have moved from the stores a
// model was trained on.
//
// At refit time NewReference bins every prepared numeric feature at its training quantiles,
// counts the training share of every categorical level and of every segment, and stores the
// result in the model bundle. At stream time a Window keeps the bins of the last N observed
// stores (an exact sliding window) and reports the population stability index
//
//	PSI = Σ_b (a_b − e_b) · ln(a_b / e_b)
//
// per feature, where e_b is the training share of bin b and a_b the window's share, both
// smoothed by Config.Epsilon so empty bins stay finite. Common reading: PSI < 0.1 stable,
// 0.1–0.25 moderate shift, > 0.25 significant shift (Siddiqi 2006, "Credit Risk Scorecards").
//
// Categorical levels unseen at training time fall into an extra "unseen" bin whose training
// share is 0, so a flood of new levels shows up as drift.
package drift

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/storeseg/storeseg/model/frame"
)

// Config controls the reference.
type Config struct {
	// Bins is the number of quantile bins per numeric feature. Default 10; zero means the default.
	Bins int `json:"bins"`
	// Epsilon smooths shares before the logarithm. Default 1e-4; zero means the default.
	Epsilon float64 `json:"epsilon"`
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config { return Config{Bins: 10, Epsilon: 1e-4} }

func (c Config) withDefaults() Config {
	if c.Bins == 0 {
		c.Bins = 10
	}
	if c.Epsilon == 0 {
		c.Epsilon = 1e-4
	}
	return c
}

// Feature is the reference distribution of one feature.
type Feature struct {
	Name string `json:"name"`
	// Edges are the upper bounds of every bin but the last (numeric features only): a value v
	// falls in the first bin b with v ≤ Edges[b], or in the last bin.
	Edges []float64 `json:"edges,omitempty"`
	// Levels names the bins of a categorical feature (its fitted levels, then "(unseen)").
	Levels []string `json:"levels,omitempty"`
	// Expected is the training share of every bin.
	Expected []float64 `json:"expected"`
}

// Reference is the training distribution a Window is compared with.
type Reference struct {
	Config      Config    `json:"config"`
	Numeric     []Feature `json:"numeric"`
	Categorical []Feature `json:"categorical"`
	// Segments is the training share of each segment id (Levels holds the ids as text).
	Segments   Feature `json:"segments"`
	SegmentIDs []int   `json:"segment_ids"`
}

// NewReference builds the reference from a prepared training frame and each row's segment id.
func NewReference(prepared *frame.Frame, segments []int, cfg Config) (*Reference, error) {
	cfg = cfg.withDefaults()
	if cfg.Bins < 2 || cfg.Bins > math.MaxUint16 || cfg.Epsilon <= 0 {
		return nil, fmt.Errorf("drift: bins %d or epsilon %v out of range", cfg.Bins, cfg.Epsilon)
	}
	n := prepared.Rows()
	if n == 0 {
		return nil, errors.New("drift: empty training frame")
	}
	if len(segments) != n {
		return nil, fmt.Errorf("drift: %d segment ids for %d rows", len(segments), n)
	}
	ref := &Reference{Config: cfg}
	for j, col := range prepared.Num {
		f := Feature{Name: prepared.NumNames[j], Edges: quantileEdges(col, cfg.Bins)}
		f.Expected = make([]float64, len(f.Edges)+1)
		for _, v := range col {
			f.Expected[numericBin(f.Edges, v)]++
		}
		scale(f.Expected, n)
		ref.Numeric = append(ref.Numeric, f)
	}
	for q, col := range prepared.Cat {
		levels := append(slices.Clone(prepared.Levels[q]), "(unseen)")
		f := Feature{Name: prepared.CatNames[q], Levels: levels, Expected: make([]float64, len(levels))}
		for _, c := range col {
			f.Expected[categoryBin(len(levels), c)]++
		}
		scale(f.Expected, n)
		ref.Categorical = append(ref.Categorical, f)
	}
	ref.SegmentIDs = slices.Compact(slices.Sorted(slices.Values(segments)))
	ref.Segments = Feature{Name: "segment", Expected: make([]float64, len(ref.SegmentIDs)+1)}
	for _, id := range ref.SegmentIDs {
		ref.Segments.Levels = append(ref.Segments.Levels, fmt.Sprint(id))
	}
	ref.Segments.Levels = append(ref.Segments.Levels, "(new)")
	for _, s := range segments {
		ref.Segments.Expected[ref.segmentBin(s)]++
	}
	scale(ref.Segments.Expected, n)
	return ref, nil
}

// Validate checks a reference read from a bundle.
func (r *Reference) Validate() error {
	if r.Config.Epsilon <= 0 {
		return errors.New("drift: reference epsilon must be positive")
	}
	check := func(f Feature, bins int) error {
		if len(f.Expected) != bins || bins == 0 || bins > math.MaxUint16 {
			return fmt.Errorf("drift: feature %q has %d shares for %d bins", f.Name, len(f.Expected), bins)
		}
		return nil
	}
	for _, f := range r.Numeric {
		if !sort.Float64sAreSorted(f.Edges) {
			return fmt.Errorf("drift: feature %q edges are not sorted", f.Name)
		}
		if err := check(f, len(f.Edges)+1); err != nil {
			return err
		}
	}
	for _, f := range r.Categorical {
		if err := check(f, len(f.Levels)); err != nil {
			return err
		}
	}
	if !slices.IsSorted(r.SegmentIDs) {
		return errors.New("drift: segment ids are not sorted")
	}
	return check(r.Segments, len(r.SegmentIDs)+1)
}

func scale(v []float64, n int) {
	for i := range v {
		v[i] /= float64(n)
	}
}

// quantileEdges returns the distinct values at the k/bins quantiles (k = 1..bins−1), using
// the lower order statistic, so ties collapse into fewer, wider bins.
func quantileEdges(col []float64, bins int) []float64 {
	s := slices.Clone(col)
	slices.Sort(s)
	var edges []float64
	for k := 1; k < bins; k++ {
		e := s[(len(s)-1)*k/bins]
		if len(edges) == 0 || e > edges[len(edges)-1] {
			edges = append(edges, e)
		}
	}
	if len(edges) > 0 && edges[len(edges)-1] >= s[len(s)-1] {
		edges = edges[:len(edges)-1] // the last bin must not be empty by construction
	}
	return edges
}

func numericBin(edges []float64, v float64) int {
	if math.IsNaN(v) {
		return len(edges)
	}
	return sort.SearchFloat64s(edges, v)
}

func categoryBin(bins int, c int32) int {
	if c < 0 || int(c) >= bins-1 {
		return bins - 1
	}
	return int(c)
}

func (r *Reference) segmentBin(s int) int {
	i, ok := slices.BinarySearch(r.SegmentIDs, s)
	if !ok {
		return len(r.SegmentIDs)
	}
	return i
}

// PSI returns the population stability index of actual shares against expected ones.
func PSI(expected, actual []float64, eps float64) float64 {
	psi := 0.0
	for b, e := range expected {
		a := actual[b] + eps
		e += eps
		psi += (a - e) * math.Log(a/e)
	}
	return psi
}
