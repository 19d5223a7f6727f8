package synth

import (
	"errors"
	"fmt"
)

// Config configures a Generator. Use DefaultConfig and change what you need.
type Config struct {
	// Stores is the number of stores, at least 1. Default 10000.
	Stores int
	// Seed selects the table: the same seed (and shares) always gives the same stores and the
	// same bytes. Zero is a valid seed. Default 1.
	Seed uint64
	// OutlierShare is the expected share of outlier stores, in [0, 0.5]. Zero means none.
	// Default 0.03.
	OutlierShare float64
	// MissingShare is the expected share of missing feature cells (the id and the truth are
	// never missing), in [0, 0.5]; some columns lose more than others. Zero means none.
	// Default 0.02.
	MissingShare float64
}

// DefaultConfig returns the defaults documented on Config.
func DefaultConfig() Config {
	return Config{Stores: 10000, Seed: 1, OutlierShare: 0.03, MissingShare: 0.02}
}

// Validate checks the ranges documented on Config.
func (c Config) Validate() error {
	var errs []error
	if c.Stores < 1 {
		errs = append(errs, fmt.Errorf("synth: stores %d must be at least 1", c.Stores))
	}
	if !(c.OutlierShare >= 0 && c.OutlierShare <= 0.5) {
		errs = append(errs, fmt.Errorf("synth: outlier share %v outside [0, 0.5]", c.OutlierShare))
	}
	if !(c.MissingShare >= 0 && c.MissingShare <= 0.5) {
		errs = append(errs, fmt.Errorf("synth: missing share %v outside [0, 0.5]", c.MissingShare))
	}
	return errors.Join(errs...)
}
