package hdbscan_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/storeseg/storeseg/model/hdbscan"
	"github.com/storeseg/storeseg/model/internal/npz"
)

// Fixtures: testdata/case_*.npz, computed with Python hdbscan 0.8.44 (scikit-learn 1.9.1,
// numpy 2.4.6) by testdata/gen_hdbscan.py, which documents the reference (hdbscan's Prim's
// pipeline with a stable edge sort) and the tolerances used here.
const (
	relTol = 1e-12 // core distances, λ, spanning-tree weights
	absTol = 1e-9  // probabilities, outlier scores, persistence, predictions
)

type fixtureMeta struct {
	Case                    string             `json:"case"`
	Generator               string             `json:"generator"`
	Seed                    int                `json:"seed"`
	PredictionComparable    bool               `json:"prediction_comparable"`
	StockLabelsAgree        bool               `json:"stock_labels_agree"`
	StockCondensedAgrees    bool               `json:"stock_condensed_agrees"`
	StockProbabilitiesAgree bool               `json:"stock_probabilities_agree"`
	Tolerance               map[string]float64 `json:"tolerance"`
	Versions                map[string]string  `json:"versions"`
	Params                  struct {
		MinClusterSize     int      `json:"min_cluster_size"`
		MinSamples         *int     `json:"min_samples"`
		Alpha              float64  `json:"alpha"`
		Method             string   `json:"cluster_selection_method"`
		Epsilon            float64  `json:"cluster_selection_epsilon"`
		EpsilonMax         *float64 `json:"cluster_selection_epsilon_max"`
		AllowSingleCluster bool     `json:"allow_single_cluster"`
		MaxClusterSize     int      `json:"max_cluster_size"`
	} `json:"params"`
}

type fixture struct {
	meta fixtureMeta
	r    *npz.Reader
	t    *testing.T
}

func (f *fixture) f64(name string) ([]float64, []int) {
	f.t.Helper()
	v, shape, err := f.r.Float64s(name)
	if err != nil {
		f.t.Fatal(err)
	}
	return v, shape
}

func (f *fixture) ints(name string) []int {
	f.t.Helper()
	v, _, err := f.r.Int64s(name)
	if err != nil {
		f.t.Fatal(err)
	}
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = int(x)
	}
	return out
}

func (f *fixture) matrix(name string) *mat.Dense {
	v, shape := f.f64(name)
	return mat.NewDense(shape[0], shape[1], v)
}

func (f *fixture) config() hdbscan.Config {
	p := f.meta.Params
	cfg := hdbscan.Config{
		MinClusterSize: p.MinClusterSize, Alpha: p.Alpha, Epsilon: p.Epsilon,
		AllowSingleCluster: p.AllowSingleCluster, MaxClusterSize: p.MaxClusterSize, Workers: 3,
	}
	if p.MinSamples != nil {
		cfg.MinSamples = *p.MinSamples
	}
	if p.EpsilonMax != nil {
		cfg.EpsilonMax = *p.EpsilonMax
	}
	if p.Method == "leaf" {
		cfg.Method = hdbscan.Leaf
	}
	return cfg
}

func loadFixtures(t *testing.T) []*fixture {
	t.Helper()
	paths, err := filepath.Glob("testdata/case_*.npz")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	var out []*fixture
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		r, err := npz.NewReader(b)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		f := &fixture{r: r, t: t}
		if err := r.JSON("meta", &f.meta); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if f.meta.Versions["hdbscan"] != "0.8.44" {
			t.Fatalf("%s: made with hdbscan %s", p, f.meta.Versions["hdbscan"])
		}
		out = append(out, f)
	}
	return out
}

func TestGolden(t *testing.T) {
	for _, f := range loadFixtures(t) {
		t.Run(f.meta.Case, func(t *testing.T) {
			f.t = t
			res, err := hdbscan.Cluster(context.Background(), f.matrix("x"), f.config())
			if err != nil {
				t.Fatal(err)
			}
			checkFit(t, f, res)
			if f.meta.PredictionComparable && f.r.Has("pred_labels") {
				checkPrediction(t, f, res)
			}
		})
	}
}

func checkFit(t *testing.T, f *fixture, res *hdbscan.Result) {
	core, _ := f.f64("ref_core")
	floatsClose(t, "core distance", res.CoreDistances, core, relTol, 0)

	mst, _ := f.f64("ref_mst")
	if len(res.MST) != len(mst)/3 {
		t.Fatalf("MST has %d edges; want %d", len(res.MST), len(mst)/3)
	}
	for i, e := range res.MST {
		a, b, w := int32(mst[3*i]), int32(mst[3*i+1]), mst[3*i+2]
		if e.A != a || e.B != b || !near(e.Weight, w, relTol, 0) {
			t.Fatalf("MST edge %d = %+v; want {%d %d %v}", i, e, a, b, w)
		}
	}

	parent, child, size := f.ints("ref_ct_parent"), f.ints("ref_ct_child"), f.ints("ref_ct_size")
	lambda, _ := f.f64("ref_ct_lambda")
	if len(res.Condensed) != len(parent) {
		t.Fatalf("condensed tree has %d rows; want %d", len(res.Condensed), len(parent))
	}
	for i, r := range res.Condensed {
		if r.Parent != parent[i] || r.Child != child[i] || r.Size != size[i] || !near(r.Lambda, lambda[i], relTol, 0) {
			t.Fatalf("condensed row %d = %+v; want {%d %d %v %d}", i, r, parent[i], child[i], lambda[i], size[i])
		}
	}

	labels := f.ints("ref_labels")
	intsEqual(t, "label", res.Labels, labels)
	intsEqual(t, "label vs stock prims_kdtree", res.Labels, f.ints("prims_labels"))
	if f.meta.Params.Alpha == 1 {
		samePartition(t, res.Labels, f.ints("exact_labels"))
	}
	wantK := 0
	for _, l := range labels {
		wantK = max(wantK, l+1)
	}
	if res.NClusters != wantK {
		t.Errorf("NClusters = %d; want %d", res.NClusters, wantK)
	}
	prob, _ := f.f64("ref_probabilities")
	floatsClose(t, "probability", res.Probabilities, prob, 0, absTol)
	score, _ := f.f64("ref_outlier_scores")
	floatsClose(t, "outlier score", res.OutlierScores, score, 0, absTol)
	pers, _ := f.f64("ref_persistence")
	if wantK == 0 {
		pers = nil // a selected root without points is no cluster (see Result.NClusters)
	}
	floatsClose(t, "persistence", res.Persistence, pers, 0, absTol)
}

func checkPrediction(t *testing.T, f *fixture, res *hdbscan.Result) {
	xt := f.matrix("x_test")
	labels := f.ints("pred_labels")
	prob, _ := f.f64("pred_probabilities")
	score, _ := f.f64("pred_scores")
	p := res.PredictionData()
	gotL, gotP, gotS := make([]int, len(labels)), make([]float64, len(labels)), make([]float64, len(labels))
	for i := range labels {
		gotL[i], gotP[i] = p.ApproximatePredict(xt.RawRowView(i))
		gotS[i] = p.OutlierScore(xt.RawRowView(i))
	}
	intsEqual(t, "predicted label", gotL, labels)
	floatsClose(t, "predicted probability", gotP, prob, 0, absTol)
	floatsClose(t, "predicted outlier score", gotS, score, 0, absTol)

	counts := f.ints("exemplar_counts")
	ex, _ := f.f64("exemplars")
	x := f.matrix("x")
	if len(res.Exemplars) != len(counts) {
		t.Fatalf("%d exemplar lists; want %d", len(res.Exemplars), len(counts))
	}
	d := x.RawMatrix().Cols
	k := 0
	for c, rows := range res.Exemplars {
		if len(rows) != counts[c] {
			t.Fatalf("cluster %d has %d exemplars; want %d", c, len(rows), counts[c])
		}
		for _, r := range rows {
			if got, want := x.RawRowView(r), ex[k*d:(k+1)*d]; !floatsEqual(got, want) {
				t.Fatalf("cluster %d exemplar %d is row %d = %v; want %v", c, k, r, got, want)
			}
			k++
		}
	}
}

func near(got, want, rel, abs float64) bool {
	if math.IsNaN(want) || math.IsInf(want, 0) {
		return got == want || (math.IsNaN(got) && math.IsNaN(want))
	}
	return math.Abs(got-want) <= abs+rel*math.Abs(want)
}

func floatsClose(t *testing.T, what string, got, want []float64, rel, abs float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d %ss; want %d", len(got), what, len(want))
	}
	bad := 0
	for i := range got {
		if !near(got[i], want[i], rel, abs) {
			if bad < 5 {
				t.Errorf("%s[%d] = %v; want %v", what, i, got[i], want[i])
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d %ss differ", bad, len(got), what)
	}
}

func floatsEqual(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func intsEqual(t *testing.T, what string, got, want []int) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d %ss; want %d", len(got), what, len(want))
	}
	var diff []string
	for i := range got {
		if got[i] != want[i] && len(diff) < 5 {
			diff = append(diff, fmt.Sprintf("row %d: %d want %d", i, got[i], want[i]))
		}
	}
	if len(diff) > 0 {
		t.Errorf("%ss differ: %s", what, strings.Join(diff, "; "))
	}
}

// samePartition checks that two labellings are equal up to renaming clusters, with the same
// noise (adjusted Rand index 1).
func samePartition(t *testing.T, got, want []int) {
	t.Helper()
	fwd, back := map[int]int{}, map[int]int{}
	for i := range got {
		g, w := got[i], want[i]
		if (g < 0) != (w < 0) {
			t.Fatalf("row %d: label %d, stock exact label %d: noise differs", i, g, w)
		}
		if g < 0 {
			continue
		}
		if m, ok := fwd[g]; ok && m != w {
			t.Fatalf("row %d: cluster %d maps to stock clusters %d and %d", i, g, m, w)
		}
		if m, ok := back[w]; ok && m != g {
			t.Fatalf("row %d: stock cluster %d maps to clusters %d and %d", i, w, m, g)
		}
		fwd[g], back[w] = w, g
	}
}
