package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/storeseg/storeseg/synth"
	"github.com/storeseg/storeseg/table"
)

// runGenerate implements "refit generate": write a synthetic store table and its truth.
func runGenerate(ctx context.Context, args []string, stdout io.Writer) error {
	def := synth.DefaultConfig()
	fs := newFlagSet("generate", stdout)
	stores := fs.Int("stores", def.Stores, "number of stores")
	seed := fs.Uint64("seed", def.Seed, "random seed (same seed, same bytes)")
	out := fs.String("out", "", "output table, .csv or .parquet (required)")
	truth := fs.String("truth", "", "optional truth table (store_id, archetype), .csv or .parquet")
	outliers := fs.Float64("outlier-share", def.OutlierShare, "expected share of outlier stores")
	missing := fs.Float64("missing-share", def.MissingShare, "expected share of missing feature cells")
	if err := fs.Parse(args); err != nil {
		return &exitError{code: 2, err: err}
	}
	if fs.NArg() > 0 {
		return usageError("generate: unexpected arguments %q", fs.Args())
	}
	if *out == "" {
		return usageError("generate: -out is required")
	}
	for _, p := range []string{*out, *truth} {
		if p == "" {
			continue
		}
		f, err := table.FormatOf(p)
		if err != nil {
			return usageError("generate: %v", err)
		}
		if f == table.Avro {
			return usageError("generate: %s: writes .csv or .parquet (Avro is an input format only)", p)
		}
	}
	cfg := synth.Config{Stores: *stores, Seed: *seed, OutlierShare: *outliers, MissingShare: *missing}
	if err := cfg.Validate(); err != nil {
		return usageError("generate: %v", err)
	}
	start := time.Now()
	sum, err := synth.Generate(ctx, cfg, *out, *truth)
	if err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	printSummary(stdout, sum, *out, *truth, time.Since(start))
	return nil
}

func printSummary(w io.Writer, sum synth.Summary, out, truth string, took time.Duration) {
	for _, a := range sum.Archetypes {
		fmt.Fprintf(w, "%-24s %8d stores %5.1f%%  mean revenue %s EUR  mean area %s m²\n", a.Name, a.Stores,
			100*float64(a.Stores)/float64(sum.Stores), human(a.MeanRevenue), human(a.MeanArea))
	}
	fmt.Fprintf(w, "wrote %d stores to %s", sum.Stores, out)
	if truth != "" {
		fmt.Fprintf(w, " and their archetypes to %s", truth)
	}
	fmt.Fprintf(w, " (%.2f%% of feature cells missing) in %v\n",
		100*float64(sum.MissingCells)/float64(sum.FeatureCells), took.Round(time.Millisecond))
}

// human formats a positive amount with a k/M/G suffix.
func human(v float64) string {
	switch {
	case math.IsNaN(v):
		return "n/a"
	case v >= 1e9:
		return fmt.Sprintf("%.1fG", v/1e9)
	case v >= 1e6:
		return fmt.Sprintf("%.1fM", v/1e6)
	case v >= 1e4:
		return fmt.Sprintf("%.0fk", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}
