package famd

import (
	"fmt"
	"math"
)

// UnseenPolicy says how a transform treats a categorical level the fit never saw.
type UnseenPolicy int

const (
	// UnseenError makes a transform fail on an unseen level, naming column and code
	// (FactoMineR predict.FAMD stops). It is the zero value.
	UnseenError UnseenPolicy = iota
	// UnseenZero projects an unseen level as an all-zero raw indicator row: the variable is
	// placed at the centre of gravity (see the package documentation) and counted.
	UnseenZero
)

// String returns "error" or "zero".
func (p UnseenPolicy) String() string {
	switch p {
	case UnseenError:
		return "error"
	case UnseenZero:
		return "zero"
	}
	return fmt.Sprintf("UnseenPolicy(%d)", int(p))
}

// defaultComponents is FactoMineR's default ncp.
const defaultComponents = 5

// Config controls Fit. The zero value is valid and means: 5 components, UnseenError,
// GOMAXPROCS workers.
type Config struct {
	// NComponents is the number of components kept, capped at min(n−1, p + L − Q). If it is
	// 0 and MinCumulative is 0, 5 components are kept (FactoMineR's ncp = 5). Default 5.
	NComponents int
	// MinCumulative, a percentage in (0, 100], keeps the smallest number of components whose
	// cumulative percentage of inertia reaches it. It requires NComponents = 0. Default 0
	// (unused).
	MinCumulative float64
	// Unseen is the transform policy for levels the fit never saw. Default UnseenError.
	Unseen UnseenPolicy
	// Workers bounds the goroutines Fit and Transform use; 0 means runtime.GOMAXPROCS(0).
	// Results do not depend on it.
	Workers int
}

// DefaultConfig returns the configuration FactoMineR::FAMD uses by default: 5 components.
func DefaultConfig() Config {
	return Config{NComponents: defaultComponents}
}

// Validate reports a configuration error.
func (c Config) Validate() error {
	switch {
	case c.NComponents < 0:
		return fmt.Errorf("famd: NComponents %d is negative", c.NComponents)
	case math.IsNaN(c.MinCumulative) || c.MinCumulative < 0 || c.MinCumulative > 100:
		return fmt.Errorf("famd: MinCumulative %v outside (0, 100]", c.MinCumulative)
	case c.NComponents > 0 && c.MinCumulative > 0:
		return fmt.Errorf("famd: NComponents (%d) and MinCumulative (%v) both set; set NComponents to 0 to keep components by cumulative inertia",
			c.NComponents, c.MinCumulative)
	case c.Unseen != UnseenError && c.Unseen != UnseenZero:
		return fmt.Errorf("famd: unknown Unseen policy %d", int(c.Unseen))
	case c.Workers < 0:
		return fmt.Errorf("famd: Workers %d is negative", c.Workers)
	}
	return nil
}
