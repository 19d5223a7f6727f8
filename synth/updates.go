package synth

import (
	"math"
	"math/rand/v2"
)

// Update is a partial feature update of an existing store at a time step, as a producer
// would send it: only some features are present.
type Update struct {
	ID   string
	Step int
	// Num holds the new numeric values in NumNames order; NaN where the update leaves the
	// feature out.
	Num []float64
	// Cat holds the new levels in CatNames order; "" where the update leaves the feature out.
	Cat []string
}

// Drift per step: each store has its own revenue trend (normal, sd trendSD per step) plus
// noise; the online share creeps up; ownership occasionally changes.
const (
	trendSD          = 0.01
	stepNoiseSD      = 0.03
	onlineCreep      = 0.002
	ownershipChangeP = 0.002
)

// UpdateTo writes into dst the update of store i at step (step ≥ 1): revenue and footfall
// as of that step (always present), staff and online share in some steps, and ownership
// when it changes. Like Store, it depends only on the configuration, i and step, so any
// (store, step) can be generated on its own. Updates follow the store's drift, not the
// missing-value draw of the table.
func (g *Generator) UpdateTo(dst *Update, i, step int) {
	if step < 1 {
		panic("synth: update step must be at least 1")
	}
	var base Store
	g.StoreTo(&base, i)
	var src rand.PCG
	src.Seed(splitmix(g.cfg.Seed^0x510e527fade682d1), splitmix(uint64(i)))
	trend := trendSD * rand.New(&src).NormFloat64()
	src.Seed(splitmix(g.cfg.Seed^uint64(step)*0x9b05688c2b3e6c1f), splitmix(uint64(i)^0x1f83d9abfb41bd6b))
	r := rand.New(&src)

	dst.ID, dst.Step = base.ID, step
	dst.Num = fill(dst.Num, len(numNames), math.NaN())
	dst.Cat = fill(dst.Cat, len(catNames), "")
	f := math.Exp(trend*float64(step) + stepNoiseSD*r.NormFloat64())
	if v := base.Num[colRevenue]; !math.IsNaN(v) {
		dst.Num[colRevenue] = math.Round(v * f)
	}
	if v := base.Num[colFootfall]; !math.IsNaN(v) {
		dst.Num[colFootfall] = math.Round(v * f)
	}
	if r.Float64() < 0.1 {
		if v := base.Num[colStaff]; !math.IsNaN(v) {
			dst.Num[colStaff] = math.Max(1, math.Round(v*math.Sqrt(f)))
		}
	}
	if r.Float64() < 0.25 {
		if v := base.Num[colOnline]; !math.IsNaN(v) {
			dst.Num[colOnline] = math.Min(1, round(v+onlineCreep*float64(step), 1e4))
		}
	}
	if r.Float64() < ownershipChangeP {
		dst.Cat[colOwnership] = ownerships[r.IntN(len(ownerships))]
	}
}

func fill[T any](s []T, n int, v T) []T {
	if cap(s) < n {
		s = make([]T, n)
	}
	s = s[:n]
	for k := range s {
		s[k] = v
	}
	return s
}
