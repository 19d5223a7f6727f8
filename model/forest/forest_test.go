package forest_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"gonum.org/v1/gonum/floats/scalar"
	"gonum.org/v1/gonum/mat"

	"github.com/storeseg/storeseg/model/forest"
)

// split is one of the classic data sets of testdata (see testdata/gen_datasets.py).
type split struct {
	xTrain, xTest *mat.Dense
	yTrain, yTest []int
}

// loadSplit reads testdata/<name>.csv: features, label, and 1 for a test row.
func loadSplit(t testing.TB, name string) split {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".csv"))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	d := len(recs[0]) - 2
	var tr, te []float64
	var s split
	for _, rec := range recs[1:] {
		row := make([]float64, d)
		for j := range d {
			if row[j], err = strconv.ParseFloat(rec[j], 64); err != nil {
				t.Fatal(err)
			}
		}
		label, err := strconv.Atoi(rec[d])
		if err != nil {
			t.Fatal(err)
		}
		if rec[d+1] == "1" {
			te, s.yTest = append(te, row...), append(s.yTest, label)
		} else {
			tr, s.yTrain = append(tr, row...), append(s.yTrain, label)
		}
	}
	s.xTrain = mat.NewDense(len(s.yTrain), d, tr)
	s.xTest = mat.NewDense(len(s.yTest), d, te)
	return s
}

// reference holds scikit-learn's accuracies from testdata/reference.json.
type reference struct {
	TestAccuracyMean float64 `json:"test_accuracy_mean"`
	OOBAccuracyMean  float64 `json:"oob_accuracy_mean"`
}

func loadReference(t *testing.T) map[string]reference {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	out := map[string]reference{}
	for _, name := range []string{"iris", "wine"} {
		var r reference
		if err := json.Unmarshal(raw[name], &r); err != nil {
			t.Fatal(err)
		}
		out[name] = r
	}
	return out
}

func accuracy(t testing.TB, c *forest.Classifier, x *mat.Dense, y []int) float64 {
	t.Helper()
	pred, _, err := c.PredictBatch(context.Background(), x)
	if err != nil {
		t.Fatal(err)
	}
	var ok int
	for i, p := range pred {
		if p == y[i] {
			ok++
		}
	}
	return float64(ok) / float64(len(y))
}

func train(t testing.TB, x *mat.Dense, y []int, cfg forest.Config) *forest.Classifier {
	t.Helper()
	c, err := forest.Train(context.Background(), x, y, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestAccuracyMatchesSklearn checks statistical parity on Iris and Wine: the mean test and
// OOB accuracy over five seeds must be within 0.03 of scikit-learn's mean over 20 seeds
// (testdata/reference.json) with the same parameters and split.
func TestAccuracyMatchesSklearn(t *testing.T) {
	const tol = 0.03
	ref := loadReference(t)
	for _, name := range []string{"iris", "wine"} {
		t.Run(name, func(t *testing.T) {
			s := loadSplit(t, name)
			var acc, oob float64
			const seeds = 5
			for seed := range uint64(seeds) {
				cfg := forest.DefaultConfig()
				cfg.OOB, cfg.Seed = true, seed
				c := train(t, s.xTrain, s.yTrain, cfg)
				acc += accuracy(t, c, s.xTest, s.yTest) / seeds
				score, ok := c.OOBScore()
				if !ok {
					t.Fatal("OOBScore() reports no estimate")
				}
				oob += score / seeds
			}
			if math.Abs(acc-ref[name].TestAccuracyMean) > tol {
				t.Errorf("mean test accuracy %.4f; sklearn %.4f ± %v", acc, ref[name].TestAccuracyMean, tol)
			}
			if math.Abs(oob-ref[name].OOBAccuracyMean) > tol {
				t.Errorf("mean OOB accuracy %.4f; sklearn %.4f ± %v", oob, ref[name].OOBAccuracyMean, tol)
			}
		})
	}
}

// TestOOBDecision checks that the OOB score is the accuracy of the OOB decision, that its
// rows are distributions, and that samples never out of bag get NaN rows (few trees).
func TestOOBDecision(t *testing.T) {
	s := loadSplit(t, "iris")
	for _, trees := range []int{2, 100} {
		cfg := forest.DefaultConfig()
		cfg.NEstimators, cfg.OOB, cfg.Seed = trees, true, 7
		c := train(t, s.xTrain, s.yTrain, cfg)
		dec := c.OOBDecision()
		n, k := dec.Dims()
		if n != len(s.yTrain) || k != 3 {
			t.Fatalf("OOBDecision() is %d×%d; want %d×3", n, k, len(s.yTrain))
		}
		var seen, correct, never int
		for i := range n {
			row := dec.RawRowView(i)
			if math.IsNaN(row[0]) {
				never++
				continue
			}
			seen++
			var sum float64
			best := 0
			for j, v := range row {
				sum += v
				if v > row[best] {
					best = j
				}
			}
			if !scalar.EqualWithinAbs(sum, 1, 1e-12) {
				t.Errorf("%d trees: OOB row %d sums to %v", trees, i, sum)
			}
			if c.Classes()[best] == s.yTrain[i] {
				correct++
			}
		}
		score, ok := c.OOBScore()
		if !ok || score != float64(correct)/float64(seen) {
			t.Errorf("%d trees: OOBScore() = %v, %v; want %v from the decision", trees, score, ok, float64(correct)/float64(seen))
		}
		// P(in both bootstrap samples) ≈ 0.632² ≈ 0.4; with 100 trees it is ≈ 1e-20.
		if (trees == 2 && never == 0) || (trees == 100 && never != 0) {
			t.Errorf("%d trees: %d samples never out of bag", trees, never)
		}
	}
	c := train(t, s.xTrain, s.yTrain, forest.DefaultConfig())
	if _, ok := c.OOBScore(); ok || c.OOBDecision() != nil {
		t.Error("a forest trained without OOB reports an OOB estimate")
	}
}

// TestDeterministic checks that the forest depends on the seed only, not on Workers.
func TestDeterministic(t *testing.T) {
	s := loadSplit(t, "wine")
	marshal := func(workers int, seed uint64) []byte {
		cfg := forest.DefaultConfig()
		cfg.NEstimators, cfg.Workers, cfg.Seed, cfg.OOB = 24, workers, seed, true
		b, err := train(t, s.xTrain, s.yTrain, cfg).MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	one := marshal(1, 42)
	if !bytes.Equal(one, marshal(4, 42)) {
		t.Error("Workers 1 and 4 gave different forests for the same seed")
	}
	if bytes.Equal(one, marshal(1, 43)) {
		t.Error("seeds 42 and 43 gave the same forest")
	}
}

func TestTrainErrors(t *testing.T) {
	x := mat.NewDense(3, 2, []float64{1, 2, 3, 4, 5, 6})
	y := []int{0, 1, 0}
	bad := func(i, j int, v float64) *mat.Dense {
		m := mat.DenseCopyOf(x)
		m.Set(i, j, v)
		return m
	}
	tests := []struct {
		name string
		x    *mat.Dense
		y    []int
		cfg  forest.Config
	}{
		{"nil x", nil, y, forest.DefaultConfig()},
		{"label count", x, []int{0, 1}, forest.DefaultConfig()},
		{"NaN", bad(1, 0, math.NaN()), y, forest.DefaultConfig()},
		{"Inf", bad(2, 1, math.Inf(-1)), y, forest.DefaultConfig()},
		{"float32 overflow", bad(0, 1, 1e39), y, forest.DefaultConfig()},
		{"bad config", x, y, forest.Config{NEstimators: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if c, err := forest.Train(context.Background(), tt.x, tt.y, tt.cfg); err == nil {
				t.Errorf("Train() = %v, nil; want an error", c)
			}
		})
	}
}

func TestTrainCanceled(t *testing.T) {
	s := loadSplit(t, "iris")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := forest.Train(ctx, s.xTrain, s.yTrain, forest.DefaultConfig())
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Train(canceled) error = %v; want context.Canceled", err)
	}
}

// TestSingleClass: one class gives single-leaf trees predicting it with probability 1 and
// zero importances.
func TestSingleClass(t *testing.T) {
	x := mat.NewDense(4, 2, []float64{1, 2, 3, 4, 5, 6, 7, 8})
	c := train(t, x, []int{5, 5, 5, 5}, forest.DefaultConfig())
	if got := c.Classes(); len(got) != 1 || got[0] != 5 {
		t.Fatalf("Classes() = %v; want [5]", got)
	}
	if c.Size() != c.NumTrees() {
		t.Errorf("Size() = %d; want one leaf per tree (%d)", c.Size(), c.NumTrees())
	}
	p := []float64{0}
	c.PredictProba(p, []float64{100, -100})
	if p[0] != 1 || c.Predict([]float64{0, 0}) != 5 {
		t.Errorf("PredictProba = %v, Predict = %d; want [1], 5", p, c.Predict([]float64{0, 0}))
	}
	for _, v := range c.FeatureImportances() {
		if v != 0 {
			t.Errorf("FeatureImportances() = %v; want zeros", c.FeatureImportances())
		}
	}
}

// TestPredictTieGoesToLowestClass: a leaf with a 50/50 distribution predicts the lower label.
func TestPredictTieGoesToLowestClass(t *testing.T) {
	x := mat.NewDense(2, 1, []float64{1, 1})
	cfg := forest.Config{NEstimators: 3, NoBootstrap: true}
	c := train(t, x, []int{9, 4}, cfg)
	if got := c.Predict([]float64{1}); got != 4 {
		t.Errorf("Predict() = %d; want 4 (probabilities %v tie)", got, c.Classes())
	}
}

func TestFeatureImportances(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const n = 400
	x := mat.NewDense(n, 3, nil)
	y := make([]int, n)
	for i := range n {
		for j := range 3 {
			x.Set(i, j, r.Float64())
		}
		if x.At(i, 1) > 0.5 { // only feature 1 matters
			y[i] = 1
		}
	}
	cfg := forest.DefaultConfig()
	cfg.MaxDepth = 3
	imp := train(t, x, y, cfg).FeatureImportances()
	var sum float64
	for _, v := range imp {
		sum += v
	}
	if !scalar.EqualWithinAbs(sum, 1, 1e-12) || imp[1] < 0.7 || imp[0] > 0.15 || imp[2] > 0.15 {
		t.Errorf("FeatureImportances() = %v; want a sum of 1 and feature 1 dominant", imp)
	}
}

func TestPredictBatch(t *testing.T) {
	s := loadSplit(t, "wine")
	c := train(t, s.xTrain, s.yTrain, forest.DefaultConfig())
	labels, proba, err := c.PredictBatch(context.Background(), s.xTest)
	if err != nil {
		t.Fatal(err)
	}
	p := make([]float64, len(c.Classes()))
	for i := range s.yTest {
		row := s.xTest.RawRowView(i)
		c.PredictProba(p, row)
		if !floatsEqual(p, proba.RawRowView(i)) {
			t.Errorf("row %d: PredictBatch proba %v; PredictProba %v", i, proba.RawRowView(i), p)
		}
		if got := c.Predict(row); labels[i] != got {
			t.Errorf("row %d: PredictBatch label %d; Predict %d", i, labels[i], got)
		}
	}
	wrong := mat.NewDense(2, 3, nil)
	if _, _, err := c.PredictBatch(context.Background(), wrong); err == nil {
		t.Error("PredictBatch(3 columns) succeeded; want an error")
	}
	nan := mat.DenseCopyOf(s.xTest)
	nan.Set(3, 2, math.NaN())
	if _, _, err := c.PredictBatch(context.Background(), nan); err == nil {
		t.Error("PredictBatch(NaN) succeeded; want an error")
	}
}

func floatsEqual(a, b []float64) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}

func TestPredictDoesNotAllocate(t *testing.T) {
	s := loadSplit(t, "wine")
	c := train(t, s.xTrain, s.yTrain, forest.DefaultConfig())
	row := s.xTest.RawRowView(0)
	p := make([]float64, len(c.Classes()))
	if a := testing.AllocsPerRun(100, func() { c.PredictProba(p, row) }); a != 0 {
		t.Errorf("PredictProba allocates %v times per call", a)
	}
	if a := testing.AllocsPerRun(100, func() { c.Predict(row) }); a != 0 {
		t.Errorf("Predict allocates %v times per call", a)
	}
}

func TestPredictProbaPanics(t *testing.T) {
	s := loadSplit(t, "iris")
	c := train(t, s.xTrain, s.yTrain, forest.Config{NEstimators: 2})
	for name, f := range map[string]func(){
		"short row": func() { c.PredictProba(make([]float64, 3), []float64{1}) },
		"short dst": func() { c.PredictProba(make([]float64, 2), make([]float64, 4)) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		})
	}
}

func nan() float64 { return math.NaN() }

// TestPredictSpecialValues: values compare as float32 (x <= threshold goes left), NaN goes
// right, infinities go to their side, and −0 equals +0.
func TestPredictSpecialValues(t *testing.T) {
	x := col(-2, -1, 1, 2) // split at 0
	c := train(t, x, []int{0, 0, 1, 1}, forest.Config{NEstimators: 1, NoBootstrap: true})
	tests := []struct {
		v    float64
		want int
	}{
		{math.NaN(), 1},
		{math.Inf(1), 1},
		{math.Inf(-1), 0},
		{0, 0},
		{math.Copysign(0, -1), 0},
		{1e-46, 0}, // rounds to float32 +0, which is <= the threshold 0
		{1e-44, 1}, // a float32 subnormal above 0
		{-1e300, 0},
		{1e300, 1}, // +Inf as float32
	}
	for _, tt := range tests {
		if got := c.Predict([]float64{tt.v}); got != tt.want {
			t.Errorf("Predict(%v) = %d; want %d", tt.v, got, tt.want)
		}
	}
}

func col(v ...float64) *mat.Dense { return mat.NewDense(len(v), 1, v) }
