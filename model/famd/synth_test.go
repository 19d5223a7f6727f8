package famd_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/storeseg/storeseg/model/frame"
)

// synthLevels is the number of levels of each categorical column of synthFrame: 60 in all.
var synthLevels = []int{20, 15, 10, 8, 4, 3}

// synthFrame returns n store-like rows: 10 skewed, partly correlated numeric columns and 6
// categorical columns (60 levels in all) whose levels depend on the numbers and on each
// other, so the spectrum has no exact ties. Same seed, same frame.
func synthFrame(n int, seed uint64) *frame.Frame {
	rng := rand.New(rand.NewPCG(seed, 1))
	f := &frame.Frame{}
	for j := range 10 {
		f.NumNames = append(f.NumNames, fmt.Sprintf("x%d", j))
		f.Num = append(f.Num, make([]float64, n))
	}
	for q, nl := range synthLevels {
		f.CatNames = append(f.CatNames, fmt.Sprintf("c%d", q))
		levels := make([]string, nl)
		for l := range levels {
			levels[l] = fmt.Sprintf("c%d_%02d", q, l)
		}
		f.Levels = append(f.Levels, levels)
		f.Cat = append(f.Cat, make([]int32, n))
	}
	for i := range n {
		size := math.Exp(rng.NormFloat64())
		region := rng.IntN(synthLevels[0])
		for j := range 10 {
			v := rng.NormFloat64()
			switch {
			case j < 4:
				v = size*float64(j+1) + 0.5*v + 0.1*float64(region%5)
			case j < 7:
				v = math.Exp(0.5*v) + 0.2*float64(region%3)
			}
			f.Num[j][i] = v
		}
		f.Cat[0][i] = int32(region)
		for q := 1; q < len(synthLevels); q++ {
			l := rng.IntN(synthLevels[q])
			if rng.Float64() < 0.3 {
				l = (region + int(2*size)) % synthLevels[q]
			}
			f.Cat[q][i] = int32(l)
		}
	}
	return f
}
