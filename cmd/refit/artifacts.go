package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/storeseg/storeseg/config"
	"github.com/storeseg/storeseg/model"
	"github.com/storeseg/storeseg/model/frame"
	"github.com/storeseg/storeseg/table"
)

// Files of a refit's output directory.
const (
	bundleFile    = "model/model.bundle"             // the versioned bundle (MLflow registers model/)
	championFile  = "champion.bundle"                // the last bundle that passed its gate
	clusteredFile = "final_clustered_stores.parquet" // one row per store
	metricsFile   = "metrics.json"                   // metrics, stage durations, gate outcome
	reportDir     = "report"                         // report.md and its plots
	configFile    = "config.yaml"                    // the normalised config used
	profilesFile  = "profiles.json"                  // segment profiles
	transitionsFN = "transitions.json"               // kept/split/merged/born/died
)

// artifacts locates what a refit wrote.
type artifacts struct {
	dir, bundle, champion string
	bundleBytes           []byte
}

// promote keeps the bundle as the local champion, for the next refit's comparison.
func (a *artifacts) promote() error {
	return writeFileAtomic(a.champion, a.bundleBytes)
}

// writeArtifacts writes everything a refit produces into dir. Every file is written to a
// temporary name and renamed, so a crash never leaves a half-written artifact.
func writeArtifacts(dir string, cfg *config.Config, raw *frame.Frame, res *model.FitResult, gate []string) (*artifacts, error) {
	for _, d := range []string{dir, filepath.Join(dir, "model"), filepath.Join(dir, reportDir)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	data, err := res.Bundle.Marshal()
	if err != nil {
		return nil, err
	}
	a := &artifacts{dir: dir, bundle: filepath.Join(dir, bundleFile), champion: filepath.Join(dir, championFile), bundleBytes: data}
	if err := writeFileAtomic(a.bundle, data); err != nil {
		return nil, err
	}
	if err := writeClustered(filepath.Join(dir, clusteredFile), raw, res); err != nil {
		return nil, fmt.Errorf("writing %s: %w", clusteredFile, err)
	}
	yml, err := cfg.YAML()
	if err != nil {
		return nil, err
	}
	docs := []struct {
		name string
		v    any
	}{
		{metricsFile, map[string]any{"model_version": res.Bundle.Version(), "metrics": res.Metrics, "stages": res.Stages,
			"gate_failures": gate, "previous": res.PreviousNote}},
		{profilesFile, res.Profiles},
		{transitionsFN, res.Matching.Transitions},
	}
	for _, d := range docs {
		b, err := json.MarshalIndent(d.v, "", "  ")
		if err != nil {
			return nil, fmt.Errorf("encoding %s: %w", d.name, err)
		}
		if err := writeFileAtomic(filepath.Join(dir, d.name), append(b, '\n')); err != nil {
			return nil, err
		}
	}
	if err := writeFileAtomic(filepath.Join(dir, configFile), yml); err != nil {
		return nil, err
	}
	if err := writeReport(filepath.Join(dir, reportDir), res, gate); err != nil {
		return nil, fmt.Errorf("writing the report: %w", err)
	}
	return a, nil
}

// writeClustered writes final_clustered_stores.parquet: the id, every input feature as given,
// the FAMD coordinates, the HDBSCAN result and the final segment of every store.
func writeClustered(path string, raw *frame.Frame, res *model.FitResult) error {
	k := res.FAMD.Model.NComponents()
	cols := []table.Column{{Name: raw.IDName, Type: table.String}}
	for _, n := range raw.NumNames {
		cols = append(cols, table.Column{Name: n, Type: table.Float64})
	}
	for _, n := range raw.CatNames {
		cols = append(cols, table.Column{Name: n, Type: table.String})
	}
	for _, n := range componentNames(k) {
		cols = append(cols, table.Column{Name: n, Type: table.Float64})
	}
	cols = append(cols,
		table.Column{Name: "cluster", Type: table.Int64}, table.Column{Name: "probability", Type: table.Float64},
		table.Column{Name: "outlier_score", Type: table.Float64}, table.Column{Name: "segment_id", Type: table.Int64},
		table.Column{Name: "segment_name", Type: table.String}, table.Column{Name: "assignment_source", Type: table.String},
		table.Column{Name: "confidence", Type: table.Float64}, table.Column{Name: "model_version", Type: table.String})
	w, err := table.Create(path, table.Parquet, cols)
	if err != nil {
		return err
	}
	names := map[int]string{}
	for _, s := range res.Bundle.Segments() {
		names[s.ID] = s.Name
	}
	version := res.Bundle.Version()
	for i, id := range raw.IDs {
		c := 0
		w.String(c, id)
		for _, col := range raw.Num {
			c++
			w.Float64(c, col[i])
		}
		for q, col := range raw.Cat {
			c++
			if code := col[i]; code != frame.Missing {
				w.String(c, raw.Levels[q][code])
			}
		}
		for j := range k {
			c++
			w.Float64(c, res.FAMD.Coord.At(i, j))
		}
		seg := res.SegmentIDs[i]
		w.Int64(c+1, int64(res.Clusters.Labels[i]))
		w.Float64(c+2, res.Clusters.Probabilities[i])
		w.Float64(c+3, res.Clusters.OutlierScores[i])
		w.Int64(c+4, int64(seg))
		w.String(c+5, names[seg])
		w.String(c+6, res.Sources[i].String())
		w.Float64(c+7, res.Confidences[i])
		w.String(c+8, version)
		if err := w.EndRow(); err != nil {
			return abort(w, err)
		}
	}
	return w.Close()
}

// writeFileAtomic writes data to a temporary file next to path and renames it into place.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}
