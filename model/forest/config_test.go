package forest_test

import (
	"bytes"
	"testing"

	"github.com/storeseg/storeseg/model/forest"
)

func TestParseMaxFeatures(t *testing.T) {
	tests := []struct {
		in      string
		want    string // String() of the result
		resolve [3]int // Resolve(1), Resolve(10), Resolve(64)
	}{
		{"sqrt", "sqrt", [3]int{1, 3, 8}},
		{"", "sqrt", [3]int{1, 3, 8}},
		{"log2", "log2", [3]int{1, 3, 6}},
		{"ALL", "all", [3]int{1, 10, 64}},
		{"none", "all", [3]int{1, 10, 64}},
		{"0.5", "0.5", [3]int{1, 5, 32}},
		{"1.0", "1.0", [3]int{1, 10, 64}},
		{"1e-3", "0.001", [3]int{1, 1, 1}},
		{"3", "3", [3]int{1, 3, 3}},
		{"100", "100", [3]int{1, 10, 64}},
	}
	for _, tt := range tests {
		m, err := forest.ParseMaxFeatures(tt.in)
		if err != nil {
			t.Errorf("ParseMaxFeatures(%q): %v", tt.in, err)
			continue
		}
		if m.String() != tt.want {
			t.Errorf("ParseMaxFeatures(%q).String() = %q; want %q", tt.in, m.String(), tt.want)
		}
		got := [3]int{m.Resolve(1), m.Resolve(10), m.Resolve(64)}
		if got != tt.resolve {
			t.Errorf("ParseMaxFeatures(%q).Resolve(1, 10, 64) = %v; want %v", tt.in, got, tt.resolve)
		}
		var back forest.MaxFeatures
		text, _ := m.MarshalText()
		if err := back.UnmarshalText(text); err != nil || back != m {
			t.Errorf("text round trip of %q gave %v, %v", tt.in, back, err)
		}
	}
	for _, in := range []string{"0", "-1", "0.0", "1.5", "cube", "2x", "NaN"} {
		if m, err := forest.ParseMaxFeatures(in); err == nil {
			t.Errorf("ParseMaxFeatures(%q) = %v; want an error", in, m)
		}
	}
	if (forest.MaxFeatures{}) != forest.MaxFeaturesSqrt() {
		t.Error("the zero MaxFeatures is not sqrt")
	}
}

func TestParseClassWeight(t *testing.T) {
	for in, want := range map[string]forest.ClassWeight{"": forest.ClassWeightNone, "none": forest.ClassWeightNone, "Balanced": forest.ClassWeightBalanced} {
		got, err := forest.ParseClassWeight(in)
		if err != nil || got != want {
			t.Errorf("ParseClassWeight(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := forest.ParseClassWeight("balanced_subsample"); err == nil {
		t.Error("ParseClassWeight(balanced_subsample) succeeded")
	}
	if s := forest.ClassWeightBalanced.String(); s != "balanced" {
		t.Errorf("ClassWeightBalanced.String() = %q", s)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  forest.Config
		ok   bool
	}{
		{"default", forest.DefaultConfig(), true},
		{"zero", forest.Config{}, true},
		{"negative trees", forest.Config{NEstimators: -1}, false},
		{"negative depth", forest.Config{MaxDepth: -1}, false},
		{"min samples split 1", forest.Config{MinSamplesSplit: 1}, false},
		{"negative min samples leaf", forest.Config{MinSamplesLeaf: -2}, false},
		{"max samples above 1", forest.Config{MaxSamples: 1.5}, false},
		{"max samples NaN", forest.Config{MaxSamples: nan()}, false},
		{"max samples without bootstrap", forest.Config{MaxSamples: 0.5, NoBootstrap: true}, false},
		{"OOB without bootstrap", forest.Config{OOB: true, NoBootstrap: true}, false},
		{"class weight", forest.Config{ClassWeight: 7}, false},
		{"negative workers", forest.Config{Workers: -1}, false},
		{"max features", forest.Config{MaxFeatures: forest.MaxFeaturesFraction(0)}, false},
		{"max features count", forest.Config{MaxFeatures: forest.MaxFeaturesCount(0)}, false},
		{"everything set", forest.Config{NEstimators: 10, MaxFeatures: forest.MaxFeaturesLog2(), MaxDepth: 4,
			MinSamplesSplit: 5, MinSamplesLeaf: 2, MaxSamples: 0.5, ClassWeight: forest.ClassWeightBalanced,
			OOB: true, Seed: 9, Workers: 3}, true},
	}
	for _, tt := range tests {
		if err := tt.cfg.Validate(); (err == nil) != tt.ok {
			t.Errorf("%s: Validate() = %v; want ok=%v", tt.name, err, tt.ok)
		}
	}
}

// TestZeroConfigIsDefault: the zero Config trains exactly the DefaultConfig forest.
func TestZeroConfigIsDefault(t *testing.T) {
	s := loadSplit(t, "iris")
	a, err := train(t, s.xTrain, s.yTrain, forest.Config{Seed: 5}).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	def := forest.DefaultConfig()
	def.Seed = 5
	b, err := train(t, s.xTrain, s.yTrain, def).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("Config{} and DefaultConfig() train different forests")
	}
}

// TestConfigVariants trains with every option set and checks the forest still learns.
func TestConfigVariants(t *testing.T) {
	s := loadSplit(t, "wine")
	tests := []struct {
		name string
		cfg  forest.Config
	}{
		{"balanced bootstrap", forest.Config{ClassWeight: forest.ClassWeightBalanced, OOB: true}},
		{"balanced no bootstrap", forest.Config{ClassWeight: forest.ClassWeightBalanced, NoBootstrap: true, MaxFeatures: forest.MaxFeaturesLog2()}},
		{"half samples", forest.Config{MaxSamples: 0.5, OOB: true}},
		{"shallow", forest.Config{MaxDepth: 2, MinSamplesLeaf: 5, MinSamplesSplit: 20}},
		{"fraction", forest.Config{MaxFeatures: forest.MaxFeaturesFraction(0.5), NEstimators: 20}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := train(t, s.xTrain, s.yTrain, tt.cfg)
			if acc := accuracy(t, c, s.xTest, s.yTest); acc < 0.85 {
				t.Errorf("test accuracy %.3f; want ≥ 0.85", acc)
			}
			if score, ok := c.OOBScore(); ok != tt.cfg.OOB || (ok && score < 0.85) {
				t.Errorf("OOBScore() = %v, %v; want OOB=%v above 0.85", score, ok, tt.cfg.OOB)
			}
		})
	}
}
