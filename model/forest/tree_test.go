package forest

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
	"gonum.org/v1/gonum/mat"
)

// sklearnTree is one case of testdata/tree_fixture.json, written by testdata/gen_tree.py
// with scikit-learn 1.9.1 DecisionTreeClassifier (versions in the file's provenance).
type sklearnTree struct {
	Params struct {
		MinSamplesLeaf  int    `json:"min_samples_leaf"`
		MinSamplesSplit int    `json:"min_samples_split"`
		MaxDepth        int    `json:"max_depth"`
		ClassWeight     string `json:"class_weight"`
	} `json:"params"`
	X    [][]float64 `json:"x"`
	Y    []int       `json:"y"`
	Tree struct {
		Left      []int       `json:"children_left"`
		Right     []int       `json:"children_right"`
		Feature   []int       `json:"feature"`
		Threshold []float64   `json:"threshold"`
		Impurity  []float64   `json:"impurity"`
		NSamples  []int       `json:"n_node_samples"`
		WeightedN []float64   `json:"weighted_n_node_samples"`
		Value     [][]float64 `json:"value"`
	} `json:"tree"`
	Probes      [][]float64 `json:"probes"`
	ProbeProba  [][]float64 `json:"probe_proba"`
	Importances []float64   `json:"feature_importances"`
}

func loadTreeFixture(t *testing.T) map[string]sklearnTree {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "tree_fixture.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Cases map[string]sklearnTree `json:"cases"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f.Cases
}

func denseOf(rows [][]float64) *mat.Dense {
	x := mat.NewDense(len(rows), len(rows[0]), nil)
	for i, r := range rows {
		x.SetRow(i, r)
	}
	return x
}

// TestTreeMatchesSklearn grows one tree on all samples with all features, which is
// scikit-learn's DecisionTreeClassifier, and compares it node by node. The fixture cases
// have no tied splits (gen_tree.py checks 40 random_states), so the trees must agree
// exactly even though the random feature orders differ.
func TestTreeMatchesSklearn(t *testing.T) {
	const tol = 1e-12
	for name, tc := range loadTreeFixture(t) {
		t.Run(name, func(t *testing.T) {
			cw, err := ParseClassWeight(tc.Params.ClassWeight)
			if err != nil {
				t.Fatal(err)
			}
			cfg := Config{
				NEstimators: 1, NoBootstrap: true, MaxFeatures: MaxFeaturesAll(),
				MinSamplesLeaf: tc.Params.MinSamplesLeaf, MinSamplesSplit: tc.Params.MinSamplesSplit,
				MaxDepth: tc.Params.MaxDepth, ClassWeight: cw, Seed: 3,
			}
			x := denseOf(tc.X)
			b := buildOne(t, x, tc.Y, cfg)
			want := tc.Tree
			if len(b.nodes) != len(want.Feature) {
				t.Fatalf("tree has %d nodes; want %d", len(b.nodes), len(want.Feature))
			}
			for i, nd := range b.nodes {
				checkNode(t, b, i, nd, want.Left[i], want.Right[i], want.Feature[i], want.Threshold[i], want.Value[i])
				if b.count[i] != int32(want.NSamples[i]) {
					t.Errorf("node %d: %d samples; want %d", i, b.count[i], want.NSamples[i])
				}
				if !scalar.EqualWithinAbsOrRel(b.impurity[i], want.Impurity[i], tol, tol) {
					t.Errorf("node %d: impurity %v; want %v", i, b.impurity[i], want.Impurity[i])
				}
				if !scalar.EqualWithinAbsOrRel(b.weightN[i], want.WeightedN[i], tol, tol) {
					t.Errorf("node %d: weighted samples %v; want %v", i, b.weightN[i], want.WeightedN[i])
				}
			}
			c, err := Train(context.Background(), x, tc.Y, cfg)
			if err != nil {
				t.Fatal(err)
			}
			for f, v := range c.FeatureImportances() {
				if !scalar.EqualWithinAbsOrRel(v, tc.Importances[f], tol, tol) {
					t.Errorf("FeatureImportances() = %v; want %v", c.FeatureImportances(), tc.Importances)
					break
				}
			}
			got := make([]float64, len(c.Classes()))
			for i, row := range tc.Probes {
				c.PredictProba(got, row)
				for k := range got {
					if !scalar.EqualWithinAbsOrRel(got[k], tc.ProbeProba[i][k], tol, tol) {
						t.Errorf("PredictProba(probe %d) = %v; want %v", i, got, tc.ProbeProba[i])
						break
					}
				}
			}
		})
	}
}

// buildOne grows tree 0 of cfg on x, y and returns the builder holding it.
func buildOne(t *testing.T, x *mat.Dense, y []int, cfg Config) *builder {
	t.Helper()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	n, d := x.Dims()
	p := cfg.resolve(n, d)
	ds, err := newDataset(x, y, p.balanced, 1)
	if err != nil {
		t.Fatal(err)
	}
	b := newBuilder(ds, p)
	b.build(0)
	return b
}

func checkNode(t *testing.T, b *builder, i int, nd node, left, right, feature int, thr float64, value []float64) {
	t.Helper()
	if left == -1 {
		if nd.feature != leafFeature {
			t.Errorf("node %d splits on feature %d; want a leaf", i, nd.feature)
			return
		}
		got := make([]float64, len(value))
		for k := nd.left; k < nd.right; k++ {
			got[b.vclass[k]] = b.vprob[k]
		}
		for k := range got {
			if !scalar.EqualWithinAbsOrRel(got[k], value[k], 1e-12, 1e-12) {
				t.Errorf("leaf %d: class fractions %v; want %v", i, got, value)
				break
			}
		}
		return
	}
	if int(nd.feature) != feature || int(nd.left) != left || int(nd.right) != right {
		t.Errorf("node %d: feature %d, children %d/%d; want feature %d, children %d/%d",
			i, nd.feature, nd.left, nd.right, feature, left, right)
	}
	if nd.thr != float32(thr) {
		t.Errorf("node %d: threshold %v; want float32(%v) = %v", i, nd.thr, thr, float32(thr))
	}
}

// col returns an n×1 matrix.
func col(v ...float64) *mat.Dense { return mat.NewDense(len(v), 1, v) }

// nodeWant is an expected node of a hand-computed tree.
type nodeWant struct {
	feature  int32 // leafFeature for a leaf
	thr      float32
	impurity float64
	weightN  float64
	frac     []float64 // leaves: class fractions
}

// handCase is a data set small enough to work its tree out by hand.
type handCase struct {
	name string
	x    *mat.Dense
	y    []int
	cfg  Config
	want []nodeWant // pre-order
}

func handCases() []handCase {
	all := Config{NEstimators: 1, NoBootstrap: true, MaxFeatures: MaxFeaturesAll()}
	with := func(f func(*Config)) Config { c := all; f(&c); return c }
	return []handCase{{
		// Gini(3 of 6) = 1 − 0.5² − 0.5² = 0.5; split between 3 and 4 at 3.5.
		name: "pure split",
		x:    col(1, 2, 3, 4, 5, 6), y: []int{7, 7, 7, 9, 9, 9}, cfg: all,
		want: []nodeWant{
			{feature: 0, thr: 3.5, impurity: 0.5, weightN: 6},
			{feature: leafFeature, weightN: 3, frac: []float64{1, 0}},
			{feature: leafFeature, weightN: 3, frac: []float64{0, 1}},
		},
	}, {
		// Candidates 1.5 and 3.5 both leave {0} | {1,1,0} (proxy −4/3) while 2.5 gives −2:
		// the first strictly better split, 1.5, wins.
		name: "first best wins",
		x:    col(1, 2, 3, 4), y: []int{0, 1, 1, 0}, cfg: with(func(c *Config) { c.MaxDepth = 1 }),
		want: []nodeWant{
			{feature: 0, thr: 1.5, impurity: 0.5, weightN: 4},
			{feature: leafFeature, weightN: 1, frac: []float64{1, 0}},
			{feature: leafFeature, weightN: 3, impurity: 4.0 / 9, frac: []float64{1.0 / 3, 2.0 / 3}},
		},
	}, {
		// y = 0 1 1 1 1 1: the best split isolates x=1; with MinSamplesLeaf 2 the left side
		// needs two samples, so the split moves to 2.5 (left Gini 0.5, right pure).
		name: "min samples leaf",
		x:    col(1, 2, 3, 4, 5, 6), y: []int{0, 1, 1, 1, 1, 1},
		cfg: with(func(c *Config) { c.MinSamplesLeaf = 2 }),
		want: []nodeWant{
			{feature: 0, thr: 2.5, impurity: 1 - 1.0/36 - 25.0/36, weightN: 6},
			{feature: leafFeature, impurity: 0.5, weightN: 2, frac: []float64{0.5, 0.5}},
			{feature: leafFeature, weightN: 4, frac: []float64{0, 1}},
		},
	}, {
		// Balanced weights n/(K·n_c): class 0 (3 samples) 4/6, class 1 (1 sample) 2. The
		// root's weighted counts are 2 and 2, Gini 0.5; the leaves are pure.
		name: "balanced weights",
		x:    col(1, 2, 3, 10), y: []int{0, 0, 0, 1},
		cfg: with(func(c *Config) { c.ClassWeight = ClassWeightBalanced }),
		want: []nodeWant{
			{feature: 0, thr: 6.5, impurity: 0.5, weightN: 4},
			{feature: leafFeature, weightN: 2, frac: []float64{1, 0}},
			{feature: leafFeature, weightN: 2, frac: []float64{0, 1}},
		},
	}, {
		// Balanced weights in an impure leaf give weighted fractions, not counts. x is
		// constant, so the root stays a leaf. n=3, K=2: w0 = 3/(2·2) = 0.75 for each of the
		// two class-0 samples, w1 = 3/(2·1) = 1.5: weighted counts 1.5 and 1.5.
		name: "weighted leaf fractions",
		x:    col(5, 5, 5), y: []int{0, 0, 1},
		cfg: with(func(c *Config) { c.ClassWeight = ClassWeightBalanced }),
		want: []nodeWant{
			{feature: leafFeature, impurity: 0.5, weightN: 3, frac: []float64{0.5, 0.5}},
		},
	}, {
		// Feature 0 is constant; the split must come from feature 1.
		name: "constant feature",
		x:    mat.NewDense(4, 2, []float64{2, 10, 2, 20, 2, 30, 2, 40}), y: []int{0, 0, 1, 1}, cfg: all,
		want: []nodeWant{
			{feature: 1, thr: 25, impurity: 0.5, weightN: 4},
			{feature: leafFeature, weightN: 2, frac: []float64{1, 0}},
			{feature: leafFeature, weightN: 2, frac: []float64{0, 1}},
		},
	}, {
		// Values closer than 1e-7 (float32) are one value to the splitter: no split
		// between 0.5 and 0.50000006, so the only split is at (0.50000006+2)/2.
		name: "feature threshold",
		x:    col(0.5, 0.50000006, 2, 2), y: []int{0, 1, 1, 1},
		cfg: all,
		want: []nodeWant{
			{feature: 0, thr: midpoint(float32(0.50000006), 2), impurity: 0.375, weightN: 4},
			{feature: leafFeature, impurity: 0.5, weightN: 2, frac: []float64{0.5, 0.5}},
			{feature: leafFeature, weightN: 2, frac: []float64{0, 1}},
		},
	}, {
		// A stump: MaxDepth 1 stops after the root split even though the left is impure.
		name: "max depth",
		x:    col(1, 2, 3, 4, 5, 6), y: []int{0, 1, 0, 1, 1, 1},
		cfg: with(func(c *Config) { c.MaxDepth = 1 }),
		want: []nodeWant{
			{feature: 0, thr: 3.5, impurity: 1 - 4.0/36 - 16.0/36, weightN: 6},
			{feature: leafFeature, impurity: 4.0 / 9, weightN: 3, frac: []float64{2.0 / 3, 1.0 / 3}},
			{feature: leafFeature, weightN: 3, frac: []float64{0, 1}},
		},
	}}
}

// TestHandComputedSplits checks Gini values, chosen splits, thresholds and leaf fractions
// on data small enough to work out by hand.
func TestHandComputedSplits(t *testing.T) {
	for _, tt := range handCases() {
		t.Run(tt.name, func(t *testing.T) {
			b := buildOne(t, tt.x, tt.y, tt.cfg)
			if len(b.nodes) != len(tt.want) {
				t.Fatalf("tree has %d nodes; want %d: %+v", len(b.nodes), len(tt.want), b.nodes)
			}
			for i, w := range tt.want {
				nd := b.nodes[i]
				if nd.feature != w.feature || (w.feature != leafFeature && nd.thr != w.thr) {
					t.Errorf("node %d: feature %d threshold %v; want %d, %v", i, nd.feature, nd.thr, w.feature, w.thr)
				}
				if !scalar.EqualWithinAbsOrRel(b.impurity[i], w.impurity, 1e-15, 1e-15) {
					t.Errorf("node %d: impurity %v; want %v", i, b.impurity[i], w.impurity)
				}
				if !scalar.EqualWithinAbsOrRel(b.weightN[i], w.weightN, 1e-15, 1e-15) {
					t.Errorf("node %d: weighted samples %v; want %v", i, b.weightN[i], w.weightN)
				}
				if w.feature == leafFeature {
					checkNode(t, b, i, nd, -1, -1, 0, 0, w.frac)
				} else if nd.left != int32(i+1) {
					t.Errorf("node %d: left child %d; want %d (pre-order)", i, nd.left, i+1)
				}
			}
		})
	}
}

func TestMidpoint(t *testing.T) {
	f := func(bits uint32) float32 { return math.Float32frombits(bits) }
	one := math.Float32bits(1)
	sixteen := math.Float32bits(16)
	tests := []struct {
		a, b, want float32
	}{
		{1, 2, 1.5},
		{-3, 5, 1},
		{16, f(sixteen + 1), 16}, // the exact midpoint rounds to even, which is a
		// a has an odd mantissa: the midpoint rounds (to even) up to b, so the threshold
		// falls back to a (scikit-learn's "threshold == next value" rule).
		{f(sixteen + 1), f(sixteen + 2), f(sixteen + 1)},
		{f(one + 1), f(one + 2), f(one + 1)},
		{math.MaxFloat32 / 2, math.MaxFloat32, 0.75 * math.MaxFloat32},
		{-math.MaxFloat32, math.MaxFloat32, 0},
	}
	for _, tt := range tests {
		got := midpoint(tt.a, tt.b)
		if got != tt.want {
			t.Errorf("midpoint(%v, %v) = %v; want %v", tt.a, tt.b, got, tt.want)
		}
		if !(got >= tt.a && got < tt.b) {
			t.Errorf("midpoint(%v, %v) = %v is not in [a, b)", tt.a, tt.b, got)
		}
	}
}

// TestBootstrapWeights checks the bootstrap: draw counts become weights (the root's weight
// is the number of draws), duplicates count once in the node size, about 1 − 1/e of the
// samples are drawn, and balanced class weights draw every class equally often.
func TestBootstrapWeights(t *testing.T) {
	const n = 2000
	x := mat.NewDense(n, 2, nil)
	y := make([]int, n)
	for i := range n {
		x.Set(i, 0, float64(i%97))
		x.Set(i, 1, float64(i%89))
		if i%10 == 0 {
			y[i] = 1 // 10% minority class
		}
	}
	tests := []struct {
		name        string
		cfg         Config
		draws       float64
		minImpurity float64 // the root's Gini impurity is above this
		maxImpurity float64
	}{
		{"plain", Config{}, n, 0.15, 0.21},                   // 1 − 0.9² − 0.1² = 0.18
		{"half", Config{MaxSamples: 0.5}, n / 2, 0.14, 0.22}, // same mix, half the draws
		{"balanced", Config{ClassWeight: ClassWeightBalanced}, n, 0.49, 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := buildOne(t, x, y, tt.cfg)
			if b.weightN[0] != tt.draws {
				t.Errorf("root weight %v; want %v draws", b.weightN[0], tt.draws)
			}
			distinct := 0
			for _, w := range b.w {
				if w > 0 {
					distinct++
				}
			}
			if int(b.count[0]) != distinct {
				t.Errorf("root holds %d samples; want the %d distinct drawn ones", b.count[0], distinct)
			}
			if want := n * (1 - math.Exp(-tt.draws/n)); math.Abs(float64(distinct)-want) > 0.05*n && tt.name != "balanced" {
				t.Errorf("%d distinct samples drawn; want about %.0f", distinct, want)
			}
			if imp := b.impurity[0]; imp < tt.minImpurity || imp > tt.maxImpurity {
				t.Errorf("root impurity %v; want in [%v, %v]", imp, tt.minImpurity, tt.maxImpurity)
			}
		})
	}
}

// TestSampleCounts: MinSamplesSplit and MinSamplesLeaf count distinct samples, not weights
// (scikit-learn's n_node_samples): two samples drawn three times each make a node of 2.
func TestSampleCounts(t *testing.T) {
	x := col(1, 2, 3, 4)
	y := []int{0, 0, 1, 1}
	tests := []struct {
		name  string
		cfg   Config
		nodes int
	}{
		{"defaults split", Config{}, 3},
		{"min samples split 3", Config{MinSamplesSplit: 3}, 1},
		{"min samples leaf 2", Config{MinSamplesLeaf: 2}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := buildOne(t, x, y, tt.cfg)
			clear(b.w)
			b.w[0], b.w[3] = 3, 3
			b.samples = append(b.samples[:0], 0, 3)
			b.growTree()
			if len(b.nodes) != tt.nodes || b.weightN[0] != 6 || b.count[0] != 2 {
				t.Errorf("%d nodes, root weight %v and %d samples; want %d nodes, weight 6, 2 samples",
					len(b.nodes), b.weightN[0], b.count[0], tt.nodes)
			}
		})
	}
}
