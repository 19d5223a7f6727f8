package synth_test

import (
	"math"
	"sort"
	"testing"

	"github.com/storeseg/storeseg/synth"
)

// byArchetype generates n stores without outliers or missing values and groups the logs of
// the numeric features by archetype.
func byArchetype(t *testing.T, n int) map[string][][]float64 {
	t.Helper()
	g, err := synth.New(synth.Config{Stores: n, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][][]float64{}
	for i := range n {
		s := g.Store(i)
		row := make([]float64, len(s.Num))
		for j, v := range s.Num {
			row[j] = math.Log1p(v)
		}
		out[s.Archetype] = append(out[s.Archetype], row)
	}
	return out
}

// TestSeparable: every pair of archetypes differs clearly in the mean of some numeric
// feature (on the log scale), measured in pooled standard deviations.
func TestSeparable(t *testing.T) {
	groups := byArchetype(t, 8000)
	names := synth.Archetypes()[:len(synth.Archetypes())-1]
	p := len(synth.NumNames())
	stats := func(rows [][]float64, j int) (mean, sd float64) {
		for _, r := range rows {
			mean += r[j]
		}
		mean /= float64(len(rows))
		for _, r := range rows {
			sd += (r[j] - mean) * (r[j] - mean)
		}
		return mean, math.Sqrt(sd / float64(len(rows)))
	}
	for a := range names {
		for b := a + 1; b < len(names); b++ {
			best := 0.0
			for j := range p {
				ma, sa := stats(groups[names[a]], j)
				mb, sb := stats(groups[names[b]], j)
				best = math.Max(best, math.Abs(ma-mb)/math.Sqrt((sa*sa+sb*sb)/2+1e-12))
			}
			if best < 2 {
				t.Errorf("%s vs %s: largest standardized mean difference %.2f; want ≥ 2", names[a], names[b], best)
			}
		}
	}
}

// TestBanana: hypermarket log revenue is concave in log area (the middle third by area earns
// more than the line between the outer thirds), i.e. the cloud is curved, not elliptical.
func TestBanana(t *testing.T) {
	rows := byArchetype(t, 8000)["hypermarket_out_of_town"]
	sort.Slice(rows, func(i, j int) bool { return rows[i][1] < rows[j][1] })
	third := len(rows) / 3
	mean := func(rs [][]float64, j int) float64 {
		s := 0.0
		for _, r := range rs {
			s += r[j]
		}
		return s / float64(len(rs))
	}
	lo, mid, hi := rows[:third], rows[third:2*third], rows[2*third:]
	line := (mean(lo, 0) + mean(hi, 0)) / 2
	if bend := mean(mid, 0) - line; bend < 0.1 {
		t.Errorf("hypermarket revenue bend over area = %.3f; want ≥ 0.1 (curved cloud)", bend)
	}
}
