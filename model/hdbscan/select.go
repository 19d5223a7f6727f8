package hdbscan

import (
	"math"
	"slices"
)

// ctree indexes a condensed tree by cluster: cluster c (id n+c) has its row as a child
// (birth λ, size, parent) and its cluster children in row order.
type ctree struct {
	n, nc    int
	rows     []CondensedRow
	parent   []int32   // cluster → parent cluster, −1 for the root
	birth    []float64 // cluster → λ of its row (0 for the root)
	size     []int     // cluster → size of its row (0 for the root)
	children [][]int32 // cluster → child clusters in row order
	death    []float64 // cluster → max λ over its rows (hdbscan's max_lambdas)
}

func newCtree(n int, rows []CondensedRow) *ctree {
	nc := 1
	for _, r := range rows {
		nc = max(nc, r.Parent-n+1, r.Child-n+1)
	}
	t := &ctree{
		n: n, nc: nc, rows: rows,
		parent: make([]int32, nc), birth: make([]float64, nc), size: make([]int, nc),
		children: make([][]int32, nc), death: make([]float64, nc),
	}
	t.parent[0] = -1
	for _, r := range rows {
		p := r.Parent - n
		if r.Lambda > t.death[p] {
			t.death[p] = r.Lambda
		}
		if r.Child >= n {
			c := r.Child - n
			t.parent[c], t.birth[c], t.size[c] = int32(p), r.Lambda, r.Size
			t.children[p] = append(t.children[p], int32(c))
		}
	}
	return t
}

// stability is hdbscan's compute_stability: Σ over the rows of a cluster of
// (λ − λ_birth)·size, summed in row order.
func (t *ctree) stability() []float64 {
	stab := make([]float64, t.nc)
	for _, r := range t.rows {
		p := r.Parent - t.n
		stab[p] += (r.Lambda - t.birth[p]) * float64(r.Size)
	}
	return stab
}

// selection is the outcome of hdbscan's get_clusters.
type selection struct {
	clusters []int32   // selected clusters, ascending (cluster index, id − n)
	stab     []float64 // stabilities after EOM's propagation
}

// selectClusters picks the flat clustering exactly as hdbscan's get_clusters does.
func (t *ctree) selectClusters(p params) selection {
	stab := t.stability()
	inList := make([]bool, t.nc) // hdbscan's is_cluster keys: the root only if allowed
	for c := 1; c < t.nc; c++ {
		inList[c] = true
	}
	inList[0] = p.single
	sel := slices.Clone(inList)
	switch p.method {
	case EOM:
		size, eps := t.sizesAndEps(p.single)
		maxSize := p.maxSize
		if maxSize <= 0 {
			maxSize = t.n + 1
		}
		t.eom(sel, stab, size, eps, maxSize, p.epsMax)
		if p.eps != 0 && t.nc > 1 {
			var chosen []int32
			for c := t.nc - 1; c >= 0; c-- {
				if sel[c] {
					chosen = append(chosen, int32(c))
				}
			}
			var picked []int32
			if len(chosen) == 1 && chosen[0] == 0 {
				if p.single {
					picked = chosen
				}
			} else {
				picked = t.epsilonSearch(chosen, p.eps, p.single)
			}
			setSelected(sel, inList, picked)
		}
	case Leaf:
		var leaves []int32
		for c := 1; c < t.nc; c++ {
			if len(t.children[c]) == 0 {
				leaves = append(leaves, int32(c))
			}
		}
		if p.eps != 0 {
			leaves = t.epsilonSearch(leaves, p.eps, p.single)
		}
		setSelected(sel, inList, leaves)
	}
	out := selection{stab: stab}
	for c := range t.nc {
		if sel[c] {
			out.clusters = append(out.clusters, int32(c))
		}
	}
	return out
}

// sizesAndEps gives every cluster's size and birth distance 1/λ as EOM sees them: with
// AllowSingleCluster the root's size is the sum of its child clusters' and its distance the
// largest 1/λ of the tree.
func (t *ctree) sizesAndEps(single bool) (size []int, eps []float64) {
	size = slices.Clone(t.size)
	eps = make([]float64, t.nc)
	for c := 1; c < t.nc; c++ {
		eps[c] = 1 / t.birth[c]
	}
	if single {
		size[0] = 0
		for _, ch := range t.children[0] {
			size[0] += t.size[ch]
		}
		eps[0] = math.Inf(-1)
		for _, r := range t.rows {
			eps[0] = max(eps[0], 1/r.Lambda)
		}
	}
	return size, eps
}

// setSelected marks exactly the listed clusters among the candidates.
func setSelected(sel, inList []bool, picked []int32) {
	for c := range sel {
		sel[c] = false
	}
	for _, c := range picked {
		if inList[c] {
			sel[c] = true
		}
	}
}

// eom is hdbscan's excess-of-mass pass: children before parents (descending ids), a cluster
// is kept unless its children's stabilities sum (accumulated in float32, as hdbscan's
// `cdef float subtree_stability` does) strictly exceeds its own, it is larger than maxSize,
// or it was born at a distance above epsMax; otherwise it takes the children's sum. Keeping
// a cluster drops every selected cluster below it.
func (t *ctree) eom(sel []bool, stab []float64, size []int, eps []float64, maxSize int, epsMax float64) {
	// below[c] lists the selected clusters inside c's subtree, as linked lists.
	head, tail, next := make([]int32, t.nc), make([]int32, t.nc), make([]int32, t.nc)
	for c := range head {
		head[c], tail[c], next[c] = -1, -1, -1
	}
	lo := 1
	if sel[0] {
		lo = 0
	}
	for c := t.nc - 1; c >= lo; c-- {
		var sub float32
		for _, ch := range t.children[c] {
			sub = float32(float64(sub) + stab[ch])
		}
		if float64(sub) > stab[c] || size[c] > maxSize || eps[c] > epsMax {
			sel[c] = false
			stab[c] = float64(sub)
			for _, ch := range t.children[c] {
				if head[ch] < 0 {
					continue
				}
				if head[c] < 0 {
					head[c] = head[ch]
				} else {
					next[tail[c]] = head[ch]
				}
				tail[c] = tail[ch]
			}
			continue
		}
		for _, ch := range t.children[c] {
			for x := head[ch]; x >= 0; x = next[x] {
				sel[x] = false
			}
		}
		head[c], tail[c] = int32(c), int32(c)
	}
}

// epsilonSearch is hdbscan's _epsilon_search_fast over candidates in ascending id order: a
// candidate born at a distance below eps is replaced by its first ancestor born above eps
// (traverse_upwards), and the clusters below that ancestor are skipped.
func (t *ctree) epsilonSearch(cands []int32, eps float64, single bool) []int32 {
	cands = slices.Clone(cands)
	slices.Sort(cands)
	processed := make([]bool, t.nc)
	var out []int32
	var queue []int32
	for _, c := range cands {
		if 1/t.birth[c] >= eps {
			out = append(out, c)
			continue
		}
		if processed[c] {
			continue
		}
		up := t.traverseUpwards(c, eps, single)
		out = append(out, up)
		queue = append(queue[:0], up)
		for i := 0; i < len(queue); i++ {
			if queue[i] != up {
				processed[queue[i]] = true
			}
			queue = append(queue, t.children[queue[i]]...)
		}
	}
	return out
}

func (t *ctree) traverseUpwards(c int32, eps float64, single bool) int32 {
	for {
		p := t.parent[c]
		if p == 0 {
			if single {
				return 0
			}
			return c
		}
		if 1/t.birth[p] > eps {
			return p
		}
		c = p
	}
}
