package hdbscan_test

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"gonum.org/v1/gonum/mat"

	"github.com/storeseg/storeseg/model/hdbscan"
)

// brutePrim is hdbscan's mst_linkage_core_vector (O(n²) Prim's from row 0, lowest row on
// ties, the source being the first tree row to reach a row's current distance) with its core
// distances computed by brute force the way scikit-learn's KDTree.query does.
func brutePrim(x *mat.Dense, minSamples int, alpha float64) (core []float64, mst []hdbscan.Edge) {
	n, _ := x.Dims()
	dist := func(a, b int) float64 {
		ra, rb := x.RawRowView(a), x.RawRowView(b)
		var s float64
		for j := range ra {
			t := ra[j] - rb[j]
			s += t * t
		}
		return math.Sqrt(s)
	}
	core = make([]float64, n)
	row := make([]float64, n)
	for i := range n {
		for j := range n {
			row[j] = dist(i, j)
		}
		slices.Sort(row)
		core[i] = row[min(minSamples, n-1)]
	}
	inTree := make([]bool, n)
	cur := make([]float64, n)
	src := make([]int, n)
	for j := range cur {
		cur[j], src[j] = math.Inf(1), 1
	}
	node := 0
	for range n - 1 {
		inTree[node] = true
		best, bestNode, bestSrc := math.MaxFloat64, 0, 0
		for j := range n {
			if inTree[j] {
				continue
			}
			d := dist(node, j)
			if alpha != 1 {
				d /= alpha
			}
			if mr := max(d, core[j], core[node]); mr < cur[j] {
				cur[j], src[j] = mr, node
			}
			if cur[j] < best {
				best, bestNode, bestSrc = cur[j], j, src[j]
			}
		}
		mst = append(mst, hdbscan.Edge{A: int32(bestSrc), B: int32(bestNode), Weight: best})
		node = bestNode
	}
	return core, mst
}

// TestSpanningTreeIsPrims checks the spanning tree edge for edge (and therefore its total
// weight) against brute-force Prim's, including data with duplicate rows, where mutual
// reachability ties abound.
func TestSpanningTreeIsPrims(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	base := archetypes(rng, 450, 3, 4)
	dups := withDuplicates(rng, base, 2, 2, 3, 5, 9, 30)
	tests := []struct {
		name string
		x    *mat.Dense
		cfg  hdbscan.Config
	}{
		{"blobs", base, hdbscan.Config{MinClusterSize: 10}},
		{"min samples 1", base, hdbscan.Config{MinClusterSize: 5, MinSamples: 1}},
		{"duplicates", dups, hdbscan.Config{MinClusterSize: 8, MinSamples: 4}},
		{"alpha below 1", dups, hdbscan.Config{MinClusterSize: 8, Alpha: 0.6}},
		{"alpha above 1", base, hdbscan.Config{MinClusterSize: 8, Alpha: 1.7}},
		{"uniform 6d", uniform(rng, 300, 6), hdbscan.Config{MinClusterSize: 5, MinSamples: 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := hdbscan.Cluster(context.Background(), tc.x, tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			ms := tc.cfg.MinSamples
			if ms == 0 {
				ms = tc.cfg.MinClusterSize
			}
			alpha := tc.cfg.Alpha
			if alpha == 0 {
				alpha = 1
			}
			core, mst := brutePrim(tc.x, ms, alpha)
			if diff := cmp.Diff(core, res.CoreDistances); diff != "" {
				t.Errorf("core distances (-brute +got):\n%s", diff)
			}
			if diff := cmp.Diff(mst, res.MST); diff != "" {
				t.Errorf("spanning tree (-brute Prim's +got):\n%s", diff)
			}
			var wantW, gotW float64
			for i := range mst {
				wantW += mst[i].Weight
				gotW += res.MST[i].Weight
			}
			if wantW != gotW {
				t.Errorf("total weight %v; want %v", gotW, wantW)
			}
		})
	}
}

// TestSpanningTreeWeightOnLattice checks the total weight only on integer lattice data:
// there distinct pairs share distances, a tie this package does not replay (see prim.go).
func TestSpanningTreeWeightOnLattice(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	x := mat.NewDense(400, 3, nil)
	for i := range 400 {
		for j := range 3 {
			x.Set(i, j, float64(rng.IntN(12)))
		}
	}
	res, err := hdbscan.Cluster(context.Background(), x, hdbscan.Config{MinClusterSize: 6})
	if err != nil {
		t.Fatal(err)
	}
	_, mst := brutePrim(x, 6, 1)
	var wantW, gotW float64
	for i := range mst {
		wantW += mst[i].Weight
		gotW += res.MST[i].Weight
	}
	if math.Abs(wantW-gotW) > 1e-9*wantW {
		t.Errorf("total weight %v; want %v", gotW, wantW)
	}
}

func uniform(rng *rand.Rand, n, d int) *mat.Dense {
	x := mat.NewDense(n, d, nil)
	for i := range n {
		for j := range d {
			x.Set(i, j, rng.Float64())
		}
	}
	return x
}

// TestWorkersDoNotChangeResults clusters the same data with 1 and 4 workers.
func TestWorkersDoNotChangeResults(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	n := 6000
	if testing.Short() {
		n = 1500
	}
	x := withDuplicates(rng, archetypes(rng, n, 4, 6), 3, 8, 25)
	var results []*hdbscan.Result
	for _, w := range []int{1, 4} {
		res, err := hdbscan.Cluster(context.Background(), x, hdbscan.Config{MinClusterSize: 15, MinSamples: 5, Workers: w})
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, res)
	}
	opt := cmpopts.IgnoreUnexported(hdbscan.Result{})
	if diff := cmp.Diff(results[0], results[1], opt, cmpopts.EquateNaNs()); diff != "" {
		t.Errorf("Workers 1 vs 4 (-1 +4):\n%s", diff)
	}
	if results[0].NClusters < 2 {
		t.Errorf("NClusters = %d; want a real clustering", results[0].NClusters)
	}
}

// TestStridedInput clusters a column slice of a wider matrix (rows with gaps in memory) and
// the same values stored contiguously.
func TestStridedInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 14))
	x := archetypes(rng, 800, 3, 4)
	wide := mat.NewDense(800, 5, nil)
	for i := range 800 {
		row := wide.RawRowView(i)
		copy(row[1:4], x.RawRowView(i))
		row[0], row[4] = rng.Float64(), rng.Float64()
	}
	view := wide.Slice(0, 800, 1, 4).(*mat.Dense)
	cfg := hdbscan.Config{MinClusterSize: 12}
	a, err := hdbscan.Cluster(context.Background(), view, cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := hdbscan.Cluster(context.Background(), x, cfg)
	if err != nil {
		t.Fatal(err)
	}
	opt := cmpopts.IgnoreUnexported(hdbscan.Result{})
	if diff := cmp.Diff(b, a, opt, cmpopts.EquateNaNs()); diff != "" {
		t.Errorf("strided vs contiguous (-contiguous +strided):\n%s", diff)
	}
}
