package hdbscan_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/storeseg/storeseg/model/hdbscan"
)

// benchSizes are the data sets Cluster is benchmarked on: rows × dims.
var benchSizes = []struct{ n, d int }{{10_000, 5}, {10_000, 10}, {100_000, 5}, {100_000, 10}}

func BenchmarkCluster(b *testing.B) {
	for _, s := range benchSizes {
		x := archetypes(rand.New(rand.NewPCG(uint64(s.n), uint64(s.d))), s.n, s.d, 10)
		b.Run(fmt.Sprintf("n=%d/d=%d", s.n, s.d), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := hdbscan.Cluster(context.Background(), x, hdbscan.Config{MinClusterSize: 50, MinSamples: 5}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// predictBench fits 100k points and returns the predictor and 1024 new points to place:
// training rows moved by a little noise, as new stores resemble existing ones.
func predictBench(b *testing.B, d int) (*hdbscan.Predictor, *mat.Dense) {
	b.Helper()
	rng := rand.New(rand.NewPCG(21, uint64(d)))
	x := archetypes(rng, 100_000, d, 10)
	res, err := hdbscan.Cluster(context.Background(), x, hdbscan.Config{MinClusterSize: 50, MinSamples: 5})
	if err != nil {
		b.Fatal(err)
	}
	pts := mat.NewDense(1024, d, nil)
	for i := range 1024 {
		row := pts.RawRowView(i)
		copy(row, x.RawRowView(rng.IntN(100_000)))
		for j := range row {
			row[j] += 0.2 * rng.NormFloat64()
		}
	}
	return res.PredictionData(), pts
}

func BenchmarkApproximatePredict(b *testing.B) {
	for _, d := range []int{5, 10} {
		p, pts := predictBench(b, d)
		b.Run(fmt.Sprintf("d=%d", d), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				p.ApproximatePredict(pts.RawRowView(i & 1023))
				i++
			}
		})
	}
}

func BenchmarkOutlierScore(b *testing.B) {
	p, pts := predictBench(b, 5)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		p.OutlierScore(pts.RawRowView(i & 1023))
		i++
	}
}
