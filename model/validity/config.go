package validity

import (
	"fmt"
	"math/rand/v2"
	"runtime"
)

// Config controls DBCV.
type Config struct {
	// Workers is the number of goroutines used. Zero means runtime.GOMAXPROCS(0). The result
	// is bitwise identical for every value.
	Workers int
}

// DefaultConfig returns the default DBCV configuration (Workers = 0, i.e. GOMAXPROCS).
func DefaultConfig() Config { return Config{} }

// Validate reports a configuration that DBCV would reject.
func (c Config) Validate() error {
	if c.Workers < 0 {
		return fmt.Errorf("validity: workers %d is negative", c.Workers)
	}
	return nil
}

// SilhouetteConfig controls Silhouette and SilhouetteSamples.
type SilhouetteConfig struct {
	// ExcludeNoise leaves every point with a negative label (hdbscan's −1, and sklearn
	// HDBSCAN's −2/−3 outlier codes) out of the computation, exactly as if those rows had
	// been removed before calling scikit-learn. When false (the default), every label,
	// negative ones included, is an ordinary cluster, as in scikit-learn.
	ExcludeNoise bool
	// SampleSize, when positive and smaller than the number of eligible points, scores a
	// uniformly drawn subset of that many points (distances only among the subset), like
	// scikit-learn's sample_size. Zero (the default) scores every eligible point. The subset
	// is drawn with Rand, so it cannot reproduce numpy's random_state permutation.
	SampleSize int
	// Rand draws the subset; required when SampleSize > 0, unused otherwise.
	Rand *rand.Rand
	// Workers is the number of goroutines used. Zero means runtime.GOMAXPROCS(0). The result
	// is bitwise identical for every value.
	Workers int
}

// DefaultSilhouetteConfig returns the default silhouette configuration: every point and
// every label (noise included as its own cluster, as scikit-learn does), no sampling,
// GOMAXPROCS workers.
func DefaultSilhouetteConfig() SilhouetteConfig { return SilhouetteConfig{} }

// Validate reports a configuration that Silhouette would reject.
func (c SilhouetteConfig) Validate() error {
	switch {
	case c.Workers < 0:
		return fmt.Errorf("validity: workers %d is negative", c.Workers)
	case c.SampleSize < 0:
		return fmt.Errorf("validity: sample size %d is negative", c.SampleSize)
	case c.SampleSize > 0 && c.Rand == nil:
		return fmt.Errorf("validity: sample size %d needs a random source (Rand)", c.SampleSize)
	}
	return nil
}

// resolveWorkers maps 0 to GOMAXPROCS.
func resolveWorkers(w int) int {
	if w <= 0 {
		return runtime.GOMAXPROCS(0)
	}
	return w
}
