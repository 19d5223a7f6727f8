package validity_test

import (
	"context"
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/storeseg/storeseg/model/validity"
)

func ExampleDBCV() {
	// Two tight groups on a line and one far-away noise point (label −1).
	x := mat.NewDense(7, 1, []float64{0, 1, 2, 12, 13, 14, 100})
	labels := []int{0, 0, 0, 1, 1, 1, -1}
	res, err := validity.DBCV(context.Background(), x, labels, validity.DefaultConfig())
	if err != nil {
		panic(err)
	}
	fmt.Printf("DBCV %.4f\n", res.Score) // the noise point weighs in as 0
	for _, c := range res.Clusters {
		fmt.Printf("cluster %d: size %d, sparseness %.4f, separation %.0f, score %.4f\n",
			c.Label, c.Size, c.Sparseness, c.Separation, c.Score)
	}
	// Output:
	// DBCV 0.7619
	// cluster 0: size 3, sparseness 1.3333, separation 12, score 0.8889
	// cluster 1: size 3, sparseness 1.3333, separation 12, score 0.8889
}

func ExampleSilhouette() {
	x := mat.NewDense(6, 2, []float64{
		0, 0, 0, 1, 1, 0, // cluster 0
		5, 5, 5, 6, // cluster 1
		20, 20, // noise
	})
	labels := []int{0, 0, 0, 1, 1, -1}
	ctx := context.Background()
	withNoise, _ := validity.Silhouette(ctx, x, labels, validity.DefaultSilhouetteConfig())
	clustersOnly, _ := validity.Silhouette(ctx, x, labels, validity.SilhouetteConfig{ExcludeNoise: true})
	// scikit-learn's silhouette_score gives 0.7037 (all rows) and 0.8445 (noise rows removed).
	fmt.Printf("noise as a cluster: %.4f\nnoise excluded:     %.4f\n", withNoise, clustersOnly)
	// Output:
	// noise as a cluster: 0.7037
	// noise excluded:     0.8445
}

func ExampleRelativeValidity() {
	// The mutual reachability MST of six points, as HDBSCAN would emit it, and its labels.
	edges := []validity.Edge{{A: 0, B: 1, Weight: 1}, {A: 1, B: 2, Weight: 2}, {A: 2, B: 3, Weight: 5},
		{A: 3, B: 4, Weight: 1}, {A: 4, B: 5, Weight: 3}}
	labels := []int{0, 0, 0, 1, 1, -1}
	score, err := validity.RelativeValidity(edges, labels)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%.4f\n", score)
	// Output:
	// 0.5667
}
