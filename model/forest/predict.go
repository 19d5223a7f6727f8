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

// leaf returns the leaf of the tree rooted at root that row falls into.
func (c *Classifier) leaf(root int32, row []float64) *node {
	nodes := c.nodes
	n := &nodes[root]
	for n.feature >= 0 {
		if float32(row[n.feature]) <= n.thr {
			n = &nodes[n.left]
		} else {
			n = &nodes[n.right]
		}
	}
	return n
}

// addLeaf adds the class distribution of leaf n to dst.
func (c *Classifier) addLeaf(dst []float64, n *node) {
	vc, vp := c.vclass[n.left:n.right], c.vprob[n.left:n.right]
	for k, cl := range vc {
		dst[cl] += vp[k]
	}
}

// PredictProba writes the class probabilities of row into dst: the mean over the trees of
// the weighted class fractions of the leaf the row reaches (scikit-learn's predict_proba).
// dst[k] belongs to Classes()[k]. A row goes left at a split iff float32(value) <= the
// split's float32 threshold; a NaN value therefore always goes right. PredictProba does
// not allocate.
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
	for _, root := range c.roots {
		c.addLeaf(dst, c.leaf(root, row))
	}
	nt := float64(len(c.roots))
	for k := range dst {
		dst[k] /= nt
	}
}

// Predict returns the class with the highest probability for row; ties go to the lowest
// class. It does not allocate for up to 64 classes. It panics if len(row) != NumFeatures().
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

// batchRows is the number of rows PredictBatch sends through one tree at a time, so a
// tree's upper levels stay in cache across rows.
const batchRows = 64

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
		dst := out[lo*k : hi*k]
		for _, root := range c.roots {
			for i := lo; i < hi; i++ {
				row := raw.Data[i*raw.Stride : i*raw.Stride+d]
				c.addLeaf(dst[(i-lo)*k:(i-lo+1)*k], c.leaf(root, row))
			}
		}
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
		for i := lo; i < hi; i++ {
			row := raw.Data[i*raw.Stride : i*raw.Stride+d]
			dst := dec[i*k : (i+1)*k]
			var m int
			for t, tr := range trees {
				if tr.inbag[i/64]&(1<<(i%64)) != 0 {
					continue
				}
				m++
				c.addLeaf(dst, c.leaf(c.roots[t], row))
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
