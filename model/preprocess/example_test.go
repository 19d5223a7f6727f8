package preprocess_test

import (
	"fmt"
	"math"

	"github.com/storeseg/storeseg/model/frame"
	"github.com/storeseg/storeseg/model/preprocess"
)

// Example fits a preprocessor on four stores and prepares a fifth as it would arrive in the
// stream.
func Example() {
	raw := &frame.Frame{
		IDName: "store_id", IDs: []string{"s1", "s2", "s3", "s4"},
		NumNames: []string{"revenue_12m"}, Num: [][]float64{{math.E - 1, math.NaN(), math.E*math.E - 1, 0}},
		CatNames: []string{"format"}, Levels: [][]string{{"super", "kiosk"}}, Cat: [][]int32{{0, 1, frame.Missing, 0}},
	}
	spec := preprocess.Spec{
		Numeric:     []preprocess.NumericSpec{{Name: "revenue_12m", Transform: preprocess.Log1p}},
		Categorical: []preprocess.CategoricalSpec{{Name: "format"}},
	}
	p, prepared, err := preprocess.Fit(spec, raw)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%.3f %v %v\n", prepared.Num[0], prepared.Levels[0], prepared.Cat[0])

	var row frame.Row
	unseen, err := p.ApplyRecordUnseen(&row, frame.Record{Num: []float64{math.NaN()}, Cat: []string{"drive-in"}})
	fmt.Printf("%.3f %v unseen=%d err=%v\n", row.Num, row.Cat, unseen, err)
	// Output:
	// [1.000 1.000 2.000 0.000] [kiosk missing super] [2 0 1 2]
	// [1.000] [-1] unseen=1 err=<nil>
}
