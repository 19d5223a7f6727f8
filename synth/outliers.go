package synth

import (
	"math"
	"math/rand/v2"
)

// logUniform draws from [lo, hi] uniformly on the log scale.
func logUniform(r *rand.Rand, lo, hi float64) float64 {
	return math.Exp(math.Log(lo) + (math.Log(hi)-math.Log(lo))*r.Float64())
}

// scrambled generates an outlier whose features ignore every archetype's relations: each
// numeric feature is drawn over a wide range on its own and each level uniformly.
func scrambled(r *rand.Rand, dst *Store) {
	n := dst.Num
	n[colRevenue] = math.Round(logUniform(r, 1e4, 3e8))
	n[colArea] = round(logUniform(r, 5, 3e4), 10)
	n[colFootfall] = math.Round(logUniform(r, 10, 2e5))
	n[colBasket] = round(logUniform(r, 1, 400), 100)
	n[colStaff] = math.Round(logUniform(r, 1, 800))
	n[colHours] = math.Round(20 + 148*r.Float64())
	n[colCompetitor] = round(logUniform(r, 0.01, 60), 100)
	n[colParking] = math.Round(logUniform(r, 1, 3000) - 1)
	n[colOnline] = round(0.9*r.Float64(), 1e4)
	n[colAge] = round(120*r.Float64(), 10)
	region := r.IntN(len(regions))
	dst.Cat[colFormat] = formats[r.IntN(len(formats))]
	dst.Cat[colPlacement] = placements[r.IntN(len(placements))]
	dst.Cat[colRegion] = regions[region]
	dst.Cat[colOwnership] = ownerships[r.IntN(len(ownerships))]
	dst.Cat[colCity] = cities[r.IntN(len(regions))][r.IntN(len(cities[0]))]
}

// extremeCols are the features an extreme outlier may have blown up or shrunk.
var extremeCols = []int{colRevenue, colArea, colFootfall, colBasket, colStaff, colCompetitor}

// extreme generates a store of archetype a and then scales two of its features by a factor
// of 12 to 55, up or down: a plausible store with implausible numbers.
func extreme(r *rand.Rand, a *archetype, dst *Store) {
	regular(r, a, dst)
	i := r.IntN(len(extremeCols))
	j := (i + 1 + r.IntN(len(extremeCols)-1)) % len(extremeCols)
	for _, c := range []int{extremeCols[i], extremeCols[j]} {
		f := math.Exp(2.5 + 1.5*r.Float64())
		if r.IntN(2) == 0 {
			f = 1 / f
		}
		v := dst.Num[c] * f
		switch c {
		case colRevenue, colFootfall, colStaff:
			v = math.Max(1, math.Round(v))
		default:
			v = math.Max(0.01, round(v, 100))
		}
		dst.Num[c] = v
	}
}
