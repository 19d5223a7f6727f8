package famd_test

import (
	"context"
	"fmt"

	"github.com/storeseg/storeseg/model/famd"
	"github.com/storeseg/storeseg/model/frame"
)

// ExampleFit runs FAMD on the Wikipedia example (FactoMineR gives the eigenvalues
// 3.466804028, 2.5, 1.971104825, 0.055852845, 0.006238302) and projects a new store.
func ExampleFit() {
	f := &frame.Frame{
		NumNames: []string{"k1", "k2", "k3"},
		Num: [][]float64{
			{2, 5, 3, 4, 1, 6},
			{4.5, 4.5, 1, 1, 1, 1},
			{4, 4, 2, 2, 1, 2},
		},
		CatNames: []string{"q1", "q2", "q3"},
		Levels:   [][]string{{"A", "B", "C"}, {"A", "B"}, {"A", "B", "C"}},
		Cat: [][]int32{
			{0, 2, 1, 1, 0, 2},
			{1, 1, 1, 1, 0, 0},
			{2, 2, 1, 1, 0, 0},
		},
	}
	res, err := famd.Fit(context.Background(), f, famd.DefaultConfig())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("eigenvalues %.6f\n", res.Eigenvalues)
	fmt.Printf("percent     %.2f\n", res.Percent)
	fmt.Printf("store 1     %.4f\n", res.Coord.RawRowView(0))

	dst := make([]float64, res.Model.NComponents())
	if _, err := res.Model.TransformRow(dst, []float64{3, 2, 2}, []int32{1, 1, 1}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("new store   %.4f\n", dst)
	// Output:
	// eigenvalues [3.466804 2.500000 1.971105 0.055853 0.006238]
	// percent     [43.34 31.25 24.64 0.70 0.08]
	// store 1     [2.4125 0.4226 -1.7280 0.2924 0.0357]
	// new store   [-0.5583 -2.0404 -0.1744 -0.2607 -0.0445]
}
