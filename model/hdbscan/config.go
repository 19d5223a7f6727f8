package hdbscan

import (
	"fmt"
	"math"
	"runtime"
)

// Method selects how flat clusters are read off the condensed tree
// (hdbscan's cluster_selection_method).
type Method int

const (
	// EOM is excess of mass: the set of clusters with the largest total stability
	// ("eom", the default and the zero value).
	EOM Method = iota
	// Leaf selects the leaves of the cluster tree ("leaf"): many small, homogeneous clusters.
	Leaf
)

// String returns "eom" or "leaf", the names hdbscan uses.
func (m Method) String() string {
	switch m {
	case EOM:
		return "eom"
	case Leaf:
		return "leaf"
	}
	return fmt.Sprintf("Method(%d)", int(m))
}

// defaultMinClusterSize is hdbscan's default min_cluster_size.
const defaultMinClusterSize = 5

// Config controls Cluster. The zero value is valid and equals DefaultConfig: hdbscan's
// defaults (min_cluster_size=5, min_samples=None, alpha=1, eom, no epsilon, no single
// cluster, no size cap).
type Config struct {
	// MinClusterSize is the smallest group that counts as a cluster (min_cluster_size).
	// 0 means 5; otherwise it must be at least 2.
	MinClusterSize int
	// MinSamples is hdbscan's min_samples: a point's core distance is the distance to its
	// MinSamples-th nearest OTHER point (the point itself is not counted, unlike
	// sklearn.cluster.HDBSCAN, whose min_samples=m+1 matches this MinSamples=m). 0 means
	// MinClusterSize. Cluster clamps it to n−1 as hdbscan does; prediction data uses the
	// unclamped value (see Predictor).
	MinSamples int
	// Alpha scales distances in the mutual reachability, max(core_a, core_b, d/Alpha)
	// (robust single linkage). 0 means 1. hdbscan honours alpha only in its Prim's and
	// generic algorithms; its default Borůvka silently uses 1.
	Alpha float64
	// Method is the cluster selection method. Default EOM.
	Method Method
	// Epsilon is cluster_selection_epsilon: selected clusters born at a distance below
	// Epsilon are replaced by their first ancestor born above it. 0 (the default) turns it
	// off.
	Epsilon float64
	// EpsilonMax is cluster_selection_epsilon_max: with EOM, a cluster born at a distance
	// above EpsilonMax is never selected. 0 means +Inf (off, the default). It must not be
	// below Epsilon.
	EpsilonMax float64
	// AllowSingleCluster lets EOM select the root, i.e. report one cluster covering the
	// data (allow_single_cluster). Default false.
	AllowSingleCluster bool
	// MaxClusterSize is max_cluster_size: with EOM, a cluster with more points is never
	// selected (its children are taken instead). 0 means unlimited (the default).
	MaxClusterSize int
	// Workers bounds the goroutines Cluster uses; 0 means runtime.GOMAXPROCS(0). Results
	// are identical for every value.
	Workers int
}

// DefaultConfig returns hdbscan's default configuration: MinClusterSize 5, MinSamples equal
// to it, Alpha 1, EOM.
func DefaultConfig() Config {
	return Config{MinClusterSize: defaultMinClusterSize}
}

// Validate reports the first invalid field, by name.
func (c Config) Validate() error {
	switch {
	case c.MinClusterSize < 0 || c.MinClusterSize == 1:
		return fmt.Errorf("hdbscan: MinClusterSize %d must be at least 2 (or 0 for the default 5)", c.MinClusterSize)
	case c.MinSamples < 0:
		return fmt.Errorf("hdbscan: MinSamples %d is negative", c.MinSamples)
	case math.IsNaN(c.Alpha) || math.IsInf(c.Alpha, 0) || c.Alpha < 0:
		return fmt.Errorf("hdbscan: Alpha %v must be a positive finite number (or 0 for 1)", c.Alpha)
	case c.Method != EOM && c.Method != Leaf:
		return fmt.Errorf("hdbscan: unknown Method %d", int(c.Method))
	case math.IsNaN(c.Epsilon) || math.IsInf(c.Epsilon, 0) || c.Epsilon < 0:
		return fmt.Errorf("hdbscan: Epsilon %v must be a finite number ≥ 0", c.Epsilon)
	case math.IsNaN(c.EpsilonMax) || c.EpsilonMax < 0:
		return fmt.Errorf("hdbscan: EpsilonMax %v must be ≥ 0 (0 for +Inf)", c.EpsilonMax)
	case c.EpsilonMax > 0 && c.EpsilonMax < c.Epsilon:
		return fmt.Errorf("hdbscan: EpsilonMax %v is below Epsilon %v", c.EpsilonMax, c.Epsilon)
	case c.MaxClusterSize < 0:
		return fmt.Errorf("hdbscan: MaxClusterSize %d is negative", c.MaxClusterSize)
	case c.Workers < 0:
		return fmt.Errorf("hdbscan: Workers %d is negative", c.Workers)
	}
	return nil
}

// params is a validated Config with every default resolved for a data set of n points.
type params struct {
	mcs        int     // min_cluster_size
	ms         int     // min_samples as given (0 resolved), unclamped: prediction data uses it
	msFit      int     // min_samples clamped to [1, n−1] for clustering
	alpha      float64 // > 0
	method     Method
	eps        float64
	epsMax     float64 // +Inf when off
	single     bool
	maxSize    int // 0 = unlimited
	workers    int
	alphaIsOne bool
}

func (c Config) resolve(n int) params {
	p := params{
		mcs:     c.MinClusterSize,
		ms:      c.MinSamples,
		alpha:   c.Alpha,
		method:  c.Method,
		eps:     c.Epsilon,
		epsMax:  c.EpsilonMax,
		single:  c.AllowSingleCluster,
		maxSize: c.MaxClusterSize,
		workers: c.Workers,
	}
	if p.mcs == 0 {
		p.mcs = defaultMinClusterSize
	}
	if p.ms == 0 {
		p.ms = p.mcs
	}
	if p.alpha == 0 {
		p.alpha = 1
	}
	p.alphaIsOne = p.alpha == 1
	if p.epsMax == 0 {
		p.epsMax = math.Inf(1)
	}
	if p.workers == 0 {
		p.workers = runtime.GOMAXPROCS(0)
	}
	p.msFit = max(min(p.ms, n-1), 1)
	return p
}
