package hdbscan_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/storeseg/storeseg/model/hdbscan"
)

// streamPredictBench fits n points in d dimensions with the stream's default min_samples
// (25: k = 50 neighbours per query, as the consumer scores with the default config on FAMD's
// 4 components) and returns the predictor and 1024 new points near the training rows.
func streamPredictBench(b *testing.B, n, d int) (*hdbscan.Predictor, *mat.Dense) {
	b.Helper()
	rng := rand.New(rand.NewPCG(uint64(n), uint64(d)))
	x := archetypes(rng, n, d, 10)
	res, err := hdbscan.Cluster(context.Background(), x, hdbscan.Config{MinClusterSize: n / 100, MinSamples: 25})
	if err != nil {
		b.Fatal(err)
	}
	pts := mat.NewDense(1024, d, nil)
	for i := range 1024 {
		row := pts.RawRowView(i)
		copy(row, x.RawRowView(rng.IntN(n)))
		for j := range row {
			row[j] += 0.2 * rng.NormFloat64()
		}
	}
	return res.PredictionData(), pts
}

// BenchmarkStreamPredict measures what the consumer needs per changed store: the label,
// probability and outlier score of a new point, as the two separate calls and as one
// Predict.
func BenchmarkStreamPredict(b *testing.B) {
	for _, s := range []struct{ n, d int }{{20_000, 4}, {100_000, 4}} {
		p, pts := streamPredictBench(b, s.n, s.d)
		b.Run(fmt.Sprintf("n=%d/d=%d/separate", s.n, s.d), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				pt := pts.RawRowView(i & 1023)
				p.ApproximatePredict(pt)
				p.OutlierScore(pt)
				i++
			}
		})
		b.Run(fmt.Sprintf("n=%d/d=%d/predict", s.n, s.d), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				p.Predict(pts.RawRowView(i & 1023))
				i++
			}
		})
	}
}
