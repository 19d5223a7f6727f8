package forest_test

import (
	"context"
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/storeseg/storeseg/model/forest"
)

func ExampleTrain() {
	// Two features; class 10 lies low, class 20 high.
	x := mat.NewDense(8, 2, []float64{
		0.1, 1.0, 0.3, 0.8, 0.2, 0.5, 0.4, 0.9,
		2.1, 3.1, 2.4, 2.7, 2.2, 2.4, 2.6, 3.0,
	})
	y := []int{10, 10, 10, 10, 20, 20, 20, 20}
	cfg := forest.DefaultConfig()
	cfg.NEstimators, cfg.Seed = 25, 1
	clf, err := forest.Train(context.Background(), x, y, cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	proba := make([]float64, len(clf.Classes()))
	row := []float64{2.3, 2.9}
	clf.PredictProba(proba, row)
	fmt.Println("classes:", clf.Classes())
	fmt.Println("predict:", clf.Predict(row))
	fmt.Printf("proba: %.2f\n", proba)
	// Output:
	// classes: [10 20]
	// predict: 20
	// proba: [0.00 1.00]
}

func ExampleAssignNoise() {
	// Two HDBSCAN clusters (ids 0 and 1) and two noise points (−1), one near each.
	x := mat.NewDense(8, 1, []float64{1.0, 1.2, 0.8, 5.0, 5.3, 4.9, 1.9, 4.1})
	labels := []int{0, 0, 0, 1, 1, 1, -1, -1}
	probabilities := []float64{1, 1, 0.9, 1, 0.8, 1, 0, 0}
	cfg := forest.DefaultAssignConfig()
	cfg.Forest.NEstimators, cfg.Forest.Seed = 25, 1
	a, err := forest.AssignNoise(context.Background(), x, labels, probabilities, cfg)
	if err != nil {
		fmt.Println(err)
		return
	}
	for i := 6; i < 8; i++ {
		fmt.Printf("point %d: segment %d (%v)\n", i, a.Segment[i], a.Source[i])
	}
	fmt.Println("core points:", a.CorePoints)
	// Output:
	// point 6: segment 0 (inferred)
	// point 7: segment 1 (inferred)
	// core points: 6
}
