package config

import (
	"math"

	"github.com/storeseg/storeseg/model"
	"github.com/storeseg/storeseg/model/drift"
	"github.com/storeseg/storeseg/model/forest"
	"github.com/storeseg/storeseg/model/hdbscan"
	"github.com/storeseg/storeseg/model/segments"
)

// HDBSCAN configures the clustering of the FAMD coordinates (hdbscan's parameters and
// meanings; min_samples excludes the point itself).
type HDBSCAN struct {
	// MinClusterSize: the smallest group that counts as a segment (≥ 2). Default 5.
	MinClusterSize int `yaml:"min_cluster_size" json:"min_cluster_size"`
	// MinClusterShare, when set, sizes the smallest segment relative to the snapshot:
	// min_cluster_size = max(min_cluster_size, round(share × stores)), so one config suits
	// 2,000 and 1,000,000 stores. In [0, 0.5]; default 0 (off).
	MinClusterShare float64 `yaml:"min_cluster_share" json:"min_cluster_share"`
	// MinSamples: neighbours for the core distance; 0 (default) means min_cluster_size.
	MinSamples int `yaml:"min_samples" json:"min_samples"`
	// Alpha scales distances in the mutual reachability (> 0). Default 1.
	Alpha float64 `yaml:"alpha" json:"alpha"`
	// Method: eom (default) or leaf.
	Method string `yaml:"method" json:"method"`
	// Epsilon is cluster_selection_epsilon (≥ 0). Default 0 (off).
	Epsilon float64 `yaml:"epsilon" json:"epsilon"`
	// AllowSingleCluster lets HDBSCAN report one cluster covering everything. Default false.
	AllowSingleCluster bool `yaml:"allow_single_cluster" json:"allow_single_cluster"`
	// MaxClusterSize caps a selected cluster's size under eom; 0 (default) means no cap.
	MaxClusterSize int `yaml:"max_cluster_size" json:"max_cluster_size"`
}

// Forest configures the noise classifier (scikit-learn RandomForestClassifier semantics).
type Forest struct {
	// CoreThreshold: cluster members with an HDBSCAN probability at least this are the
	// forest's training points, in [0, 1]. Default 0.5.
	CoreThreshold *float64 `yaml:"core_threshold" json:"core_threshold"`
	// NEstimators: number of trees. Default 100.
	NEstimators int `yaml:"n_estimators" json:"n_estimators"`
	// MaxFeatures: sqrt (default), log2, all, a fraction in (0, 1] or a count.
	MaxFeatures string `yaml:"max_features" json:"max_features"`
	// MaxDepth: 0 (default) means unlimited.
	MaxDepth int `yaml:"max_depth" json:"max_depth"`
	// MinSamplesSplit (default 2) and MinSamplesLeaf (default 1).
	MinSamplesSplit int `yaml:"min_samples_split" json:"min_samples_split"`
	MinSamplesLeaf  int `yaml:"min_samples_leaf" json:"min_samples_leaf"`
	// MaxSamples: bootstrap sample size as a fraction of the training points; 0 (default) = all.
	MaxSamples float64 `yaml:"max_samples" json:"max_samples"`
	// ClassWeight: none (default) or balanced.
	ClassWeight string `yaml:"class_weight" json:"class_weight"`
}

// Segments configures stable segment ids and segment names.
type Segments struct {
	// MinJaccard: least Jaccard similarity for a new cluster to keep an old segment's id, in
	// (0, 1]. Default 0.3.
	MinJaccard float64 `yaml:"min_jaccard" json:"min_jaccard"`
	// FlowShare: least share of a segment flowing elsewhere for a split or merge, in (0, 1).
	// Default 0.2.
	FlowShare float64 `yaml:"flow_share" json:"flow_share"`
	// NameTraits: traits joined into a generated name. Default 3.
	NameTraits int `yaml:"name_traits" json:"name_traits"`
	// MinEffect: least standardized difference for a trait to enter a name. Default 0.5.
	MinEffect float64 `yaml:"min_effect" json:"min_effect"`
	// Words: business words for numeric features, e.g. sales_area_m2: {high: large, low: small}.
	Words map[string]Words `yaml:"words,omitempty" json:"words"`
}

// Words names a numeric feature's high and low side.
type Words struct {
	High string `yaml:"high" json:"high"`
	Low  string `yaml:"low" json:"low"`
}

// Metrics configures the quality metrics.
type Metrics struct {
	// ExactMax: DBCV and silhouette are exact up to this many stores; above it DBCV is
	// skipped (relative validity is always reported) and the silhouette uses a sample of this
	// size. Default 20000; -1 means always exact.
	ExactMax int `yaml:"exact_max" json:"exact_max"`
}

// Drift configures the drift references.
type Drift struct {
	// Bins: quantile bins per numeric feature (2..65535). Default 10.
	Bins int `yaml:"bins" json:"bins"`
}

// Gate configures the quality gate a model must pass to be published. Every check is off
// unless set.
type Gate struct {
	MinDBCV                 *float64 `yaml:"min_dbcv" json:"min_dbcv"`
	MaxNoiseShare           float64  `yaml:"max_noise_share" json:"max_noise_share"`
	MinClusters             int      `yaml:"min_clusters" json:"min_clusters"`
	MaxClusters             int      `yaml:"max_clusters" json:"max_clusters"`
	MaxDBCVDrop             float64  `yaml:"max_dbcv_drop" json:"max_dbcv_drop"`
	MaxRelativeValidityDrop float64  `yaml:"max_relative_validity_drop" json:"max_relative_validity_drop"`
}

func (h *HDBSCAN) normalize() {
	if h.MinClusterSize == 0 {
		h.MinClusterSize = 5
	}
	if h.Alpha == 0 {
		h.Alpha = 1
	}
	if h.Method == "" {
		h.Method = "eom"
	}
}

func (h *HDBSCAN) validate(is *issues) {
	if h.MinClusterSize < 2 {
		is.addf([]any{"hdbscan", "min_cluster_size"}, "%d must be at least 2", h.MinClusterSize)
	}
	if !(h.MinClusterShare >= 0 && h.MinClusterShare <= 0.5) {
		is.addf([]any{"hdbscan", "min_cluster_share"}, "%v is outside [0, 0.5]", h.MinClusterShare)
	}
	if h.MinSamples < 0 {
		is.addf([]any{"hdbscan", "min_samples"}, "%d must not be negative", h.MinSamples)
	}
	if !(h.Alpha > 0) || math.IsInf(h.Alpha, 0) {
		is.addf([]any{"hdbscan", "alpha"}, "%v must be positive", h.Alpha)
	}
	checkEnum(is, h.Method, []string{"eom", "leaf"}, "hdbscan", "method")
	if h.Epsilon < 0 || math.IsInf(h.Epsilon, 0) || math.IsNaN(h.Epsilon) {
		is.addf([]any{"hdbscan", "epsilon"}, "%v must be a non-negative distance", h.Epsilon)
	}
	if h.MaxClusterSize < 0 {
		is.addf([]any{"hdbscan", "max_cluster_size"}, "%d must not be negative", h.MaxClusterSize)
	}
}

func (f *Forest) normalize() {
	if f.CoreThreshold == nil {
		v := 0.5
		f.CoreThreshold = &v
	}
	if f.NEstimators == 0 {
		f.NEstimators = 100
	}
	if f.MaxFeatures == "" {
		f.MaxFeatures = "sqrt"
	}
	if f.MinSamplesSplit == 0 {
		f.MinSamplesSplit = 2
	}
	if f.MinSamplesLeaf == 0 {
		f.MinSamplesLeaf = 1
	}
	if f.ClassWeight == "" {
		f.ClassWeight = "none"
	}
}

func (f *Forest) validate(is *issues) {
	if t := *f.CoreThreshold; !(t >= 0 && t <= 1) {
		is.addf([]any{"forest", "core_threshold"}, "%v is outside [0, 1]", t)
	}
	if _, err := forest.ParseMaxFeatures(f.MaxFeatures); err != nil {
		is.addf([]any{"forest", "max_features"}, "%v", err)
	}
	if _, err := forest.ParseClassWeight(f.ClassWeight); err != nil {
		is.addf([]any{"forest", "class_weight"}, "%v", err)
	}
	if err := f.forestConfig(0).Validate(); err != nil {
		is.addf([]any{"forest"}, "%v", err)
	}
}

func (f *Forest) forestConfig(seed uint64) forest.Config {
	mf, err := forest.ParseMaxFeatures(f.MaxFeatures)
	if err != nil {
		mf = forest.MaxFeaturesSqrt() // reported by validate
	}
	cw, err := forest.ParseClassWeight(f.ClassWeight)
	if err != nil {
		cw = forest.ClassWeightNone
	}
	return forest.Config{
		NEstimators: f.NEstimators, MaxFeatures: mf, MaxDepth: f.MaxDepth, MinSamplesSplit: f.MinSamplesSplit,
		MinSamplesLeaf: f.MinSamplesLeaf, MaxSamples: f.MaxSamples, ClassWeight: cw, OOB: true, Seed: seed,
	}
}

func (s *Segments) normalize() {
	d := segments.DefaultMatchConfig()
	p := segments.DefaultProfileConfig()
	if s.MinJaccard == 0 {
		s.MinJaccard = d.MinJaccard
	}
	if s.FlowShare == 0 {
		s.FlowShare = d.FlowShare
	}
	if s.NameTraits == 0 {
		s.NameTraits = p.NameTraits
	}
	if s.MinEffect == 0 {
		s.MinEffect = p.MinEffect
	}
	if len(s.Words) == 0 {
		s.Words = nil
	}
}

func (s *Segments) validate(is *issues) {
	if err := (segments.MatchConfig{MinJaccard: s.MinJaccard, FlowShare: s.FlowShare}).Validate(); err != nil {
		is.addf([]any{"segments"}, "%v", err)
	}
	if s.NameTraits < 1 {
		is.addf([]any{"segments", "name_traits"}, "%d must be at least 1", s.NameTraits)
	}
	if !(s.MinEffect > 0) {
		is.addf([]any{"segments", "min_effect"}, "%v must be positive", s.MinEffect)
	}
}

func (m *Metrics) normalize() {
	if m.ExactMax == 0 {
		m.ExactMax = model.DefaultExactMax
	}
}

func (m *Metrics) validate(is *issues) {
	if m.ExactMax < -1 {
		is.addf([]any{"metrics", "exact_max"}, "%d must be positive, or -1 for always exact", m.ExactMax)
	}
}

func (d *Drift) normalize() {
	if d.Bins == 0 {
		d.Bins = drift.DefaultConfig().Bins
	}
}

func (d *Drift) validate(is *issues) {
	if d.Bins < 2 || d.Bins > math.MaxUint16 {
		is.addf([]any{"drift", "bins"}, "%d is outside [2, 65535]", d.Bins)
	}
}

func (g *Gate) validate(is *issues) {
	if g.MinDBCV != nil && !(*g.MinDBCV >= -1 && *g.MinDBCV <= 1) {
		is.addf([]any{"gate", "min_dbcv"}, "%v is outside [-1, 1]", *g.MinDBCV)
	}
	if !(g.MaxNoiseShare >= 0 && g.MaxNoiseShare <= 1) {
		is.addf([]any{"gate", "max_noise_share"}, "%v is outside [0, 1]", g.MaxNoiseShare)
	}
	if g.MinClusters < 0 || g.MaxClusters < 0 || (g.MaxClusters > 0 && g.MaxClusters < g.MinClusters) {
		is.addf([]any{"gate", "max_clusters"}, "cluster range [%d, %d] is empty or negative", g.MinClusters, g.MaxClusters)
	}
	if g.MaxDBCVDrop < 0 || g.MaxRelativeValidityDrop < 0 {
		is.add("allowed drops must not be negative", "gate", "max_dbcv_drop")
	}
}

// FitConfig converts the config into the refit pipeline's configuration.
func (c *Config) FitConfig() model.FitConfig {
	method := hdbscan.EOM
	if c.HDBSCAN.Method == "leaf" {
		method = hdbscan.Leaf
	}
	words := map[string]segments.Words{}
	for k, w := range c.Segments.Words {
		words[k] = segments.Words{High: w.High, Low: w.Low}
	}
	return model.FitConfig{
		Preprocess: c.PreprocessSpec(),
		FAMD:       c.FAMDConfig(),
		HDBSCAN: hdbscan.Config{
			MinClusterSize: c.HDBSCAN.MinClusterSize, MinSamples: c.HDBSCAN.MinSamples, Alpha: c.HDBSCAN.Alpha,
			Method: method, Epsilon: c.HDBSCAN.Epsilon, AllowSingleCluster: c.HDBSCAN.AllowSingleCluster,
			MaxClusterSize: c.HDBSCAN.MaxClusterSize,
		},
		MinClusterShare: c.HDBSCAN.MinClusterShare,
		Assign:          forest.AssignConfig{CoreThreshold: *c.Forest.CoreThreshold, Forest: c.Forest.forestConfig(c.Seed)},
		Match:           segments.MatchConfig{MinJaccard: c.Segments.MinJaccard, FlowShare: c.Segments.FlowShare},
		Profile:         segments.ProfileConfig{NameTraits: c.Segments.NameTraits, MinEffect: c.Segments.MinEffect, Words: words},
		Drift:           drift.Config{Bins: c.Drift.Bins},
		Metrics:         model.MetricsConfig{ExactMax: c.Metrics.ExactMax, Seed: c.Seed},
	}
}

// GateConfig converts the gate section.
func (c *Config) GateConfig() model.Gate {
	return model.Gate{
		MinDBCV: clonePtr(c.Gate.MinDBCV), MaxNoiseShare: c.Gate.MaxNoiseShare, MinClusters: c.Gate.MinClusters,
		MaxClusters: c.Gate.MaxClusters, MaxDBCVDrop: c.Gate.MaxDBCVDrop, MaxRelativeValidityDrop: c.Gate.MaxRelativeValidityDrop,
	}
}
