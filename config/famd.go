package config

import "github.com/storeseg/storeseg/model/famd"

// FAMD configures the factor analysis of mixed data. Exactly one of NComponents and
// MinCumulativeInertia is set; with neither, NComponents defaults to 8. The famd package
// converts these plain fields into its own Config.
type FAMD struct {
	// NComponents is the number of principal components kept (≥ 1).
	NComponents int `yaml:"n_components,omitempty" json:"n_components"`
	// MinCumulativeInertia keeps the fewest components whose cumulative share of inertia
	// reaches this percentage, in (0, 100].
	MinCumulativeInertia float64 `yaml:"min_cumulative_inertia,omitempty" json:"min_cumulative_inertia"`
	// Unseen says what a categorical level never seen at fit time does at transform time:
	// error (default) rejects the store, zero gives it a zero contribution.
	Unseen string `yaml:"unseen" json:"unseen"`
}

// DefaultNComponents is used when neither n_components nor min_cumulative_inertia is set.
const DefaultNComponents = 8

var unseens = []string{"error", "zero"}

func (f *FAMD) normalize() {
	if f.NComponents == 0 && f.MinCumulativeInertia == 0 {
		f.NComponents = DefaultNComponents
	}
	if f.Unseen == "" {
		f.Unseen = "error"
	}
}

func (f *FAMD) validate(is *issues) {
	switch {
	case f.NComponents != 0 && f.MinCumulativeInertia != 0:
		is.add("set n_components or min_cumulative_inertia, not both", "famd", "min_cumulative_inertia")
	case f.NComponents < 0:
		is.addf([]any{"famd", "n_components"}, "%d must be at least 1", f.NComponents)
	case f.MinCumulativeInertia != 0 && !(f.MinCumulativeInertia > 0 && f.MinCumulativeInertia <= 100):
		is.addf([]any{"famd", "min_cumulative_inertia"}, "%v is outside (0, 100] (a percentage)", f.MinCumulativeInertia)
	}
	checkEnum(is, f.Unseen, unseens, "famd", "unseen")
}

// FAMDConfig converts the famd section into the famd package's Config.
func (c *Config) FAMDConfig() famd.Config {
	cfg := famd.DefaultConfig()
	cfg.NComponents = c.FAMD.NComponents
	cfg.MinCumulative = c.FAMD.MinCumulativeInertia
	cfg.Unseen = famd.UnseenError
	if c.FAMD.Unseen == "zero" {
		cfg.Unseen = famd.UnseenZero
	}
	return cfg
}
