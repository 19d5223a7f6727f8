package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/storeseg/storeseg/config"
	"github.com/storeseg/storeseg/model/famd"
	"github.com/storeseg/storeseg/model/frame"
	"github.com/storeseg/storeseg/model/preprocess"
	"github.com/storeseg/storeseg/table"
)

// runFAMD implements "refit famd": preprocess a store table and run FAMD on it, writing the
// eigenvalues, the principal coordinates and the variable contributions.
func runFAMD(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlagSet("famd", stdout)
	input := fs.String("input", "", "store table, .csv or .parquet (required)")
	cfgPath := fs.String("config", "", "segmentation config YAML (default: the embedded config for generated stores)")
	out := fs.String("out", "", "output directory (required)")
	ncp := fs.Int("n-components", 0, "override famd.n_components")
	if err := fs.Parse(args); err != nil {
		return &exitError{code: 2, err: err}
	}
	if *input == "" || *out == "" || fs.NArg() > 0 {
		return usageError("famd: -input and -out are required (and no other arguments)")
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	if *ncp > 0 {
		cfg.FAMD.NComponents, cfg.FAMD.MinCumulativeInertia = *ncp, 0
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("famd: %w", err)
	}
	st := newStages(stdout)
	raw, err := stage(st, "read", func() (*frame.Frame, error) { return table.Read(ctx, *input, cfg.Schema()) })
	if err != nil {
		return err
	}
	var prepared *frame.Frame
	if _, err := stage(st, "preprocess", func() (struct{}, error) {
		_, p, err := preprocess.Fit(cfg.PreprocessSpec(), raw)
		prepared = p
		return struct{}{}, err
	}); err != nil {
		return err
	}
	res, err := stage(st, "famd", func() (*famd.Result, error) { return famd.Fit(ctx, prepared, cfg.FAMDConfig()) })
	if err != nil {
		return err
	}
	if _, err := stage(st, "write", func() (struct{}, error) {
		return struct{}{}, writeFAMDOutputs(*out, cfg.ID, raw.IDs, res)
	}); err != nil {
		return err
	}
	printFAMDSummary(stdout, raw, prepared, res, *out)
	st.print()
	return nil
}

// loadConfig reads the config at path, or the embedded default when path is empty.
func loadConfig(path string) (*config.Config, error) {
	if path == "" {
		return config.Default(), nil
	}
	cfg, err := config.Load(path)
	if err != nil {
		return nil, usageError("%w", err)
	}
	return cfg, nil
}

func writeFAMDOutputs(dir, idName string, ids []string, res *famd.Result) error {
	if err := writeEigenvalues(filepath.Join(dir, "eigenvalues.csv"), res); err != nil {
		return err
	}
	k := res.Model.NComponents()
	if err := writeCoordinates(filepath.Join(dir, "coordinates.csv"), idName, ids, res.Coord, k); err != nil {
		return err
	}
	return writeVariables(filepath.Join(dir, "variables.csv"), res, k)
}

func writeEigenvalues(path string, res *famd.Result) error {
	w, err := table.Create(path, table.CSV, []table.Column{
		{Name: "component", Type: table.Int64}, {Name: "eigenvalue", Type: table.Float64},
		{Name: "percent", Type: table.Float64}, {Name: "cumulative_percent", Type: table.Float64},
	})
	if err != nil {
		return err
	}
	for i, ev := range res.Eigenvalues {
		w.Int64(0, int64(i+1))
		w.Float64(1, ev)
		w.Float64(2, res.Percent[i])
		w.Float64(3, res.Cumulative[i])
		if err := w.EndRow(); err != nil {
			return abort(w, err)
		}
	}
	return w.Close()
}

// componentNames returns famd_1 … famd_k.
func componentNames(k int) []string {
	names := make([]string, k)
	for c := range names {
		names[c] = fmt.Sprintf("famd_%d", c+1)
	}
	return names
}

func writeCoordinates(path, idName string, ids []string, coord *mat.Dense, k int) error {
	cols := []table.Column{{Name: idName, Type: table.String}}
	for _, n := range componentNames(k) {
		cols = append(cols, table.Column{Name: n, Type: table.Float64})
	}
	w, err := table.Create(path, table.FormatAuto, cols)
	if err != nil {
		return err
	}
	for i, id := range ids {
		w.String(0, id)
		for c := range k {
			w.Float64(c+1, coord.At(i, c))
		}
		if err := w.EndRow(); err != nil {
			return abort(w, err)
		}
	}
	return w.Close()
}

// writeVariables writes one row per variable: its type, its squared correlation (numeric)
// or correlation ratio (categorical) with each component, and its contribution to each.
func writeVariables(path string, res *famd.Result, k int) error {
	cols := []table.Column{{Name: "variable", Type: table.String}, {Name: "type", Type: table.String}}
	for _, n := range componentNames(k) {
		cols = append(cols, table.Column{Name: "sq_corr_" + n, Type: table.Float64})
	}
	for _, n := range componentNames(k) {
		cols = append(cols, table.Column{Name: "contrib_" + n, Type: table.Float64})
	}
	w, err := table.Create(path, table.CSV, cols)
	if err != nil {
		return err
	}
	numeric := map[string]bool{}
	for _, n := range res.Model.NumNames() {
		numeric[n] = true
	}
	v := res.Vars
	for i, name := range v.Names {
		typ := "categorical"
		if numeric[name] {
			typ = "numeric"
		}
		w.String(0, name)
		w.String(1, typ)
		for c := range k {
			w.Float64(2+c, v.Coord.At(i, c))
			w.Float64(2+k+c, v.Contrib.At(i, c))
		}
		if err := w.EndRow(); err != nil {
			return abort(w, err)
		}
	}
	return w.Close()
}

func abort(w *table.Writer, err error) error {
	if aerr := w.Abort(); aerr != nil {
		return fmt.Errorf("%w (and aborting: %w)", err, aerr)
	}
	return err
}

func printFAMDSummary(w io.Writer, raw, prepared *frame.Frame, res *famd.Result, out string) {
	levels := 0
	for _, l := range prepared.Levels {
		levels += len(l)
	}
	fmt.Fprintf(w, "FAMD of %d stores: %d numeric and %d categorical features (%d levels); %d components kept\n\n",
		raw.Rows(), len(prepared.Num), len(prepared.Cat), levels, res.Model.NComponents())
	fmt.Fprintf(w, "%-10s %12s %9s %11s\n", "component", "eigenvalue", "percent", "cumulative")
	shown := min(len(res.Eigenvalues), max(res.Model.NComponents()+2, 10))
	for i := range shown {
		mark := " "
		if i < res.Model.NComponents() {
			mark = "*"
		}
		bar := strings.Repeat("█", int(res.Percent[i]/2+0.5))
		fmt.Fprintf(w, "%s%-9d %12.6f %8.2f%% %10.2f%%  %s\n", mark, i+1, res.Eigenvalues[i], res.Percent[i], res.Cumulative[i], bar)
	}
	if shown < len(res.Eigenvalues) {
		fmt.Fprintf(w, "  … %d more in eigenvalues.csv\n", len(res.Eigenvalues)-shown)
	}
	fmt.Fprintf(w, "\n* kept. Wrote %s/{eigenvalues,coordinates,variables}.csv\n", out)
}

// stages times the steps of a command and prints them.
type stages struct {
	w     io.Writer
	names []string
	took  []time.Duration
}

func newStages(w io.Writer) *stages { return &stages{w: w} }

// stage runs fn as the named stage, recording its duration and naming it in any error.
func stage[T any](s *stages, name string, fn func() (T, error)) (T, error) {
	start := time.Now()
	v, err := fn()
	s.names = append(s.names, name)
	s.took = append(s.took, time.Since(start))
	if err != nil {
		var zero T
		return zero, fmt.Errorf("%s: %w", name, err)
	}
	return v, nil
}

func (s *stages) print() {
	var total time.Duration
	parts := make([]string, len(s.names))
	for i, n := range s.names {
		parts[i] = fmt.Sprintf("%s %v", n, s.took[i].Round(time.Millisecond))
		total += s.took[i]
	}
	fmt.Fprintf(s.w, "took %v (%s)\n", total.Round(time.Millisecond), strings.Join(parts, ", "))
}
