package config

import (
	"math"
	"slices"

	"github.com/storeseg/storeseg/model/preprocess"
	"github.com/storeseg/storeseg/table"
)

// Numeric configures one numeric feature.
type Numeric struct {
	Name string `yaml:"name" json:"name"`
	// Transform: none (default) or log1p.
	Transform string `yaml:"transform" json:"transform"`
	// Impute: median (default), mean, zero or error.
	Impute string `yaml:"impute" json:"impute"`
	// Min and Max bound the raw value (inclusive); values outside are invalid input. Optional.
	Min *float64 `yaml:"min,omitempty" json:"min"`
	Max *float64 `yaml:"max,omitempty" json:"max"`
}

// Categorical configures one categorical feature.
type Categorical struct {
	Name string `yaml:"name" json:"name"`
	// Missing: category (default), mode or error.
	Missing string `yaml:"missing" json:"missing"`
	// MinFrequency: levels with a smaller share merge into "other"; in [0, 1), default 0.
	MinFrequency float64 `yaml:"min_frequency" json:"min_frequency"`
}

var (
	transforms = []string{"none", "log1p"}
	imputes    = []string{"median", "mean", "zero", "error"}
	missings   = []string{"category", "mode", "error"}
)

func (n *Numeric) normalize() {
	if n.Transform == "" {
		n.Transform = "none"
	}
	if n.Impute == "" {
		n.Impute = "median"
	}
}

func (c *Categorical) normalize() {
	if c.Missing == "" {
		c.Missing = "category"
	}
}

func checkEnum(is *issues, value string, valid []string, path ...any) {
	if !slices.Contains(valid, value) {
		is.addf(path, "unknown value %q (want one of %q)", value, valid)
	}
}

func (c *Config) validateFeatures(is *issues) {
	if c.ID == "" {
		is.add("the store id column must be named", "id")
	}
	if len(c.Numeric)+len(c.Categorical) == 0 {
		is.add("no features: list at least one numeric or categorical feature", "numeric")
	}
	seen := map[string]string{}
	name := func(section string, i int, n string) {
		switch {
		case n == "":
			is.add("the feature needs a name", section, i, "name")
		case n == c.ID:
			is.addf([]any{section, i, "name"}, "%q is the id column and cannot also be a feature", n)
		case seen[n] != "":
			is.addf([]any{section, i, "name"}, "feature %q is already listed under %s", n, seen[n])
		default:
			seen[n] = section
		}
	}
	for i, n := range c.Numeric {
		name("numeric", i, n.Name)
		checkEnum(is, n.Transform, transforms, "numeric", i, "transform")
		checkEnum(is, n.Impute, imputes, "numeric", i, "impute")
		n.validateBounds(is, i)
	}
	for i, f := range c.Categorical {
		name("categorical", i, f.Name)
		checkEnum(is, f.Missing, missings, "categorical", i, "missing")
		if !(f.MinFrequency >= 0 && f.MinFrequency < 1) {
			is.addf([]any{"categorical", i, "min_frequency"}, "%v is outside [0, 1)", f.MinFrequency)
		}
	}
}

func (n *Numeric) validateBounds(is *issues, i int) {
	for _, b := range []struct {
		key string
		v   *float64
	}{{"min", n.Min}, {"max", n.Max}} {
		if b.v != nil && (math.IsNaN(*b.v) || math.IsInf(*b.v, 0)) {
			is.addf([]any{"numeric", i, b.key}, "%v is not a finite number", *b.v)
		}
	}
	if n.Min != nil && n.Max != nil && *n.Min > *n.Max {
		is.addf([]any{"numeric", i, "max"}, "max %v is below min %v", *n.Max, *n.Min)
	}
	if n.Transform == "log1p" && n.Min != nil && *n.Min <= -1 {
		is.addf([]any{"numeric", i, "min"}, "log1p needs values above -1, so min must be above -1 (got %v)", *n.Min)
	}
}

// Schema returns the columns to read from a store table.
func (c *Config) Schema() table.Schema {
	s := table.Schema{ID: c.ID}
	for _, n := range c.Numeric {
		s.Numeric = append(s.Numeric, n.Name)
	}
	for _, f := range c.Categorical {
		s.Categorical = append(s.Categorical, f.Name)
	}
	return s
}

// PreprocessSpec returns the preprocessor spec of the features. The config must have come
// from Parse, Load or Default (which validate the enum values); an unknown value panics.
func (c *Config) PreprocessSpec() preprocess.Spec {
	var s preprocess.Spec
	for _, n := range c.Numeric {
		t, err := preprocess.ParseTransform(n.Transform)
		must(err)
		imp, err := preprocess.ParseImpute(n.Impute)
		must(err)
		s.Numeric = append(s.Numeric, preprocess.NumericSpec{Name: n.Name, Transform: t, Impute: imp,
			Min: clonePtr(n.Min), Max: clonePtr(n.Max)})
	}
	for _, f := range c.Categorical {
		m, err := preprocess.ParseMissingPolicy(f.Missing)
		must(err)
		s.Categorical = append(s.Categorical, preprocess.CategoricalSpec{Name: f.Name, Missing: m, MinFrequency: f.MinFrequency})
	}
	return s
}

func must(err error) {
	if err != nil {
		panic("config: not validated: " + err.Error())
	}
}

func clonePtr(p *float64) *float64 {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
