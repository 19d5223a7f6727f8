package hdbscan

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/storeseg/storeseg/model/internal/npz"
)

// nearestRef is the prediction neighbour search as first written (and as hdbscan's
// _find_neighbor_and_lambda reads): the k nearest rows fully sorted by (distance, row) with
// kdTree.knnQuery, then a scan in that order keeping the first smallest mutual reachability.
// Predictor.nearest must agree with it bit for bit. far reports that no row among the
// MinSamples+1 nearest has a core distance within the point's (nearest's slow path).
func (p *Predictor) nearestRef(x []float64) (row int32, lambda, minRd float64, far bool) {
	nb := make([]neighbor, min(2*p.minSamples, p.tree.n))
	p.tree.knnQuery(x, nb, make([]float64, p.tree.d))
	m := min(p.minSamples, len(nb)-1)
	corePt := math.Sqrt(nb[m].rd)
	far = true
	for _, q := range nb[:m+1] {
		far = far && p.core[q.row] > corePt
	}
	best := math.Inf(1)
	for _, q := range nb {
		mr := max(p.core[q.row], corePt, math.Sqrt(q.rd))
		if mr < best {
			best, row = mr, q.row
		}
	}
	lambda = math.MaxFloat64
	if best > 0 {
		lambda = 1 / best
	}
	return row, lambda, nb[0].rd, far
}

// predictCase is a fitted model and the points to predict with it.
type predictCase struct {
	name   string
	p      *Predictor
	points [][]float64
}

// predictCases fits every golden fixture (testdata/case_*.npz, see golden_test.go) and a
// larger model with the stream's default min_samples (25, so k = 50), and lists as points
// the fixture's test points, every training row (exact duplicates: distance 0), training rows
// moved a little, and uniform points around the data.
func predictCases(t *testing.T) []predictCase {
	t.Helper()
	casesOnce.Do(func() { cachedCases = buildPredictCases(t) })
	if cachedCases == nil {
		t.Fatal("building the prediction cases failed in an earlier test")
	}
	return cachedCases
}

var (
	casesOnce   sync.Once
	cachedCases []predictCase
)

func buildPredictCases(t *testing.T) []predictCase {
	t.Helper()
	paths, err := filepath.Glob("testdata/case_*.npz")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	rng := rand.New(rand.NewPCG(3, 14))
	var cases []predictCase
	for _, path := range paths {
		x, cfg, test := loadCase(t, path)
		cases = append(cases, fitCase(t, filepath.Base(path), x, cfg, append(test, jitter(rng, x, 300)...)))
	}
	n, d := 1500, 4
	x := mat.NewDense(n, d, nil)
	for i := range n {
		c := float64(i % 5)
		for j := range d {
			x.Set(i, j, 3*c*float64(j%2)+rng.NormFloat64()*(0.3+0.2*c))
		}
	}
	cases = append(cases, fitCase(t, "blobs_min_samples_25", x, Config{MinClusterSize: 40, MinSamples: 25}, jitter(rng, x, 600)))
	return cases
}

func loadCase(t *testing.T, path string) (*mat.Dense, Config, [][]float64) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := npz.NewReader(b)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var meta map[string]json.RawMessage // golden_test.go reads every field
	if err := r.JSON("meta", &meta); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var params struct {
		MinClusterSize int  `json:"min_cluster_size"`
		MinSamples     *int `json:"min_samples"`
	}
	if err := json.Unmarshal(meta["params"], &params); err != nil {
		t.Fatalf("%s: params: %v", path, err)
	}
	cfg := Config{MinClusterSize: params.MinClusterSize}
	if params.MinSamples != nil {
		cfg.MinSamples = *params.MinSamples
	}
	v, shape, err := r.Float64s("x")
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	x := mat.NewDense(shape[0], shape[1], v)
	var test [][]float64
	if r.Has("x_test") {
		tv, ts, err := r.Float64s("x_test")
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for i := range ts[0] {
			test = append(test, tv[i*ts[1]:(i+1)*ts[1]])
		}
	}
	return x, cfg, test
}

func fitCase(t *testing.T, name string, x *mat.Dense, cfg Config, points [][]float64) predictCase {
	t.Helper()
	res, err := Cluster(context.Background(), x, cfg)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	n, _ := x.Dims()
	for i := range n {
		points = append(points, x.RawRowView(i))
	}
	return predictCase{name: name, p: res.PredictionData(), points: points}
}

// jitter returns m training rows moved by a little noise and m uniform points over the data's
// range widened by a half.
func jitter(rng *rand.Rand, x *mat.Dense, m int) [][]float64 {
	n, d := x.Dims()
	lo, hi := make([]float64, d), make([]float64, d)
	for j := range d {
		col := mat.Col(nil, j, x)
		lo[j], hi[j] = col[0], col[0]
		for _, v := range col {
			lo[j], hi[j] = min(lo[j], v), max(hi[j], v)
		}
	}
	out := make([][]float64, 0, 2*m)
	for range m {
		pt := append([]float64(nil), x.RawRowView(rng.IntN(n))...)
		for j := range pt {
			pt[j] += 0.05 * (hi[j] - lo[j] + 1) * rng.NormFloat64()
		}
		u := make([]float64, d)
		for j := range u {
			w := hi[j] - lo[j] + 1
			u[j] = lo[j] - w/4 + rng.Float64()*1.5*w
		}
		out = append(out, pt, u)
	}
	return out
}

func sameFloat(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || (math.IsNaN(a) && math.IsNaN(b))
}

// TestNearestMatchesReference checks the prediction neighbour search against the fully
// sorted one, bit for bit, on points that take both of its paths.
func TestNearestMatchesReference(t *testing.T) {
	var paths [2]int
	defer func() {
		t.Logf("points taking the short path: %d, the full search: %d", paths[0], paths[1])
		if !t.Failed() && (paths[0] == 0 || paths[1] == 0) {
			t.Errorf("points taking the short path %d, the full search %d; want both", paths[0], paths[1])
		}
	}()
	for _, c := range predictCases(t) {
		t.Run(c.name, func(t *testing.T) {
			if !c.p.hasTree {
				t.Skip("no cluster below the root: no neighbour query")
			}
			s := c.p.scratch.Get().(*predScratch)
			defer c.p.scratch.Put(s)
			for _, pt := range c.points {
				row, lambda, minRd := c.p.nearest(pt, s)
				wr, wl, wm, far := c.p.nearestRef(pt)
				if far {
					paths[1]++
				} else {
					paths[0]++
				}
				if row != wr || !sameFloat(lambda, wl) || !sameFloat(minRd, wm) {
					t.Fatalf("nearest(%v) = %d, %v, %v; want %d, %v, %v", pt, row, lambda, minRd, wr, wl, wm)
				}
			}
		})
	}
}

// TestPredictMatchesSeparateCalls checks that Predict returns exactly what ApproximatePredict
// and OutlierScore return, on every fixture, for fitted rows, moved rows, far points and
// non-finite points.
func TestPredictMatchesSeparateCalls(t *testing.T) {
	for _, c := range predictCases(t) {
		t.Run(c.name, func(t *testing.T) {
			bad := make([]float64, c.p.Dims())
			bad[0] = math.NaN()
			for _, pt := range append(c.points, bad) {
				label, prob, score := c.p.Predict(pt)
				wl, wp := c.p.ApproximatePredict(pt)
				ws := c.p.OutlierScore(pt)
				if label != wl || !sameFloat(prob, wp) || !sameFloat(score, ws) {
					t.Fatalf("Predict(%v) = %d, %v, %v; want %d, %v, %v", pt, label, prob, score, wl, wp, ws)
				}
			}
		})
	}
}

// TestPredictNoCluster covers a model with no cluster below the root.
func TestPredictNoCluster(t *testing.T) {
	x := mat.NewDense(30, 2, nil)
	for i := range 30 {
		x.Set(i, 0, float64(i*i))
		x.Set(i, 1, float64(i%3))
	}
	res, err := Cluster(context.Background(), x, Config{MinClusterSize: 29})
	if err != nil {
		t.Fatal(err)
	}
	p := res.PredictionData()
	if p.hasTree {
		t.Skip("the fit found a cluster; this case needs none")
	}
	if l, pr, s := p.Predict([]float64{1, 1}); l != -1 || pr != 0 || s != 1 {
		t.Errorf("Predict = %d, %v, %v; want -1, 0, 1", l, pr, s)
	}
}

func TestPredictAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	c := predictCases(t)[0]
	pt := c.points[0]
	c.p.Predict(pt) // warm the scratch pool
	if n := testing.AllocsPerRun(100, func() { c.p.Predict(pt) }); n != 0 {
		t.Errorf("Predict allocates %v times per call; want 0", n)
	}
}
