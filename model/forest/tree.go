package forest

import (
	"math"
	"math/rand/v2"
	"slices"
)

// leafFeature marks a leaf in node.feature.
const leafFeature = -1

// epsilon is scikit-learn's EPSILON (tree/_tree.pyx): a node whose impurity is at most this
// is pure and becomes a leaf.
const epsilon = 0x1p-52

// node is one tree node. Internal nodes hold their split and the indices of their
// children. In the builder's output a leaf has feature leafFeature and holds the range of
// its class entries (only classes with a non-zero fraction are stored) in left and right;
// in a Classifier a leaf is a self-loop (see leafNode).
type node struct {
	thr     float32 // a row goes left iff float32(x[feature]) <= thr
	feature int32   // split feature, or leafFeature
	left    int32   // left child, or the first class entry of a builder leaf
	right   int32   // right child, or one past the last class entry of a builder leaf
}

// tree is one trained tree with tree-local indices, before it joins the forest.
type tree struct {
	nodes      []node
	vclass     []int32   // class index of every distribution entry
	vprob      []float64 // weighted class fraction of every distribution entry
	importance []float64 // normalised impurity decrease per feature; nil for a single leaf
	inbag      []uint64  // bitset of the samples in the bootstrap sample (OOB only)
}

// record is a node waiting on the builder's stack: samples[start:end] reach it.
type record struct {
	start, end int
	depth      int
	parent     int
	isLeft     bool
	nConst     int // features known to be constant in this node (a prefix of features)
}

// split is the best split found so far in a node.
type split struct {
	feature int
	pos     int // samples[start:pos] go left
	thr     float32
	rank    uint32  // largest rank of feature that goes left
	next    uint32  // smallest rank of feature that goes right
	proxy   float64 // the proxy improvement plus the node's weight (see scan)
}

// builder grows trees; it owns scratch space sized once for the data set and reused for
// every tree and node, so growing a tree allocates only its output.
type builder struct {
	ds *dataset
	p  params

	w        []float64  // sample weight in the current tree: bootstrap count or class weight
	samples  []int32    // in-bag samples in index order within every node's range
	yw       []weighted // class and weight of samples[i], filled per node
	right    []int32    // partition scratch
	keys     []uint64   // sort keys of the node being split
	tmp      []uint64   // radix scratch
	features []int      // feature order for sampling without replacement (scikit-learn's)
	constant []int      // features found constant along the current path
	sumTotal []float64  // weighted class counts of the current node
	sumLeft  []float64  // weighted class counts left of the scan position
	hist     [1 << radixBits]int32
	stack    []record
	rng      *rand.Rand

	// Per-node output and diagnostics of the current tree.
	nodes    []node
	vclass   []int32
	vprob    []float64
	impurity []float64 // Gini impurity
	weightN  []float64 // weighted number of samples
	count    []int32   // distinct samples
}

func newBuilder(ds *dataset, p params) *builder {
	return &builder{
		ds:       ds,
		p:        p,
		w:        make([]float64, ds.n),
		samples:  make([]int32, 0, ds.n),
		yw:       make([]weighted, ds.n),
		right:    make([]int32, 0, ds.n),
		keys:     make([]uint64, ds.n),
		tmp:      make([]uint64, ds.n),
		features: make([]int, ds.d),
		constant: make([]int, ds.d),
		sumTotal: make([]float64, ds.k),
		sumLeft:  make([]float64, ds.k),
	}
}

// treeRand returns tree t's generator: a PCG whose two seed words are SplitMix64 outputs
// of (seed, t), so nearby seeds and tree indices give unrelated streams.
func treeRand(seed uint64, t int) *rand.Rand {
	const golden = 0x9e3779b97f4a7c15
	a := splitMix64(seed + uint64(2*t+1)*golden)
	b := splitMix64(seed + uint64(2*t+2)*golden)
	return rand.New(rand.NewPCG(a, b))
}

func splitMix64(z uint64) uint64 {
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// build grows tree t.
func (b *builder) build(t int) *tree {
	b.rng = treeRand(b.p.seed, t)
	b.drawSample()
	return b.growTree()
}

// growTree grows a tree on the current sample weights and in-bag samples.
func (b *builder) growTree() *tree {
	for f := range b.features {
		b.features[f] = f
		b.constant[f] = 0
	}
	b.nodes, b.vclass, b.vprob = b.nodes[:0], b.vclass[:0], b.vprob[:0]
	b.impurity, b.weightN, b.count = b.impurity[:0], b.weightN[:0], b.count[:0]
	b.stack = append(b.stack[:0], record{start: 0, end: len(b.samples), parent: -1})
	for len(b.stack) > 0 {
		r := b.stack[len(b.stack)-1]
		b.stack = b.stack[:len(b.stack)-1]
		b.grow(r)
	}
	out := &tree{
		nodes:      slices.Clone(b.nodes),
		vclass:     slices.Clone(b.vclass),
		vprob:      slices.Clone(b.vprob),
		importance: b.importance(),
	}
	if b.p.oob {
		out.inbag = make([]uint64, (b.ds.n+63)/64)
		for _, s := range b.samples {
			out.inbag[s/64] |= 1 << (s % 64)
		}
	}
	return out
}

// drawSample sets the sample weights of the current tree and lists the in-bag samples in
// index order. Bootstrap counts become weights, as in scikit-learn's _parallel_build_trees.
func (b *builder) drawSample() {
	ds, w := b.ds, b.w
	clear(w)
	switch {
	case b.p.nBootstrap > 0 && ds.classWeight != nil:
		// numpy's choice(p ∝ w_{y_i}) draws class c with probability n_c·w_c/n = 1/K for
		// balanced weights, then a uniform member of it.
		for range b.p.nBootstrap {
			m := ds.members[b.rng.IntN(ds.k)]
			w[m[b.rng.IntN(len(m))]]++
		}
	case b.p.nBootstrap > 0:
		for range b.p.nBootstrap {
			w[b.rng.IntN(ds.n)]++
		}
	case ds.classWeight != nil:
		for i, c := range ds.y {
			w[i] = ds.classWeight[c]
		}
	default:
		for i := range w {
			w[i] = 1
		}
	}
	b.samples = b.samples[:0]
	for i, wi := range w {
		if wi != 0 {
			b.samples = append(b.samples, int32(i))
		}
	}
}

// grow adds the node of r, and pushes its children when it splits (left on top, so nodes
// are numbered in pre-order like scikit-learn's depth-first builder).
func (b *builder) grow(r record) {
	wn, sq := b.nodeTotals(r.start, r.end)
	imp := 1 - sq/(wn*wn)
	n := r.end - r.start
	leaf := r.depth >= b.p.maxDepth || n < b.p.minSplit || n < 2*b.p.minLeaf || imp <= epsilon
	var best split
	nConst := r.nConst
	if !leaf {
		var found bool
		best, found, nConst = b.findSplit(r.start, r.end, r.nConst, wn, sq)
		leaf = !found
	}
	id := int32(len(b.nodes))
	if r.parent >= 0 {
		if r.isLeft {
			b.nodes[r.parent].left = id
		} else {
			b.nodes[r.parent].right = id
		}
	}
	b.impurity = append(b.impurity, imp)
	b.weightN = append(b.weightN, wn)
	b.count = append(b.count, int32(n))
	if leaf {
		lo := int32(len(b.vclass))
		for c, v := range b.sumTotal {
			if v > 0 {
				b.vclass = append(b.vclass, int32(c))
				b.vprob = append(b.vprob, v/wn)
			}
		}
		b.nodes = append(b.nodes, node{feature: leafFeature, left: lo, right: int32(len(b.vclass))})
		return
	}
	b.nodes = append(b.nodes, node{thr: best.thr, feature: int32(best.feature)})
	b.stack = append(b.stack,
		record{start: best.pos, end: r.end, depth: r.depth + 1, parent: int(id), nConst: nConst},
		record{start: r.start, end: best.pos, depth: r.depth + 1, parent: int(id), isLeft: true, nConst: nConst})
}

// weighted is a sample's class and weight, gathered per node so that the split scans
// read them from a compact array.
type weighted struct {
	w     float64
	class int32
}

// nodeTotals sets sumTotal to the weighted class counts of samples[start:end], fills
// yw[start:end], and returns their total weight and the sum of squared class weights.
func (b *builder) nodeTotals(start, end int) (wn, sq float64) {
	clear(b.sumTotal)
	y, w, yw := b.ds.y, b.w, b.yw[start:end]
	for p, s := range b.samples[start:end] {
		yw[p] = weighted{w: w[s], class: y[s]}
		b.sumTotal[y[s]] += w[s]
		wn += w[s]
	}
	for _, v := range b.sumTotal {
		sq += v * v
	}
	return wn, sq
}

// importance returns the tree's mean decrease in impurity per feature, normalised to sum
// to 1 (scikit-learn's Tree.compute_feature_importances), or nil for a single leaf.
func (b *builder) importance() []float64 {
	if len(b.nodes) < 2 {
		return nil
	}
	imp := make([]float64, b.ds.d)
	for i, nd := range b.nodes {
		if nd.feature == leafFeature {
			continue
		}
		l, r := nd.left, nd.right
		imp[nd.feature] += b.weightN[i]*b.impurity[i] - b.weightN[l]*b.impurity[l] - b.weightN[r]*b.impurity[r]
	}
	var sum float64
	for f := range imp {
		imp[f] /= b.weightN[0]
		sum += imp[f]
	}
	if sum > 0 {
		for f := range imp {
			imp[f] /= sum
		}
	}
	return imp
}

// midpoint returns the float32 threshold between adjacent sorted values a < b: the
// midpoint a/2 + b/2 (scikit-learn's formula, in float64), rounded to float32, or a when
// rounding reaches b. Every float32 value v then satisfies v <= t exactly when v <= a.
func midpoint(a, b float32) float32 {
	t := float32(float64(a)/2 + float64(b)/2)
	if t == b || math.IsInf(float64(t), 0) {
		t = a
	}
	return t
}
