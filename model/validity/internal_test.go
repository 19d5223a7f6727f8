package validity

import (
	"math"
	"math/rand/v2"
	"testing"
)

// naiveCore is the reference formula (Σ_{D≠0} D^−d / (m−1))^(−1/d), evaluated directly.
func naiveCore(pts []float64, d, i int) float64 {
	m := len(pts) / d
	var s float64
	for j := range m {
		if dist := math.Sqrt(sqDist(pts[i*d:i*d+d], pts[j*d:])); dist != 0 {
			s += math.Pow(1/dist, float64(d))
		}
	}
	return math.Pow(s/float64(m-1), -1/float64(d))
}

// logCore evaluates the same formula in log space with a log-sum-exp, valid for any d.
func logCore(pts []float64, d, i int) float64 {
	m := len(pts) / d
	var logs []float64
	for j := range m {
		if dist := math.Sqrt(sqDist(pts[i*d:i*d+d], pts[j*d:])); dist != 0 {
			logs = append(logs, -float64(d)*math.Log(dist))
		}
	}
	hi := math.Inf(-1)
	for _, l := range logs {
		hi = max(hi, l)
	}
	var s float64
	for _, l := range logs {
		s += math.Exp(l - hi)
	}
	return math.Exp(-(hi + math.Log(s) - math.Log(float64(m-1))) / float64(d))
}

func randomPts(rng *rand.Rand, m, d int, scale float64) []float64 {
	pts := make([]float64, m*d)
	for i := range pts {
		pts[i] = scale * rng.NormFloat64()
	}
	return pts
}

func TestCoreDistanceMatchesFormula(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	tests := []struct {
		name  string
		m, d  int
		scale float64
		ref   func([]float64, int, int) float64
		tol   float64
	}{
		{"2d direct", 50, 2, 1, naiveCore, 1e-13},
		{"7d direct", 40, 7, 0.3, naiveCore, 1e-13},
		// (1/D)^300 overflows for D < 0.094 and underflows for D > 10.6: the direct formula
		// gives 0 or +Inf, the log-space one and coreDistance the true value.
		{"300d tiny distances", 30, 300, 1e-4, logCore, 1e-11},
		{"300d huge distances", 30, 300, 1e4, logCore, 1e-11},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pts := randomPts(rng, tt.m, tt.d, tt.scale)
			got := coreDistances(pts, tt.d, 3)
			for i, g := range got {
				want := tt.ref(pts, tt.d, i)
				if math.IsNaN(g) || math.IsInf(g, 0) || math.Abs(g-want) > tt.tol*want {
					t.Fatalf("acore[%d] = %.17g; want %.17g", i, g, want)
				}
			}
		})
	}
}

func TestCoreDistanceDuplicates(t *testing.T) {
	// Three coincident points and one other: zero distances are skipped but counted in m−1.
	pts := []float64{0, 0, 0, 0, 0, 0, 3, 4}
	got := coreDistances(pts, 2, 1)
	// Point 0: Σ = 1/25 over m−1 = 3 → (1/75)^(−1/2) = √75.
	// Point 3: Σ = 3/25 → (1/25)^(−1/2) = 5.
	want := []float64{math.Sqrt(75), math.Sqrt(75), math.Sqrt(75), 5}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-14*want[i] {
			t.Errorf("acore[%d] = %v; want %v", i, got[i], want[i])
		}
	}
	if all := coreDistances([]float64{1, 1, 1, 1}, 2, 1); all[0] != 0 || all[1] != 0 {
		t.Errorf("acore of coincident points = %v; want zeros", all)
	}
}

func TestPrimParallelScanIsIdentical(t *testing.T) {
	defer func(v int) { primParallelMin = v }(primParallelMin)
	primParallelMin = 64
	rng := rand.New(rand.NewPCG(2, 2))
	for _, d := range []int{2, 5} {
		pts := randomPts(rng, 700, d, 1)
		// Round coordinates so that ties occur and the lowest-index rule matters.
		for i := range pts {
			pts[i] = math.Round(pts[i] * 4)
		}
		acore := coreDistances(pts, d, 1)
		o1, w1 := primOrder(pts, acore, d, 1)
		o4, w4 := primOrder(pts, acore, d, 4)
		for k := range o1 {
			if o1[k] != o4[k] || math.Float64bits(w1[k]) != math.Float64bits(w4[k]) {
				t.Fatalf("d=%d step %d: 4 workers add %d at %v; 1 worker %d at %v", d, k, o4[k], w4[k], o1[k], w1[k])
			}
		}
		checkPrimIsMST(t, pts, acore, d, o1, w1)
	}
}

// checkPrimIsMST compares the total weight with an O(m²) textbook Prim on the explicit
// mutual reachability matrix and checks that every step took the lowest-index minimum.
func checkPrimIsMST(t *testing.T, pts, acore []float64, d int, order []int32, weight []float64) {
	t.Helper()
	m := len(acore)
	mr := func(i, j int) float64 {
		return max(math.Sqrt(sqDist(pts[i*d:i*d+d], pts[j*d:])), acore[i], acore[j])
	}
	in := make([]bool, m)
	cur := make([]float64, m)
	for j := range cur {
		cur[j] = math.MaxFloat64
	}
	v := 0
	for k := 1; k < m; k++ {
		in[v] = true
		best, bj := math.MaxFloat64, -1
		for j := range m {
			if in[j] {
				continue
			}
			cur[j] = min(cur[j], mr(v, j))
			if cur[j] < best {
				best, bj = cur[j], j
			}
		}
		if int(order[k]) != bj || weight[k] != best {
			t.Fatalf("step %d: got vertex %d at %v; textbook Prim %d at %v", k, order[k], weight[k], bj, best)
		}
		v = bj
	}
}

func TestSeparationsMatchBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for trial := range 20 {
		d := 1 + trial%6
		k := 2 + trial%5
		p := &packed{d: d, scale: 1, unscale: 1}
		var acores [][]float64
		var trees []clusterTree
		for c := range k {
			m := 2 + rng.IntN(150)
			pts := randomPts(rng, m, d, 1)
			off := rng.NormFloat64() * 2
			for i := range pts {
				pts[i] += off
				if trial%3 == 0 {
					pts[i] = math.Round(pts[i] * 8) // duplicates and ties
				}
			}
			p.groups = append(p.groups, group{label: c, rows: make([]int, m), pts: pts})
			ac := make([]float64, m)
			for i := range ac {
				ac[i] = rng.Float64() * 0.5
			}
			acores = append(acores, ac)
			var internal []int32
			for i := range m {
				if rng.IntN(4) > 0 || i == 0 {
					internal = append(internal, int32(i))
				}
			}
			trees = append(trees, clusterTree{internal: internal})
		}
		got := separations(p, acores, trees, 1+trial%4)
		for a := range k {
			want := math.Inf(1)
			for b := range k {
				if b == a {
					continue
				}
				for _, i := range trees[a].internal {
					for _, j := range trees[b].internal {
						x, y := p.groups[a].pts[int(i)*d:int(i)*d+d], p.groups[b].pts[int(j)*d:]
						want = min(want, max(math.Sqrt(sqDist(x, y)), acores[a][i], acores[b][j]))
					}
				}
			}
			if math.Float64bits(got[a]) != math.Float64bits(want) {
				t.Fatalf("trial %d cluster %d: separation %v; brute force %v", trial, a, got[a], want)
			}
		}
	}
}

func TestSelectNth(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for trial := range 50 {
		n := 1 + rng.IntN(200)
		keys := make([]float64, n)
		for i := range keys {
			keys[i] = float64(rng.IntN(1 + trial)) // many equal keys in early trials
		}
		perm := make([]int32, n)
		for i := range perm {
			perm[i] = int32(i)
		}
		k := rng.IntN(n)
		selectNth(perm, k, func(s int32) float64 { return keys[s] })
		for i, s := range perm {
			if (i < k && keys[s] > keys[perm[k]]) || (i > k && keys[s] < keys[perm[k]]) {
				t.Fatalf("trial %d: perm not partitioned around position %d", trial, k)
			}
		}
	}
}

func TestCoreDistancePathsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for _, d := range []int{1, 2, 3, 6, 9} {
		pts := randomPts(rng, 600, d, 1)
		buf := make([]float64, 600)
		fast := coreDistances(pts, d, 3)
		for i := range 600 {
			if scaled := scaledCore(pts, d, i, buf); math.Abs(fast[i]-scaled) > 1e-13*scaled {
				t.Fatalf("d=%d acore[%d]: pair sums %.17g, scaled %.17g", d, i, fast[i], scaled)
			}
		}
	}
}

func TestSymPairSums(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	for _, tc := range []struct{ n, d, k int }{{1, 2, 1}, {5, 1, 2}, {33, 3, 1}, {200, 2, 3}, {777, 4, 6}, {1500, 5, 9}} {
		pts := randomPts(rng, tc.n, tc.d, 1)
		start := []int{0}
		for g := 1; g < tc.k; g++ {
			start = append(start, start[g-1]+rng.IntN(tc.n-start[g-1]-(tc.k-g)+1))
		}
		start = append(start, tc.n)
		want := make([]float64, tc.n*tc.k)
		for g := range tc.k {
			for i := range tc.n {
				for j := start[g]; j < start[g+1]; j++ {
					if j != i {
						want[i*tc.k+g] += math.Sqrt(sqDist(pts[i*tc.d:i*tc.d+tc.d], pts[j*tc.d:]))
					}
				}
			}
		}
		one := symPairSums(pts, tc.d, start, distKernel, 1)
		for _, w := range []int{2, 3, 8} {
			got := symPairSums(pts, tc.d, start, distKernel, w)
			for i := range got {
				if math.Float64bits(got[i]) != math.Float64bits(one[i]) {
					t.Fatalf("n=%d: %d workers give sums[%d] = %v; 1 worker %v", tc.n, w, i, got[i], one[i])
				}
			}
		}
		for i := range want {
			if math.Abs(one[i]-want[i]) > 1e-12*max(1, want[i]) {
				t.Fatalf("n=%d k=%d: sums[%d] = %.17g; brute force %.17g", tc.n, tc.k, i, one[i], want[i])
			}
		}
	}
}

func TestSilhouettePathsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	const n, d, k = 500, 3, 4
	pts := randomPts(rng, n, d, 1)
	start := []int{0, 40, 200, 201, n} // includes a singleton
	rowOf, own := make([]int, n), make([]int, n)
	for c := range k {
		for i := start[c]; i < start[c+1]; i++ {
			rowOf[i], own[i] = i, c
		}
	}
	sym := make([]float64, n)
	sums := symPairSums(pts, d, start, distKernel, 2)
	for i := range n {
		sym[i] = silhouetteOf(sums[i*k:(i+1)*k], start, own[i])
	}
	rows := make([]float64, n)
	rowWise(rows, pts, d, start, rowOf, own, 3)
	for i := range n {
		if math.Abs(sym[i]-rows[i]) > 1e-13 {
			t.Fatalf("s(%d): pair sums %.17g, row-wise %.17g", i, sym[i], rows[i])
		}
	}
	if sym[200] != 0 || rows[200] != 0 {
		t.Errorf("singleton s = %v, %v; want 0", sym[200], rows[200])
	}
}
