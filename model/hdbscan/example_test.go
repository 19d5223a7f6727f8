package hdbscan_test

import (
	"context"
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/storeseg/storeseg/model/hdbscan"
)

// Two groups of stores in a 2-D principal plane, one dense and one loose, and a stray store
// far from both. HDBSCAN finds the two groups, calls the stray store noise, and the
// prediction data places new stores.
func ExampleCluster() {
	rng := rand.New(rand.NewPCG(1, 2))
	x := mat.NewDense(61, 2, nil)
	for i := range 30 {
		x.SetRow(i, []float64{rng.NormFloat64() * 0.3, rng.NormFloat64() * 0.3})
		x.SetRow(30+i, []float64{6 + rng.NormFloat64(), 6 + rng.NormFloat64()})
	}
	x.SetRow(60, []float64{-8, 9})

	res, err := hdbscan.Cluster(context.Background(), x, hdbscan.Config{MinClusterSize: 10})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("clusters:", res.NClusters)
	fmt.Println("first store, second group, stray store:", res.Labels[0], res.Labels[30], res.Labels[60])

	p := res.PredictionData()
	label, _ := p.ApproximatePredict([]float64{5.5, 6.5})
	fmt.Println("new store near the second group:", label)
	label, _ = p.ApproximatePredict([]float64{30, -30})
	fmt.Println("new store far away:", label)
	// Output:
	// clusters: 2
	// first store, second group, stray store: 0 1 -1
	// new store near the second group: 1
	// new store far away: -1
}
