package forest

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/mat"
)

// walkNode is a node of a Classifier's trees. Thresholds and row values are compared as
// sort keys (see sortKey), integers whose difference decides the turn without a branch. A
// leaf is a self-loop (see leafNode).
type walkNode struct {
	key     uint32 // sortKey(threshold): a row goes left iff sortKey(x[feature]) <= key
	feature int32
	left    int32
	right   int32
}

// leafKey is the key of a leaf; no row value has a larger key.
const leafKey = math.MaxUint32

// sortKey maps a float32 to a uint32 whose unsigned order is the float order, with −0 and
// +0 one key and NaN after +Inf (so NaN goes right at every split, as x <= t is false).
func sortKey(v float32) uint32 {
	if v != v {
		return math.MaxUint32 - 1
	}
	if v == 0 {
		v = 0 // −0 → +0
	}
	return orderedBits(v)
}

// rowKeys writes the sort keys of row's float32 values into keys.
func rowKeys(keys []uint32, row []float64) {
	for j, v := range row {
		keys[j] = sortKey(float32(v))
	}
}

// step returns the child of node i that a row with the given keys goes to (i itself at a
// leaf). It selects with arithmetic rather than a branch: a walk's turns are random, so a
// branch would be mispredicted half the time.
func step(nodes []walkNode, i int32, keys []uint32) int32 {
	n := &nodes[i]
	right := int32((int64(n.key) - int64(keys[n.feature])) >> 63) // −1 goes right, 0 left
	return n.left ^ ((n.left ^ n.right) & right)
}

// leaf returns the leaf of the tree rooted at root that the row falls into.
func (c *Classifier) leaf(root int32, keys []uint32) int32 {
	nodes := c.nodes
	for i := root; ; {
		next := step(nodes, i, keys)
		if next == i {
			return i
		}
		i = next
	}
}

// addLeaf adds the class distribution of leaf i to dst.
func (c *Classifier) addLeaf(dst []float64, i int32) {
	for k := c.nodes[i].right; ; k++ {
		e := c.entries[k]
		if e.class < 0 {
			dst[^e.class] += e.prob
			return
		}
		dst[e.class] += e.prob
	}
}

// lanes is the number of walks interleaved in lockstep.
const lanes = 8

// accumulate adds every tree's leaf distribution for a row to dst, in tree order. It walks
// lanes trees at a time in lockstep until none of them moves: the walks are independent
// chains of dependent loads, so interleaving them keeps several loads in flight at once.
func (c *Classifier) accumulate(dst []float64, keys []uint32) {
	nodes, roots := c.nodes, c.roots
	t := 0
	for ; t+lanes <= len(roots); t += lanes {
		r := roots[t : t+lanes : t+lanes]
		a0, a1, a2, a3, a4, a5, a6, a7 := r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]
		for {
			n0, n1 := step(nodes, a0, keys), step(nodes, a1, keys)
			n2, n3 := step(nodes, a2, keys), step(nodes, a3, keys)
			n4, n5 := step(nodes, a4, keys), step(nodes, a5, keys)
			n6, n7 := step(nodes, a6, keys), step(nodes, a7, keys)
			moved := (n0 ^ a0) | (n1 ^ a1) | (n2 ^ a2) | (n3 ^ a3) | (n4 ^ a4) | (n5 ^ a5) | (n6 ^ a6) | (n7 ^ a7)
			a0, a1, a2, a3, a4, a5, a6, a7 = n0, n1, n2, n3, n4, n5, n6, n7
			if moved == 0 {
				break
			}
		}
		for _, i := range [lanes]int32{a0, a1, a2, a3, a4, a5, a6, a7} {
			c.addLeaf(dst, i)
		}
	}
	for ; t < len(roots); t++ {
		c.addLeaf(dst, c.leaf(roots[t], keys))
	}
}

// accumulateRows adds the leaf distributions of every row (given by its keys) to dst, k
// values a row. It goes tree by tree, so each tree's nodes stay in cache while all the
// rows walk it (lanes rows in lockstep), and adds every row's leaves in tree order: each
// row gets exactly the sums accumulate computes.
func (c *Classifier) accumulateRows(dst []float64, k int, rows [][]uint32) {
	nodes := c.nodes
	for _, root := range c.roots {
		i := 0
		for ; i+lanes <= len(rows); i += lanes {
			r := rows[i : i+lanes : i+lanes]
			a0, a1, a2, a3, a4, a5, a6, a7 := root, root, root, root, root, root, root, root
			for {
				n0, n1 := step(nodes, a0, r[0]), step(nodes, a1, r[1])
				n2, n3 := step(nodes, a2, r[2]), step(nodes, a3, r[3])
				n4, n5 := step(nodes, a4, r[4]), step(nodes, a5, r[5])
				n6, n7 := step(nodes, a6, r[6]), step(nodes, a7, r[7])
				moved := (n0 ^ a0) | (n1 ^ a1) | (n2 ^ a2) | (n3 ^ a3) | (n4 ^ a4) | (n5 ^ a5) | (n6 ^ a6) | (n7 ^ a7)
				a0, a1, a2, a3, a4, a5, a6, a7 = n0, n1, n2, n3, n4, n5, n6, n7
				if moved == 0 {
					break
				}
			}
			for j, leaf := range [lanes]int32{a0, a1, a2, a3, a4, a5, a6, a7} {
				c.addLeaf(dst[(i+j)*k:(i+j+1)*k], leaf)
			}
		}
		for ; i < len(rows); i++ {
			c.addLeaf(dst[i*k:(i+1)*k], c.leaf(root, rows[i]))
		}
	}
}

// stackKeys is the widest row whose keys PredictProba keeps on the stack.
const stackKeys = 128

// PredictProba writes the class probabilities of row into dst: the mean over the trees of
// the weighted class fractions of the leaf the row reaches (scikit-learn's predict_proba).
// dst[k] belongs to Classes()[k]. A row goes left at a split iff float32(value) <= the
// split's float32 threshold; a NaN value therefore always goes right. PredictProba does
// not allocate for rows of up to 128 features.
//
// It panics if len(row) != NumFeatures() or len(dst) != len(Classes()).
func (c *Classifier) PredictProba(dst []float64, row []float64) {
	if len(row) != c.nFeatures {
		panic("forest: row length does not match the number of features")
	}
	if len(dst) != len(c.classes) {
		panic("forest: dst length does not match the number of classes")
	}
	clear(dst)
	var buf [stackKeys]uint32
	var keys []uint32
	if len(row) <= stackKeys {
		keys = buf[:len(row)]
	} else {
		keys = make([]uint32, len(row))
	}
	rowKeys(keys, row)
	c.accumulate(dst, keys)
	nt := float64(len(c.roots))
	for k := range dst {
		dst[k] /= nt
	}
}

// Predict returns the class with the highest probability for row; ties go to the lowest
// class. It does not allocate for up to 64 classes and 128 features. It panics if len(row) != NumFeatures().
func (c *Classifier) Predict(row []float64) int {
	var buf [64]float64
	var dst []float64
	if len(c.classes) <= len(buf) {
		dst = buf[:len(c.classes)]
	} else {
		dst = make([]float64, len(c.classes))
	}
	c.PredictProba(dst, row)
	return c.classes[argmax(dst)]
}

// argmax returns the index of the first largest value.
func argmax(v []float64) int {
	best := 0
	for k := 1; k < len(v); k++ {
		if v[k] > v[best] {
			best = k
		}
	}
	return best
}

// batchRows is the number of rows in one unit of PredictBatch's parallel work; all of them
// walk one tree before the next, so a large forest is read from memory once per unit
// rather than once per row.
const batchRows = 1024

// PredictBatch predicts every row of x on GOMAXPROCS goroutines and returns the predicted
// class of each row and the probability matrix (one row per row of x, one column per
// class). The results equal PredictProba and Predict row by row. It returns an error when x
// has the wrong number of columns or a non-finite value, and ctx's error when ctx ends
// first.
func (c *Classifier) PredictBatch(ctx context.Context, x *mat.Dense) (labels []int, proba *mat.Dense, err error) {
	if x == nil {
		return nil, nil, fmt.Errorf("forest: x is nil")
	}
	n, d := x.Dims()
	if d != c.nFeatures {
		return nil, nil, fmt.Errorf("forest: x has %d columns, want %d", d, c.nFeatures)
	}
	if err := checkFinite(x); err != nil {
		return nil, nil, err
	}
	k := len(c.classes)
	out := make([]float64, n*k)
	labels = make([]int, n)
	raw := x.RawMatrix()
	err = parallelChunks(ctx, n, batchRows, runtime.GOMAXPROCS(0), func(lo, hi int) {
		keys := make([]uint32, (hi-lo)*d)
		rows := make([][]uint32, hi-lo)
		for i := range rows {
			rows[i] = keys[i*d : (i+1)*d]
			rowKeys(rows[i], raw.Data[(lo+i)*raw.Stride:(lo+i)*raw.Stride+d])
		}
		dst := out[lo*k : hi*k]
		c.accumulateRows(dst, k, rows)
		nt := float64(len(c.roots))
		for i := range dst {
			dst[i] /= nt
		}
		for i := lo; i < hi; i++ {
			labels[i] = c.classes[argmax(out[i*k:(i+1)*k])]
		}
	})
	if err != nil {
		return nil, nil, err
	}
	if n == 0 {
		return labels, nil, nil
	}
	return labels, mat.NewDense(n, k, out), nil
}

// checkFinite returns an error naming the first non-finite cell of x.
func checkFinite(x *mat.Dense) error {
	raw := x.RawMatrix()
	for i := range raw.Rows {
		for j, v := range raw.Data[i*raw.Stride : i*raw.Stride+raw.Cols] {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("forest: x[%d, %d] = %v is not finite", i, j, v)
			}
		}
	}
	return nil
}

// parallelChunks calls fn on [lo, hi) chunks of [0, n) of the given size on up to workers
// goroutines, stopping early with ctx's error when ctx ends.
func parallelChunks(ctx context.Context, n, size, workers int, fn func(lo, hi int)) error {
	chunks := (n + size - 1) / size
	var next atomic.Int64
	var wg sync.WaitGroup
	for range max(1, min(workers, chunks)) {
		wg.Go(func() {
			for ctx.Err() == nil {
				ch := int(next.Add(1) - 1)
				if ch >= chunks {
					return
				}
				fn(ch*size, min((ch+1)*size, n))
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("forest: predicting: %w", err)
	}
	return nil
}

// computeOOB sets the out-of-bag decision and score: every training row is predicted by
// the trees whose bootstrap sample left it out, summed in tree order so the result does
// not depend on the number of workers.
func (c *Classifier) computeOOB(ctx context.Context, x *mat.Dense, ds *dataset, trees []*tree, workers int) error {
	n, d, k := ds.n, ds.d, ds.k
	dec := make([]float64, n*k)
	correct := make([]int, n)
	seen := make([]bool, n)
	raw := x.RawMatrix()
	err := parallelChunks(ctx, n, 256, workers, func(lo, hi int) {
		keys := make([]uint32, d)
		for i := lo; i < hi; i++ {
			rowKeys(keys, raw.Data[i*raw.Stride:i*raw.Stride+d])
			dst := dec[i*k : (i+1)*k]
			var m int
			for t, tr := range trees {
				if tr.inbag[i/64]&(1<<(i%64)) != 0 {
					continue
				}
				m++
				c.addLeaf(dst, c.leaf(c.roots[t], keys))
			}
			if m == 0 {
				for j := range dst {
					dst[j] = math.NaN()
				}
				continue
			}
			for j := range dst {
				dst[j] /= float64(m)
			}
			seen[i] = true
			if argmax(dst) == int(ds.y[i]) {
				correct[i] = 1
			}
		}
	})
	if err != nil {
		return err
	}
	var nSeen, nCorrect int
	for i := range n {
		if seen[i] {
			nSeen++
			nCorrect += correct[i]
		}
	}
	c.oobDecision = mat.NewDense(n, k, dec)
	if nSeen > 0 {
		c.oobScore, c.hasOOB = float64(nCorrect)/float64(nSeen), true
	}
	return nil
}
