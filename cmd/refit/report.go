package main

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/storeseg/storeseg/model"
	"github.com/storeseg/storeseg/model/segments"
)

// writeReport writes report.md and its plots into dir.
func writeReport(dir string, res *model.FitResult, gate []string) error {
	plots := []struct {
		file string
		fn   func(string, *model.FitResult) error
	}{
		{"famd_plane.png", plotPlane},
		{"segment_sizes.png", plotSizes},
		{"segment_profiles.png", plotProfiles},
	}
	for _, p := range plots {
		if err := p.fn(filepath.Join(dir, p.file), res); err != nil {
			return fmt.Errorf("%s: %w", p.file, err)
		}
	}
	return writeFileAtomic(filepath.Join(dir, "report.md"), []byte(reportMarkdown(res, gate)))
}

func reportMarkdown(res *model.FitResult, gate []string) string {
	var b strings.Builder
	m := res.Bundle.Manifest()
	fmt.Fprintf(&b, "# Store segmentation %s\n\n", m.ModelVersion)
	fmt.Fprintf(&b, "%d stores from `%s`, config `%.12s`, code `%s`. %s.\n\n", m.Snapshot.Rows, m.Snapshot.Source, m.ConfigHash, m.CodeVersion, res.PreviousNote)
	if len(gate) == 0 {
		b.WriteString("**Quality gate: passed.**\n\n")
	} else {
		b.WriteString("**Quality gate: FAILED — not published.**\n\n")
		for _, g := range gate {
			fmt.Fprintf(&b, "- %s\n", g)
		}
		b.WriteString("\n")
	}
	b.WriteString("## Segments\n\n![segment sizes](segment_sizes.png)\n\n| id | name | stores | share | distinguishing features | over-represented |\n|---:|---|---:|---:|---|---|\n")
	for _, p := range res.Profiles {
		fmt.Fprintf(&b, "| %d | %s | %d | %.1f%% | %s | %s |\n", p.ID, p.Name, p.Size, 100*p.Share, numericTraits(p), categoryTraits(p))
	}
	b.WriteString("\nEffects are standardized differences from all stores (segment mean − overall mean, in overall standard deviations, after the configured transforms).\n\n")
	b.WriteString("![segment profiles](segment_profiles.png)\n\n## Stores on the first FAMD plane\n\n![FAMD plane](famd_plane.png)\n\n")
	b.WriteString("## Quality\n\n| metric | value |\n|---|---:|\n")
	for _, k := range sortedKeys(m.Metrics) {
		fmt.Fprintf(&b, "| %s | %.4g |\n", k, m.Metrics[k])
	}
	b.WriteString("\n## Changes against the previous model\n\n| kind | from | to | stores | Jaccard |\n|---|---|---|---:|---:|\n")
	for _, t := range res.Matching.Transitions {
		fmt.Fprintf(&b, "| %s | %s | %s | %d | %.3f |\n", t.Kind, ints(t.From), ints(t.To), t.Stores, t.Jaccard)
	}
	b.WriteString("\n## Stages\n\n| stage | took |\n|---|---:|\n")
	for _, s := range res.Stages {
		fmt.Fprintf(&b, "| %s | %s |\n", s.Stage, s.Took.Round(time.Millisecond))
	}
	return b.String()
}

func numericTraits(p segments.Profile) string {
	var parts []string
	for _, t := range p.Numeric[:min(3, len(p.Numeric))] {
		parts = append(parts, fmt.Sprintf("%s %+.2f (median %.4g)", t.Feature, t.Effect, t.Median))
	}
	return strings.Join(parts, "; ")
}

func categoryTraits(p segments.Profile) string {
	var parts []string
	for _, t := range p.Categories[:min(3, len(p.Categories))] {
		parts = append(parts, fmt.Sprintf("%s=%s %.0f%% (all: %.0f%%)", t.Feature, t.Level, 100*t.Share, 100*t.Overall))
	}
	return strings.Join(parts, "; ")
}

func ints(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ", ")
}

// segmentColors gives each segment a distinct colour (Glasbey-like fixed palette).
var segmentColors = []color.RGBA{
	{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255}, {148, 103, 189, 255},
	{140, 86, 75, 255}, {227, 119, 194, 255}, {127, 127, 127, 255}, {188, 189, 34, 255}, {23, 190, 207, 255},
	{0, 0, 128, 255}, {128, 128, 0, 255}, {0, 128, 128, 255}, {128, 0, 0, 255}, {255, 215, 0, 255},
}

// plotPlane scatters (a deterministic sample of) the stores on components 1 and 2, coloured
// by segment.
func plotPlane(path string, res *model.FitResult) error {
	p := plot.New()
	p.Title.Text = "Stores on FAMD components 1 and 2"
	eig := res.FAMD.Eigenvalues
	p.X.Label.Text = fmt.Sprintf("famd_1 (%.1f%%)", res.FAMD.Percent[0])
	if len(eig) > 1 && res.FAMD.Model.NComponents() > 1 {
		p.Y.Label.Text = fmt.Sprintf("famd_2 (%.1f%%)", res.FAMD.Percent[1])
	}
	n := len(res.SegmentIDs)
	step := max(1, n/20000)
	bySeg := map[int]plotter.XYs{}
	for i := 0; i < n; i += step {
		y := 0.0
		if res.FAMD.Model.NComponents() > 1 {
			y = res.FAMD.Coord.At(i, 1)
		}
		bySeg[res.SegmentIDs[i]] = append(bySeg[res.SegmentIDs[i]], plotter.XY{X: res.FAMD.Coord.At(i, 0), Y: y})
	}
	for k, prof := range res.Profiles {
		s, err := plotter.NewScatter(bySeg[prof.ID])
		if err != nil {
			return err
		}
		s.GlyphStyle.Color = segmentColors[k%len(segmentColors)]
		s.GlyphStyle.Radius = vg.Points(1.2)
		s.GlyphStyle.Shape = draw.CircleGlyph{}
		p.Add(s)
		p.Legend.Add(fmt.Sprintf("%d %s", prof.ID, truncate(prof.Name, 40)), s)
	}
	p.Legend.Top = true
	p.Legend.TextStyle.Font.Size = vg.Points(7)
	return p.Save(9*vg.Inch, 7*vg.Inch, path)
}

// plotSizes draws the number of stores per segment.
func plotSizes(path string, res *model.FitResult) error {
	p := plot.New()
	p.Title.Text = "Stores per segment"
	vals := make(plotter.Values, len(res.Profiles))
	labels := make([]string, len(res.Profiles))
	for i, prof := range res.Profiles {
		vals[i] = float64(prof.Size)
		labels[i] = fmt.Sprint(prof.ID)
	}
	bars, err := plotter.NewBarChart(vals, vg.Points(18))
	if err != nil {
		return err
	}
	bars.Color = segmentColors[0]
	p.Add(bars)
	p.NominalX(labels...)
	p.X.Label.Text = "segment id"
	p.Y.Label.Text = "stores"
	return p.Save(8*vg.Inch, 4*vg.Inch, path)
}

// effectGrid is the segments × features matrix of numeric effects, for a heat map.
type effectGrid struct {
	z        [][]float64
	features []string
}

func (g effectGrid) Dims() (c, r int)   { return len(g.features), len(g.z) }
func (g effectGrid) Z(c, r int) float64 { return g.z[r][c] }
func (g effectGrid) X(c int) float64    { return float64(c) }
func (g effectGrid) Y(r int) float64    { return float64(r) }

// plotProfiles draws every segment's standardized effect on every numeric feature.
func plotProfiles(path string, res *model.FitResult) error {
	features := res.Prepared.NumNames
	if len(features) == 0 || len(res.Profiles) == 0 {
		return os.WriteFile(path, nil, 0o644)
	}
	g := effectGrid{features: features, z: make([][]float64, len(res.Profiles))}
	index := map[string]int{}
	for j, f := range features {
		index[f] = j
	}
	limit := 0.5
	for r, prof := range res.Profiles {
		g.z[r] = make([]float64, len(features))
		for f, e := range prof.Effects {
			g.z[r][index[f]] = e
			limit = math.Max(limit, math.Abs(e))
		}
	}
	pal := moreland.SmoothBlueRed()
	pal.SetMin(-limit)
	pal.SetMax(limit)
	h := plotter.NewHeatMap(g, pal.Palette(64))
	h.Min, h.Max = -limit, limit
	p := plot.New()
	p.Title.Text = "Numeric profile of each segment (standardized effect; red above average, blue below)"
	p.Add(h)
	p.NominalX(features...)
	p.X.Tick.Label.Rotation = math.Pi / 4
	p.X.Tick.Label.XAlign = draw.XRight
	labels := make([]string, len(res.Profiles))
	for i, prof := range res.Profiles {
		labels[i] = fmt.Sprintf("%d %s", prof.ID, truncate(prof.Name, 36))
	}
	p.NominalY(labels...)
	return p.Save(10*vg.Inch, vg.Length(2+0.35*float64(len(labels)))*vg.Inch, path)
}
