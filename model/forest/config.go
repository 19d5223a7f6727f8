package forest

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"strconv"
	"strings"
)

// maxFeaturesKind says how MaxFeatures turns the number of features into the number of
// candidates drawn at each split.
type maxFeaturesKind uint8

const (
	mfSqrt maxFeaturesKind = iota // the zero value
	mfLog2
	mfAll
	mfFraction
	mfCount
)

// MaxFeatures is the number of features drawn as split candidates at every node (Breiman's
// mtry). The zero value is "sqrt", scikit-learn's RandomForestClassifier default.
//
// Like scikit-learn's splitter, a node keeps drawing past constant features, so it may look
// at more features than MaxFeatures resolves to when some of them are constant in the node.
type MaxFeatures struct {
	kind  maxFeaturesKind
	frac  float64
	count int
}

// MaxFeaturesSqrt considers max(1, ⌊√d⌋) of the d features at each split (the default).
func MaxFeaturesSqrt() MaxFeatures { return MaxFeatures{kind: mfSqrt} }

// MaxFeaturesLog2 considers max(1, ⌊log₂ d⌋) features at each split.
func MaxFeaturesLog2() MaxFeatures { return MaxFeatures{kind: mfLog2} }

// MaxFeaturesAll considers every feature at each split (bagged CART, scikit-learn's None).
func MaxFeaturesAll() MaxFeatures { return MaxFeatures{kind: mfAll} }

// MaxFeaturesFraction considers max(1, ⌊f·d⌋) features; f must lie in (0, 1].
func MaxFeaturesFraction(f float64) MaxFeatures { return MaxFeatures{kind: mfFraction, frac: f} }

// MaxFeaturesCount considers n features (at most d: larger counts mean all features, as in
// scikit-learn); n must be at least 1.
func MaxFeaturesCount(n int) MaxFeatures { return MaxFeatures{kind: mfCount, count: n} }

// ParseMaxFeatures parses "sqrt", "log2", "all" (or "none"), a fraction such as "0.5" (any
// value with a decimal point or exponent, in (0, 1]) or a count such as "3".
func ParseMaxFeatures(s string) (MaxFeatures, error) {
	switch t := strings.ToLower(strings.TrimSpace(s)); t {
	case "sqrt", "":
		return MaxFeaturesSqrt(), nil
	case "log2":
		return MaxFeaturesLog2(), nil
	case "all", "none":
		return MaxFeaturesAll(), nil
	default:
		var m MaxFeatures
		if strings.ContainsAny(t, ".eE") {
			f, err := strconv.ParseFloat(t, 64)
			if err != nil {
				return MaxFeatures{}, fmt.Errorf("forest: max features %q: %w", s, err)
			}
			m = MaxFeaturesFraction(f)
		} else {
			n, err := strconv.Atoi(t)
			if err != nil {
				return MaxFeatures{}, fmt.Errorf("forest: max features %q is not sqrt, log2, all, a fraction or a count", s)
			}
			m = MaxFeaturesCount(n)
		}
		if err := m.validate(); err != nil {
			return MaxFeatures{}, err
		}
		return m, nil
	}
}

// String returns the form ParseMaxFeatures accepts.
func (m MaxFeatures) String() string {
	switch m.kind {
	case mfLog2:
		return "log2"
	case mfAll:
		return "all"
	case mfFraction:
		s := strconv.FormatFloat(m.frac, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eE") {
			s += ".0"
		}
		return s
	case mfCount:
		return strconv.Itoa(m.count)
	}
	return "sqrt"
}

// MarshalText implements encoding.TextMarshaler (for YAML and JSON configuration).
func (m MaxFeatures) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with ParseMaxFeatures.
func (m *MaxFeatures) UnmarshalText(b []byte) error {
	v, err := ParseMaxFeatures(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

func (m MaxFeatures) validate() error {
	switch m.kind {
	case mfSqrt, mfLog2, mfAll:
		return nil
	case mfFraction:
		if !(m.frac > 0 && m.frac <= 1) {
			return fmt.Errorf("forest: max features fraction %v is not in (0, 1]", m.frac)
		}
		return nil
	case mfCount:
		if m.count < 1 {
			return fmt.Errorf("forest: max features count %d is less than 1", m.count)
		}
		return nil
	}
	return fmt.Errorf("forest: unknown max features kind %d", m.kind)
}

// Resolve returns the number of features drawn per split for d features, in [1, d] (d ≥ 1).
func (m MaxFeatures) Resolve(d int) int {
	var k int
	switch m.kind {
	case mfLog2:
		k = int(math.Log2(float64(d)))
	case mfAll:
		k = d
	case mfFraction:
		k = int(m.frac * float64(d))
	case mfCount:
		k = m.count
	default:
		k = int(math.Sqrt(float64(d)))
	}
	return min(max(k, 1), d)
}

// ClassWeight selects how training samples are weighted by class.
type ClassWeight int

const (
	// ClassWeightNone weighs every sample 1 (the default and zero value).
	ClassWeightNone ClassWeight = iota
	// ClassWeightBalanced weighs class c by n/(K·n_c), computed on the full training labels,
	// as scikit-learn's class_weight="balanced". With bootstrap the weights are the sampling
	// probabilities of the bootstrap draw (scikit-learn ≥ 1.8 semantics: a class is drawn
	// with probability proportional to n_c·w_c, so every class equally often, and the trees
	// see the resulting counts); without bootstrap they are the trees' sample weights.
	ClassWeightBalanced
)

// String returns "none" or "balanced".
func (w ClassWeight) String() string {
	switch w {
	case ClassWeightNone:
		return "none"
	case ClassWeightBalanced:
		return "balanced"
	}
	return "ClassWeight(" + strconv.Itoa(int(w)) + ")"
}

// ParseClassWeight parses "none" (or "") and "balanced".
func ParseClassWeight(s string) (ClassWeight, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "none":
		return ClassWeightNone, nil
	case "balanced":
		return ClassWeightBalanced, nil
	}
	return 0, fmt.Errorf("forest: class weight %q is not none or balanced", s)
}

// Config holds the training parameters. The zero value trains scikit-learn's
// RandomForestClassifier defaults; DefaultConfig spells them out.
type Config struct {
	// NEstimators is the number of trees. Default 100; 0 means 100.
	NEstimators int

	// MaxFeatures is the number of split candidates per node. The zero value is "sqrt".
	MaxFeatures MaxFeatures

	// MaxDepth limits the depth of every tree (the root has depth 0). 0 means unlimited.
	MaxDepth int

	// MinSamplesSplit is the smallest number of distinct training samples a node must hold
	// to be split (bootstrap duplicates count once, as in scikit-learn). Default 2; 0 means 2.
	// Like scikit-learn, the effective value is max(MinSamplesSplit, 2·MinSamplesLeaf).
	MinSamplesSplit int

	// MinSamplesLeaf is the smallest number of distinct training samples each child of a
	// split must hold. Default 1; 0 means 1.
	MinSamplesLeaf int

	// MaxSamples is the bootstrap sample size as a fraction of the number of training
	// samples: each tree draws max(1, ⌊MaxSamples·n⌋) samples with replacement. 0 means n
	// (one draw per sample, the default). It must lie in [0, 1] and be 0 when NoBootstrap is
	// set.
	MaxSamples float64

	// NoBootstrap trains every tree on the whole training set instead of a bootstrap sample.
	// The zero value (false) bootstraps, scikit-learn's bootstrap=True default.
	NoBootstrap bool

	// ClassWeight weighs samples by class. The zero value is ClassWeightNone.
	ClassWeight ClassWeight

	// OOB computes the out-of-bag decision function and accuracy after training
	// (requires bootstrap). Default false.
	OOB bool

	// Seed seeds the random number generators. Tree t draws its bootstrap sample and its
	// split candidates from its own PCG stream derived from (Seed, t), so the forest does
	// not depend on Workers or scheduling.
	Seed uint64

	// Workers is the number of trees trained in parallel. 0 means runtime.GOMAXPROCS(0);
	// values above NEstimators act as NEstimators. Every value gives the same forest. Each
	// worker holds about 40 bytes of scratch space per training sample.
	Workers int
}

// DefaultConfig returns scikit-learn's RandomForestClassifier defaults: 100 trees, √d
// features per split, fully grown trees (MinSamplesSplit 2, MinSamplesLeaf 1), bootstrap
// samples of size n, no class weights, no OOB estimate, seed 0, GOMAXPROCS workers.
func DefaultConfig() Config {
	return Config{
		NEstimators:     100,
		MaxFeatures:     MaxFeaturesSqrt(),
		MinSamplesSplit: 2,
		MinSamplesLeaf:  1,
	}
}

// Validate reports the first invalid field.
func (c Config) Validate() error {
	switch {
	case c.NEstimators < 0:
		return fmt.Errorf("forest: NEstimators %d is negative", c.NEstimators)
	case c.MaxDepth < 0:
		return fmt.Errorf("forest: MaxDepth %d is negative", c.MaxDepth)
	case c.MinSamplesSplit < 0 || c.MinSamplesSplit == 1:
		return fmt.Errorf("forest: MinSamplesSplit %d is not 0 or at least 2", c.MinSamplesSplit)
	case c.MinSamplesLeaf < 0:
		return fmt.Errorf("forest: MinSamplesLeaf %d is negative", c.MinSamplesLeaf)
	case !(c.MaxSamples >= 0 && c.MaxSamples <= 1):
		return fmt.Errorf("forest: MaxSamples %v is not a fraction in [0, 1]", c.MaxSamples)
	case c.NoBootstrap && c.MaxSamples != 0:
		return errors.New("forest: MaxSamples needs bootstrap (NoBootstrap is set)")
	case c.NoBootstrap && c.OOB:
		return errors.New("forest: OOB needs bootstrap (NoBootstrap is set)")
	case c.ClassWeight != ClassWeightNone && c.ClassWeight != ClassWeightBalanced:
		return fmt.Errorf("forest: unknown ClassWeight %d", int(c.ClassWeight))
	case c.Workers < 0:
		return fmt.Errorf("forest: Workers %d is negative", c.Workers)
	}
	return c.MaxFeatures.validate()
}

// params is a validated Config with every default filled in.
type params struct {
	nTrees      int
	maxFeatures int
	maxDepth    int
	minSplit    int
	minLeaf     int
	nBootstrap  int // 0 without bootstrap
	balanced    bool
	oob         bool
	seed        uint64
	workers     int
}

// resolve fills in defaults for n samples with d features.
func (c Config) resolve(n, d int) params {
	p := params{
		nTrees:      c.NEstimators,
		maxFeatures: c.MaxFeatures.Resolve(d),
		maxDepth:    c.MaxDepth,
		minSplit:    c.MinSamplesSplit,
		minLeaf:     c.MinSamplesLeaf,
		balanced:    c.ClassWeight == ClassWeightBalanced,
		oob:         c.OOB,
		seed:        c.Seed,
		workers:     c.Workers,
	}
	if p.nTrees == 0 {
		p.nTrees = 100
	}
	if p.maxDepth == 0 {
		p.maxDepth = math.MaxInt32
	}
	p.minLeaf = max(p.minLeaf, 1)
	p.minSplit = max(p.minSplit, 2, 2*p.minLeaf)
	if !c.NoBootstrap {
		p.nBootstrap = n
		if c.MaxSamples > 0 {
			// With balanced weights the weight total is n as well (Σ_c n_c·n/(K·n_c) = n).
			p.nBootstrap = max(1, int(c.MaxSamples*float64(n)))
		}
	}
	if p.workers == 0 {
		p.workers = runtime.GOMAXPROCS(0)
	}
	p.workers = min(p.workers, p.nTrees)
	return p
}
