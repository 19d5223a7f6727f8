package forest_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/storeseg/storeseg/model/forest"
)

// storeLike returns n rows shaped like FAMD principal coordinates of stores in k segments:
// d components with decreasing variance λ_j = 3·0.75^j, segment centres drawn with
// standard deviation 1.5·√λ_j, rows scattered around them with 1.2·√λ_j, and uneven segment
// sizes (weights 0.5 + U(0, 1)). bench/forest_compare.py draws the same centres and
// scatter with NumPy (its segment sizes are Dirichlet(3)); a forest reaches about 90%
// accuracy on either.
func storeLike(n, d, k int, seed uint64) (*mat.Dense, []int) {
	r := rand.New(rand.NewPCG(seed, 99))
	sd := make([]float64, d)
	for j := range sd {
		sd[j] = math.Sqrt(3 * math.Pow(0.75, float64(j)))
	}
	centers := make([]float64, k*d)
	for i := range centers {
		centers[i] = r.NormFloat64() * sd[i%d] * 1.5
	}
	cum := make([]float64, k)
	var total float64
	for c := range k {
		total += 0.5 + r.Float64()
		cum[c] = total
	}
	x := mat.NewDense(n, d, nil)
	y := make([]int, n)
	for i := range n {
		u := r.Float64() * total
		c := 0
		for cum[c] < u {
			c++
		}
		y[i] = c
		for j := range d {
			x.Set(i, j, centers[c*d+j]+r.NormFloat64()*sd[j]*1.2)
		}
	}
	return x, y
}

var benchSizes = []int{10_000, 100_000}

// BenchmarkTrain grows 100 trees on n×10 store-like rows with 10 classes (GOMAXPROCS
// workers, scikit-learn's defaults).
func BenchmarkTrain(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			x, y := storeLike(n, 10, 10, 1)
			cfg := forest.DefaultConfig()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := forest.Train(context.Background(), x, y, cfg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchForest trains the 100-tree forest the prediction benchmarks use, and returns
// held-out rows to predict.
func benchForest(b *testing.B, n int) (*forest.Classifier, [][]float64) {
	b.Helper()
	x, y := storeLike(n, 10, 10, 1)
	c, err := forest.Train(context.Background(), x, y, forest.DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	xt, _ := storeLike(4096, 10, 10, 2)
	rows := make([][]float64, 4096)
	for i := range rows {
		rows[i] = xt.RawRowView(i)
	}
	return c, rows
}

// BenchmarkPredictProba predicts one row at a time with a 100-tree forest, cycling
// through 4096 different rows so the timing includes cache misses of a real stream.
func BenchmarkPredictProba(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			c, rows := benchForest(b, n)
			dst := make([]float64, len(c.Classes()))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				c.PredictProba(dst, rows[i&4095])
				i++
			}
			b.ReportMetric(float64(c.Size()), "nodes")
		})
	}
}

// BenchmarkPredictBatch predicts 4096 rows on GOMAXPROCS goroutines.
func BenchmarkPredictBatch(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			c, rows := benchForest(b, n)
			x := mat.NewDense(len(rows), 10, nil)
			for i, r := range rows {
				x.SetRow(i, r)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := c.PredictBatch(context.Background(), x); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
