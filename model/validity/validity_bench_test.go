package validity_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/storeseg/storeseg/model/validity"
)

// benchData returns n points in 5 dimensions: 8 Gaussian clusters of different sizes and
// spreads around random centres, and 5% uniform noise labelled −1 (seeded).
func benchData(n int) (*mat.Dense, []int) {
	const d, k = 5, 8
	rng := rand.New(rand.NewPCG(42, uint64(n)))
	centres := make([]float64, k*d)
	for i := range centres {
		centres[i] = rng.Float64()*40 - 20
	}
	x := mat.NewDense(n, d, nil)
	labels := make([]int, n)
	noise := n / 20
	for i := range n {
		if i < noise {
			labels[i] = -1
			for j := range d {
				x.Set(i, j, rng.Float64()*50-25)
			}
			continue
		}
		c := rng.IntN(k * (k + 1) / 2) // cluster c' has weight c'+1
		cl := 0
		for c >= cl+1 {
			c -= cl + 1
			cl++
		}
		labels[i] = cl
		sd := 0.5 + 0.25*float64(cl)
		for j := range d {
			x.Set(i, j, centres[cl*d+j]+sd*rng.NormFloat64())
		}
	}
	return x, labels
}

var benchSizes = []int{5000, 20000}

var sink float64

func BenchmarkDBCV(b *testing.B) {
	for _, n := range benchSizes {
		x, labels := benchData(n)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				res, err := validity.DBCV(context.Background(), x, labels, validity.DefaultConfig())
				if err != nil {
					b.Fatal(err)
				}
				sink = res.Score
			}
		})
	}
}

func BenchmarkSilhouette(b *testing.B) {
	for _, n := range benchSizes {
		x, labels := benchData(n)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				s, err := validity.Silhouette(context.Background(), x, labels, validity.SilhouetteConfig{ExcludeNoise: true})
				if err != nil {
					b.Fatal(err)
				}
				sink = s
			}
		})
	}
}

func BenchmarkRelativeValidity(b *testing.B) {
	const n = 20000
	_, labels := benchData(n)
	rng := rand.New(rand.NewPCG(7, 7))
	edges := make([]validity.Edge, n-1)
	for i := range edges {
		edges[i] = validity.Edge{A: int32(i + 1), B: int32(rng.IntN(i + 1)), Weight: rng.Float64()}
	}
	b.ReportAllocs()
	for b.Loop() {
		s, err := validity.RelativeValidity(edges, labels)
		if err != nil {
			b.Fatal(err)
		}
		sink = s
	}
}
