package forest

import (
	"fmt"
	"math"
	"slices"
	"sync"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// featureThreshold is scikit-learn's FEATURE_THRESHOLD (tree/_partitioner.pxd): two sorted
// float32 values a ≤ b are treated as equal, with no split between them, when
// b ≤ a + 1e-7 in float32 arithmetic.
const featureThreshold float32 = 1e-7

// dataset is the training set prepared once per Train and shared read-only by all trees.
type dataset struct {
	n, d, k int
	classes []int   // sorted distinct labels
	y       []int32 // class index of every sample
	counts  []int   // samples per class

	// rank[f*n+i] is the rank of float32(x[i,f]) among the distinct float32 values of
	// feature f, and vals[f][r] is that value: sorting samples by rank sorts them by value.
	rank []uint32
	vals [][]float32
	// near[f] has bit r set when vals[f][r+1] <= vals[f][r] + featureThreshold: only then
	// may ranks r < r' be values the splitter treats as equal.
	near []bitset

	members     [][]int32 // samples of every class, for balanced bootstrap draws
	classWeight []float64 // balanced weight of every class; nil without class weights
}

// newDataset validates x and y and builds the ranked columns.
func newDataset(x *mat.Dense, y []int, balanced bool, workers int) (*dataset, error) {
	if x == nil {
		return nil, fmt.Errorf("forest: x is nil")
	}
	n, d := x.Dims()
	if n == 0 || d == 0 {
		return nil, fmt.Errorf("forest: x is %d×%d, want at least one sample and one feature", n, d)
	}
	if len(y) != n {
		return nil, fmt.Errorf("forest: %d labels for %d samples", len(y), n)
	}
	if n > math.MaxInt32 {
		return nil, fmt.Errorf("forest: %d samples exceed the limit of %d", n, math.MaxInt32)
	}
	ds := &dataset{n: n, d: d}
	ds.encodeLabels(y)
	if err := ds.rankColumns(x, workers); err != nil {
		return nil, err
	}
	if balanced {
		ds.classWeight = make([]float64, ds.k)
		for c, nc := range ds.counts {
			ds.classWeight[c] = float64(n) / (float64(ds.k) * float64(nc))
		}
		ds.members = make([][]int32, ds.k)
		for c, nc := range ds.counts {
			ds.members[c] = make([]int32, 0, nc)
		}
		for i, c := range ds.y {
			ds.members[c] = append(ds.members[c], int32(i))
		}
	}
	return ds, nil
}

// encodeLabels sets classes (sorted distinct y) and the class index of every sample.
func (ds *dataset) encodeLabels(y []int) {
	ds.classes = slices.Clone(y)
	slices.Sort(ds.classes)
	ds.classes = slices.Compact(ds.classes)
	ds.k = len(ds.classes)
	ds.y = make([]int32, len(y))
	ds.counts = make([]int, ds.k)
	for i, v := range y {
		c, _ := slices.BinarySearch(ds.classes, v)
		ds.y[i] = int32(c)
		ds.counts[c]++
	}
}

// rankColumns casts every feature to float32 and ranks its values, one feature per worker.
func (ds *dataset) rankColumns(x *mat.Dense, workers int) error {
	raw := x.RawMatrix()
	for i := range ds.n {
		row := raw.Data[i*raw.Stride : i*raw.Stride+ds.d]
		for j, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("forest: x[%d, %d] = %v is not finite", i, j, v)
			}
			if math.Abs(v) > math.MaxFloat32 {
				return fmt.Errorf("forest: x[%d, %d] = %v overflows float32", i, j, v)
			}
		}
	}
	ds.rank = make([]uint32, ds.n*ds.d)
	ds.vals = make([][]float32, ds.d)
	ds.near = make([]bitset, ds.d)
	var wg sync.WaitGroup
	next := make(chan int, ds.d)
	for f := range ds.d {
		next <- f
	}
	close(next)
	for range max(1, min(workers, ds.d)) {
		wg.Go(func() {
			keys := make([]uint64, ds.n)
			for f := range next {
				ds.rankColumn(raw, f, keys)
			}
		})
	}
	wg.Wait()
	return nil
}

// rankColumn fills rank and vals for feature f; keys is scratch space of length n.
func (ds *dataset) rankColumn(raw blas64.General, f int, keys []uint64) {
	for i := range ds.n {
		v := float32(raw.Data[i*raw.Stride+f])
		if v == 0 {
			v = 0 // −0 and +0 are one value
		}
		keys[i] = uint64(orderedBits(v))<<32 | uint64(i)
	}
	slices.Sort(keys)
	rank := ds.rank[f*ds.n : (f+1)*ds.n]
	var vals []float32
	for j, key := range keys {
		if j == 0 || key>>32 != keys[j-1]>>32 {
			vals = append(vals, fromOrderedBits(uint32(key>>32)))
		}
		rank[uint32(key)] = uint32(len(vals) - 1)
	}
	ds.vals[f] = slices.Clip(vals)
	near := newBitset(len(vals))
	for r := 0; r+1 < len(vals); r++ {
		if vals[r+1] <= vals[r]+featureThreshold {
			near.set(uint32(r))
		}
	}
	ds.near[f] = near
}

// orderedBits maps a float32 to a uint32 with the same order (for non-NaN values).
func orderedBits(v float32) uint32 {
	b := math.Float32bits(v)
	if b>>31 != 0 {
		return ^b
	}
	return b | 1<<31
}

func fromOrderedBits(b uint32) float32 {
	if b>>31 != 0 {
		return math.Float32frombits(b &^ (1 << 31))
	}
	return math.Float32frombits(^b)
}
