package preprocess

import (
	"errors"
	"fmt"
	"math"
)

// Transform is applied to a numeric feature before imputation.
type Transform int

// Transforms.
const (
	None  Transform = iota // leave the value as is
	Log1p                  // log(1+x); values must be > −1
)

// Impute says how a missing numeric value is filled.
type Impute int

// Imputation rules.
const (
	Median Impute = iota // fit-time median of the transformed non-missing values
	Mean                 // fit-time mean of the transformed non-missing values
	Zero                 // zero on the transformed scale
	Error                // a missing value is an error
)

// MissingPolicy says how a missing categorical value is handled.
type MissingPolicy int

// Missing-value policies.
const (
	Category MissingPolicy = iota // a level named "missing"
	Mode                          // the fit-time most frequent level
	Reject                        // a missing value is an error
)

// Level names the preprocessor creates.
const (
	MissingLevel = "missing"
	OtherLevel   = "other"
)

var (
	transformNames = []string{None: "none", Log1p: "log1p"}
	imputeNames    = []string{Median: "median", Mean: "mean", Zero: "zero", Error: "error"}
	missingNames   = []string{Category: "category", Mode: "mode", Reject: "error"}
)

func enumString(names []string, v int, typ string) string {
	if v >= 0 && v < len(names) {
		return names[v]
	}
	return fmt.Sprintf("%s(%d)", typ, v)
}

func parseEnum(names []string, s, typ string) (int, error) {
	for i, n := range names {
		if n == s {
			return i, nil
		}
	}
	return 0, fmt.Errorf("preprocess: unknown %s %q (want one of %q)", typ, s, names)
}

// String returns "none" or "log1p".
func (t Transform) String() string { return enumString(transformNames, int(t), "Transform") }

// String returns "median", "mean", "zero" or "error".
func (m Impute) String() string { return enumString(imputeNames, int(m), "Impute") }

// String returns "category", "mode" or "error".
func (m MissingPolicy) String() string { return enumString(missingNames, int(m), "MissingPolicy") }

// ParseTransform parses the names String returns.
func ParseTransform(s string) (Transform, error) {
	v, err := parseEnum(transformNames, s, "transform")
	return Transform(v), err
}

// ParseImpute parses the names String returns.
func ParseImpute(s string) (Impute, error) {
	v, err := parseEnum(imputeNames, s, "impute rule")
	return Impute(v), err
}

// ParseMissingPolicy parses the names String returns.
func ParseMissingPolicy(s string) (MissingPolicy, error) {
	v, err := parseEnum(missingNames, s, "missing policy")
	return MissingPolicy(v), err
}

// NumericSpec configures one numeric feature. The zero value (besides Name) means no
// transform, median imputation and no bounds.
type NumericSpec struct {
	Name      string
	Transform Transform
	Impute    Impute
	Min, Max  *float64 // optional inclusive bounds on the raw value; nil means unbounded
}

// CategoricalSpec configures one categorical feature. The zero value (besides Name) means a
// "missing" level for missing values and no merging of rare levels.
type CategoricalSpec struct {
	Name         string
	Missing      MissingPolicy
	MinFrequency float64 // levels with a share below this merge into "other"; in [0, 1)
}

// Spec lists the features, numeric then categorical; the prepared frame keeps this order.
type Spec struct {
	Numeric     []NumericSpec
	Categorical []CategoricalSpec
}

// ErrSpec reports an invalid Spec.
var ErrSpec = errors.New("preprocess: invalid spec")

// Validate checks names, enums and bounds.
func (s Spec) Validate() error {
	if len(s.Numeric)+len(s.Categorical) == 0 {
		return fmt.Errorf("%w: no features", ErrSpec)
	}
	seen := map[string]bool{}
	name := func(n string) error {
		if n == "" {
			return fmt.Errorf("%w: empty feature name", ErrSpec)
		}
		if seen[n] {
			return fmt.Errorf("%w: feature %q listed twice", ErrSpec, n)
		}
		seen[n] = true
		return nil
	}
	for _, f := range s.Numeric {
		if err := name(f.Name); err != nil {
			return err
		}
		if err := f.validate(); err != nil {
			return err
		}
	}
	for _, f := range s.Categorical {
		if err := name(f.Name); err != nil {
			return err
		}
		if f.Missing < Category || f.Missing > Reject {
			return fmt.Errorf("%w: feature %q: unknown missing policy %v", ErrSpec, f.Name, f.Missing)
		}
		if !(f.MinFrequency >= 0 && f.MinFrequency < 1) {
			return fmt.Errorf("%w: feature %q: min frequency %v outside [0, 1)", ErrSpec, f.Name, f.MinFrequency)
		}
	}
	return nil
}

func (f NumericSpec) validate() error {
	if f.Transform < None || f.Transform > Log1p {
		return fmt.Errorf("%w: feature %q: unknown transform %v", ErrSpec, f.Name, f.Transform)
	}
	if f.Impute < Median || f.Impute > Error {
		return fmt.Errorf("%w: feature %q: unknown impute rule %v", ErrSpec, f.Name, f.Impute)
	}
	for _, b := range []*float64{f.Min, f.Max} {
		if b != nil && (math.IsNaN(*b) || math.IsInf(*b, 0)) {
			return fmt.Errorf("%w: feature %q: bound %v is not finite", ErrSpec, f.Name, *b)
		}
	}
	if f.Min != nil && f.Max != nil && *f.Min > *f.Max {
		return fmt.Errorf("%w: feature %q: min %v above max %v", ErrSpec, f.Name, *f.Min, *f.Max)
	}
	return nil
}
