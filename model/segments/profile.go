package segments

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/storeseg/storeseg/model/frame"
)

// ProfileConfig controls segment profiles and generated names.
type ProfileConfig struct {
	// TopNumeric and TopCategories bound how many distinguishing numeric features and
	// over-represented categories a profile lists. Defaults 5 and 5; zero means the default.
	TopNumeric, TopCategories int
	// NameTraits is how many traits a generated name joins with " · ". Default 3.
	NameTraits int
	// MinEffect is the least |standardized difference| a trait needs to enter a name. Default 0.5.
	MinEffect float64
	// Words gives business words for a numeric feature's high and low side, e.g.
	// sales_area_m2 → {High: "large", Low: "small"}. Without an entry the name says
	// "high sales area" / "low sales area" (the feature name humanized).
	Words map[string]Words
}

// Words are the words a generated name uses for one numeric feature.
type Words struct{ High, Low string }

// DefaultProfileConfig returns the defaults.
func DefaultProfileConfig() ProfileConfig {
	return ProfileConfig{TopNumeric: 5, TopCategories: 5, NameTraits: 3, MinEffect: 0.5}
}

func (c ProfileConfig) withDefaults() ProfileConfig {
	d := DefaultProfileConfig()
	if c.TopNumeric == 0 {
		c.TopNumeric = d.TopNumeric
	}
	if c.TopCategories == 0 {
		c.TopCategories = d.TopCategories
	}
	if c.NameTraits == 0 {
		c.NameTraits = d.NameTraits
	}
	if c.MinEffect == 0 {
		c.MinEffect = d.MinEffect
	}
	return c
}

// Profile describes one segment.
type Profile struct {
	ID    int     `json:"id"`
	Name  string  `json:"name"`
	Size  int     `json:"size"`
	Share float64 `json:"share"`
	// Numeric lists the features that distinguish the segment most, strongest first.
	Numeric []NumericTrait `json:"numeric"`
	// Effects holds the standardized difference of every numeric feature (see
	// NumericTrait.Effect), by feature name.
	Effects map[string]float64 `json:"effects"`
	// Categories lists the most over-represented levels, strongest first.
	Categories []CategoryTrait `json:"categories"`
}

// NumericTrait is a numeric feature's standing in a segment.
type NumericTrait struct {
	Feature string `json:"feature"`
	// Effect is the standardized difference (segment mean − population mean) / population std,
	// on the prepared (transformed, imputed) values the model sees.
	Effect float64 `json:"effect"`
	// Median and PopulationMedian are medians of the raw values, missing cells skipped.
	Median           float64 `json:"median"`
	PopulationMedian float64 `json:"population_median"`
}

// CategoryTrait is an over-represented level.
type CategoryTrait struct {
	Feature string  `json:"feature"`
	Level   string  `json:"level"`
	Share   float64 `json:"share"`            // share of the segment's stores with this level
	Overall float64 `json:"population_share"` // share of all stores
	// Effect is (Share − Overall)/√(Overall(1−Overall)): the standardized difference of the
	// level's indicator, comparable with NumericTrait.Effect.
	Effect float64 `json:"effect"`
}

// Profiles describes every segment. prepared is the frame the model was fitted on, raw the
// same stores before preprocessing (for medians in original units; may be nil), seg the
// segment id of each row.
func Profiles(prepared, raw *frame.Frame, seg []int, cfg ProfileConfig) ([]Profile, error) {
	cfg = cfg.withDefaults()
	n := prepared.Rows()
	if len(seg) != n {
		return nil, fmt.Errorf("segments: %d segment ids for %d rows", len(seg), n)
	}
	if raw != nil && (raw.Rows() != n || len(raw.Num) != len(prepared.Num)) {
		return nil, fmt.Errorf("segments: raw frame does not match the prepared frame")
	}
	ids := distinct(seg)
	index := make(map[int]int, len(ids))
	for k, id := range ids {
		index[id] = k
	}
	out := make([]Profile, len(ids))
	for k, id := range ids {
		out[k] = Profile{ID: id}
	}
	for _, s := range seg {
		out[index[s]].Size++
	}
	for k := range out {
		out[k].Share = float64(out[k].Size) / float64(n)
	}
	numericTraits(prepared, raw, seg, index, out, cfg)
	categoryTraits(prepared, seg, index, out, cfg)
	names(out, cfg)
	return out, nil
}

func distinct(seg []int) []int {
	ids := slices.Clone(seg)
	slices.Sort(ids)
	return slices.Compact(ids)
}

func numericTraits(prepared, raw *frame.Frame, seg []int, index map[int]int, out []Profile, cfg ProfileConfig) {
	n, k := prepared.Rows(), len(out)
	for j, col := range prepared.Num {
		var mean, m2 float64
		sums := make([]float64, k)
		for i, v := range col {
			d := v - mean
			mean += d / float64(i+1)
			m2 += d * (v - mean)
			sums[index[seg[i]]] += v
		}
		std := math.Sqrt(m2 / float64(n))
		var segVals [][]float64
		popMedian := math.NaN()
		if raw != nil {
			segVals = make([][]float64, k)
			var all []float64
			for i, v := range raw.Num[j] {
				if !math.IsNaN(v) {
					segVals[index[seg[i]]] = append(segVals[index[seg[i]]], v)
					all = append(all, v)
				}
			}
			popMedian = median(all)
		}
		for s := range out {
			effect := 0.0
			if std > 0 {
				effect = (sums[s]/float64(out[s].Size) - mean) / std
			}
			t := NumericTrait{Feature: prepared.NumNames[j], Effect: effect, Median: math.NaN(), PopulationMedian: popMedian}
			if segVals != nil {
				t.Median = median(segVals[s])
			}
			out[s].Numeric = append(out[s].Numeric, t)
		}
	}
	for s := range out {
		out[s].Effects = make(map[string]float64, len(out[s].Numeric))
		for _, t := range out[s].Numeric {
			out[s].Effects[t.Feature] = t.Effect
		}
		sort.SliceStable(out[s].Numeric, func(a, b int) bool {
			return math.Abs(out[s].Numeric[a].Effect) > math.Abs(out[s].Numeric[b].Effect)
		})
		out[s].Numeric = out[s].Numeric[:min(cfg.TopNumeric, len(out[s].Numeric))]
	}
}

func categoryTraits(prepared *frame.Frame, seg []int, index map[int]int, out []Profile, cfg ProfileConfig) {
	n, k := prepared.Rows(), len(out)
	for q, col := range prepared.Cat {
		levels := prepared.Levels[q]
		counts := make([][]int, k)
		for s := range counts {
			counts[s] = make([]int, len(levels))
		}
		total := make([]int, len(levels))
		for i, c := range col {
			if c == frame.Missing {
				continue
			}
			counts[index[seg[i]]][c]++
			total[c]++
		}
		for s := range out {
			for l, lv := range levels {
				overall := float64(total[l]) / float64(n)
				share := float64(counts[s][l]) / float64(out[s].Size)
				if share <= overall || overall <= 0 || overall >= 1 {
					continue
				}
				out[s].Categories = append(out[s].Categories, CategoryTrait{
					Feature: prepared.CatNames[q], Level: lv, Share: share, Overall: overall,
					Effect: (share - overall) / math.Sqrt(overall*(1-overall)),
				})
			}
		}
	}
	for s := range out {
		sort.SliceStable(out[s].Categories, func(a, b int) bool {
			return out[s].Categories[a].Effect > out[s].Categories[b].Effect
		})
		out[s].Categories = out[s].Categories[:min(cfg.TopCategories, len(out[s].Categories))]
	}
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	slices.Sort(v)
	h := len(v) / 2
	if len(v)%2 == 1 {
		return v[h]
	}
	return (v[h-1] + v[h]) / 2
}

// trait is a candidate word for a generated name.
type trait struct {
	word   string
	effect float64
}

// names gives each profile a short name from its strongest traits, e.g.
// "large · out-of-town · high basket", and makes names unique.
func names(out []Profile, cfg ProfileConfig) {
	used := map[string]int{}
	for s := range out {
		var ts []trait
		for _, t := range out[s].Numeric {
			if math.Abs(t.Effect) >= cfg.MinEffect {
				ts = append(ts, trait{numericWord(t, cfg.Words), math.Abs(t.Effect)})
			}
		}
		seen := map[string]bool{}
		for _, t := range out[s].Categories {
			// One level per feature, and only levels that characterise the segment.
			if t.Effect >= cfg.MinEffect && t.Share >= 0.5 && !seen[t.Feature] {
				seen[t.Feature] = true
				ts = append(ts, trait{humanize(t.Level), t.Effect})
			}
		}
		sort.SliceStable(ts, func(a, b int) bool { return ts[a].effect > ts[b].effect })
		words := make([]string, 0, cfg.NameTraits)
		for _, t := range ts[:min(cfg.NameTraits, len(ts))] {
			words = append(words, t.word)
		}
		name := strings.Join(words, " · ")
		if name == "" {
			name = "typical"
		}
		used[name]++
		if c := used[name]; c > 1 {
			name = fmt.Sprintf("%s (%d)", name, c)
		}
		out[s].Name = name
	}
}

func numericWord(t NumericTrait, words map[string]Words) string {
	w, ok := words[t.Feature]
	switch {
	case ok && t.Effect > 0 && w.High != "":
		return w.High
	case ok && t.Effect < 0 && w.Low != "":
		return w.Low
	case t.Effect > 0:
		return "high " + humanize(t.Feature)
	default:
		return "low " + humanize(t.Feature)
	}
}

// humanize turns a column or level name into words: "sales_area_m2" → "sales area m2".
func humanize(s string) string {
	return strings.TrimSpace(strings.NewReplacer("_", " ").Replace(s))
}
