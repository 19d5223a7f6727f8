package synth

import (
	"math"
	"math/rand/v2"
	"strconv"
)

// Store is one generated store.
type Store struct {
	ID        string
	Archetype string    // one of Archetypes()
	Num       []float64 // in NumNames order; NaN when missing
	Cat       []string  // in CatNames order; "" when missing
}

// Generator generates the stores of a Config. Store i depends only on the seed, the shares
// and i, so any store can be generated on its own, in any order and concurrently.
type Generator struct {
	cfg      Config
	missingP []float64 // per feature column
	archCum  []float64
}

// New returns a Generator for a valid Config.
func New(cfg Config) (*Generator, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	g := &Generator{cfg: cfg}
	sum := 0.0
	for _, w := range missingWeight {
		sum += w
	}
	for _, w := range missingWeight {
		g.missingP = append(g.missingP, min(0.9, cfg.MissingShare*w*float64(len(missingWeight))/sum))
	}
	acc := 0.0
	for _, a := range archetypes {
		acc += a.weight
		g.archCum = append(g.archCum, acc)
	}
	return g, nil
}

// Config returns the generator's configuration.
func (g *Generator) Config() Config { return g.cfg }

// NumNames returns the numeric column names.
func NumNames() []string { return append([]string(nil), numNames...) }

// CatNames returns the categorical column names.
func CatNames() []string { return append([]string(nil), catNames...) }

// Archetypes returns the archetype names, the outlier archetype last.
func Archetypes() []string {
	out := make([]string, 0, len(archetypes)+1)
	for _, a := range archetypes {
		out = append(out, a.name)
	}
	return append(out, Outlier)
}

// StoreID returns the id of store i: "S" and i+1 in at least 7 digits.
func StoreID(i int) string {
	s := strconv.Itoa(i + 1)
	if len(s) < 7 {
		s = "0000000"[len(s):] + s
	}
	return "S" + s
}

// Store returns store i (0 ≤ i < Stores; larger i are valid too and extend the population).
func (g *Generator) Store(i int) Store {
	var s Store
	g.StoreTo(&s, i)
	return s
}

// StoreTo generates store i into dst, reusing its slices.
func (g *Generator) StoreTo(dst *Store, i int) {
	if i < 0 {
		panic("synth: negative store index")
	}
	var src rand.PCG
	src.Seed(splitmix(g.cfg.Seed), splitmix(uint64(i)^0x6a09e667f3bcc909))
	r := rand.New(&src)
	dst.ID = StoreID(i)
	if cap(dst.Num) < len(numNames) {
		dst.Num = make([]float64, len(numNames))
	}
	if cap(dst.Cat) < len(catNames) {
		dst.Cat = make([]string, len(catNames))
	}
	dst.Num, dst.Cat = dst.Num[:len(numNames)], dst.Cat[:len(catNames)]
	if r.Float64() < g.cfg.OutlierShare {
		dst.Archetype = Outlier
		if r.Float64() < 0.5 {
			scrambled(r, dst)
		} else {
			extreme(r, &archetypes[pickCum(r, g.archCum)], dst)
		}
	} else {
		a := &archetypes[pickCum(r, g.archCum)]
		dst.Archetype = a.name
		regular(r, a, dst)
	}
	for c := range g.missingP {
		if r.Float64() < g.missingP[c] {
			if c < len(numNames) {
				dst.Num[c] = math.NaN()
			} else {
				dst.Cat[c-len(numNames)] = ""
			}
		}
	}
}

// splitmix is the SplitMix64 finaliser, to spread seeds and indexes over PCG's state.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// regular generates a store of archetype a.
func regular(r *rand.Rand, a *archetype, dst *Store) {
	t := a.tLo + (a.tHi-a.tLo)*r.Float64()
	area := math.Exp(a.area0 + a.area1*t + a.areaSD*r.NormFloat64())
	revenue := math.Exp(a.rev0 + a.rev1*t + a.curve*(t-0.5)*(t-0.5) + a.revSD*r.NormFloat64())
	basket := a.basket * math.Exp(a.bskSD*r.NormFloat64())
	n := dst.Num
	n[colRevenue] = math.Round(revenue)
	n[colArea] = round(area, 10)
	n[colBasket] = round(basket, 100)
	n[colFootfall] = math.Round(revenue / 52 / basket)
	n[colStaff] = math.Max(1, math.Round(revenue/a.revPerStaff*math.Exp(0.15*r.NormFloat64())))
	n[colHours] = a.hours[r.IntN(len(a.hours))]
	n[colCompetitor] = round(a.competitorKM*math.Exp(0.5*r.NormFloat64()), 100)
	n[colParking] = math.Round(area * a.parkPerM2 * math.Exp(0.2*r.NormFloat64()))
	logit := math.Log(a.online/(1-a.online)) + 0.4*r.NormFloat64()
	n[colOnline] = round(1/(1+math.Exp(-logit)), 1e4)
	n[colAge] = round(a.age*math.Exp(0.45*r.NormFloat64()), 10)
	categoricals(r, a, dst)
}

// categoricals draws the correlated categorical columns of a regular store.
func categoricals(r *rand.Rand, a *archetype, dst *Store) {
	format := pick(r, a.formatW)
	var placement int
	switch formats[format] {
	case "kiosk":
		placement = 4 + pick(r, []float64{0.8, 0.2}) // station, airport
	case "express":
		placement = 3 + pick(r, []float64{0.6, 0.4}) // high_street, station
	default:
		placement = pick(r, a.placementW)
	}
	region := pick(r, a.regionW)
	city := pickCity(r, a.cityBias)
	dst.Cat[colFormat] = formats[format]
	dst.Cat[colPlacement] = placements[placement]
	dst.Cat[colRegion] = regions[region]
	dst.Cat[colCity] = cities[region][city]
	dst.Cat[colOwnership] = ownership(r, format, region)
}

// franchiseP is the franchise probability by format; regionShift adjusts it by region.
var (
	franchiseP  = []float64{0.05, 0.2, 0.05, 0.5, 0.4, 0.6, 0.15, 0.45, 0}
	regionShift = []float64{0, 0.1, -0.05, 0.05, 0}
)

func ownership(r *rand.Rand, format, region int) string {
	pf := max(0, franchiseP[format]+regionShift[region])
	pp := 0.08
	if formats[format] == "flagship" {
		pf, pp = 0, 0
	}
	u := r.Float64()
	switch {
	case u < pf:
		return ownerships[1]
	case u < pf+pp:
		return ownerships[2]
	}
	return ownerships[0]
}

// pickCity picks a city index within a region: weights exp(−bias·k/2) over size rank k.
func pickCity(r *rand.Rand, bias float64) int {
	var w [7]float64
	for k := range w {
		w[k] = math.Exp(-bias * float64(k) / 2)
	}
	return pick(r, w[:])
}

// pick returns an index with probability proportional to its weight.
func pick(r *rand.Rand, w []float64) int {
	sum := 0.0
	for _, x := range w {
		sum += x
	}
	u := r.Float64() * sum
	for k, x := range w {
		if u < x {
			return k
		}
		u -= x
	}
	for k := len(w) - 1; k > 0; k-- {
		if w[k] > 0 {
			return k
		}
	}
	return 0
}

// pickCum returns the index of the first cumulative weight above a uniform draw.
func pickCum(r *rand.Rand, cum []float64) int {
	u := r.Float64() * cum[len(cum)-1]
	for k, c := range cum {
		if u < c {
			return k
		}
	}
	return len(cum) - 1
}

func round(v, scale float64) float64 { return math.Round(v*scale) / scale }
