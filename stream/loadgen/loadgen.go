// Package loadgen turns the synthetic stores of package synth into store-features messages:
// a full snapshot of each store, then drifting partial updates (synth.Generator.UpdateTo),
// framed as Avro single-object or Confluent wire format. cmd/producer, the stream tests and
// the stream benchmarks share it, so they all send what a real producer would.
package loadgen

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/storeseg/storeseg/model/frame"
	"github.com/storeseg/storeseg/schemas"
	"github.com/storeseg/storeseg/synth"
)

// ErrConfig reports an invalid Config.
var ErrConfig = errors.New("loadgen: invalid config")

// Config configures a Generator.
type Config struct {
	// Synth selects the generated stores (count, seed, outlier and missing shares).
	Synth synth.Config
	// Start is the event time of the snapshots. Default 2026-01-01T00:00:00Z.
	Start time.Time
	// Step is the event-time distance between update steps. Default 1 h.
	Step time.Duration
	// SchemaID, when positive, frames messages in the Confluent wire format under this
	// Schema Registry id (of the newest StoreFeatureUpdate schema); 0 uses Avro single-object
	// encoding.
	SchemaID int
	// Source is the lineage source written into every update. Default "loadgen".
	Source string
}

// DefaultConfig returns the defaults documented on Config, with synth's defaults.
func DefaultConfig() Config {
	return Config{Synth: synth.DefaultConfig(), Start: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Step: time.Hour, Source: "loadgen"}
}

// Generator makes the messages of one Config. It is not safe for concurrent use (it reuses
// buffers); make one per goroutine.
type Generator struct {
	cfg      Config
	g        *synth.Generator
	num, cat []string
	st       synth.Store
	up       synth.Update
	rec      schemas.StoreFeatureUpdate
}

// New returns a Generator.
func New(cfg Config) (*Generator, error) {
	if cfg.Step <= 0 || cfg.Start.UnixMilli() <= 0 || cfg.SchemaID < 0 {
		return nil, fmt.Errorf("%w: step %s, start %s, schema id %d", ErrConfig, cfg.Step, cfg.Start, cfg.SchemaID)
	}
	g, err := synth.New(cfg.Synth)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return &Generator{cfg: cfg, g: g, num: synth.NumNames(), cat: synth.CatNames()}, nil
}

// Stores returns the number of stores.
func (g *Generator) Stores() int { return g.cfg.Synth.Stores }

// Key returns the message key of store i.
func (g *Generator) Key(i int) []byte { return []byte(synth.StoreID(i)) }

// EventTime returns the event time of update step (0 = the snapshot).
func (g *Generator) EventTime(step int) time.Time {
	return g.cfg.Start.Add(time.Duration(step) * g.cfg.Step)
}

// Snapshot appends to dst the framed full snapshot of store i: every feature, missing ones
// as null.
func (g *Generator) Snapshot(dst []byte, i int) ([]byte, error) {
	g.g.StoreTo(&g.st, i)
	g.fill(g.st.ID, 0, g.st.Num, g.st.Cat, true)
	return g.append(dst)
}

// Update appends to dst the framed partial update of store i at step (≥ 1): only the
// features that changed.
func (g *Generator) Update(dst []byte, i, step int) ([]byte, error) {
	g.g.UpdateTo(&g.up, i, step)
	g.fill(g.up.ID, step, g.up.Num, g.up.Cat, false)
	return g.append(dst)
}

// Record returns the decoded form of the last Snapshot or Update.
func (g *Generator) Record() *schemas.StoreFeatureUpdate { return &g.rec }

func (g *Generator) fill(id string, step int, num []float64, cat []string, full bool) {
	r := &g.rec
	*r = schemas.StoreFeatureUpdate{StoreID: id, EventTime: g.EventTime(step).UnixMilli(), Source: g.cfg.Source,
		Sequence: int64(step), HasSequence: true, Numeric: r.Numeric[:0], Categorical: r.Categorical[:0]}
	for j, v := range num {
		switch {
		case !math.IsNaN(v):
			r.Numeric = append(r.Numeric, schemas.NumericValue{Name: g.num[j], Value: v})
		case full:
			r.Numeric = append(r.Numeric, schemas.NumericValue{Name: g.num[j], Null: true})
		}
	}
	for q, v := range cat {
		switch {
		case v != "":
			r.Categorical = append(r.Categorical, schemas.CategoricalValue{Name: g.cat[q], Value: v})
		case full:
			r.Categorical = append(r.Categorical, schemas.CategoricalValue{Name: g.cat[q], Null: true})
		}
	}
}

func (g *Generator) append(dst []byte) ([]byte, error) {
	if g.cfg.SchemaID > 0 {
		return schemas.AppendConfluent(dst, g.cfg.SchemaID, &g.rec)
	}
	return schemas.AppendSingleObject(dst, &g.rec)
}

// Frame returns the snapshot of stores [0, n) as a raw frame with the generator's columns
// (what a refit reads), for fitting a model on the same stores.
func (g *Generator) Frame(n int) *frame.Frame {
	f := &frame.Frame{IDName: synth.IDColumn, IDs: make([]string, n), NumNames: g.num, CatNames: g.cat,
		Num: make([][]float64, len(g.num)), Cat: make([][]int32, len(g.cat)), Levels: make([][]string, len(g.cat))}
	for j := range f.Num {
		f.Num[j] = make([]float64, n)
	}
	codes := make([]map[string]int32, len(g.cat))
	for q := range f.Cat {
		f.Cat[q] = make([]int32, n)
		codes[q] = map[string]int32{}
	}
	var st synth.Store
	for i := range n {
		g.g.StoreTo(&st, i)
		f.IDs[i] = st.ID
		for j, v := range st.Num {
			f.Num[j][i] = v
		}
		for q, v := range st.Cat {
			f.Cat[q][i] = code(f, codes, q, v)
		}
	}
	return f
}

func code(f *frame.Frame, codes []map[string]int32, q int, v string) int32 {
	if v == "" {
		return frame.Missing
	}
	c, ok := codes[q][v]
	if !ok {
		c = int32(len(f.Levels[q]))
		codes[q][v] = c
		f.Levels[q] = append(f.Levels[q], v)
	}
	return c
}

// Names returns the numeric and categorical feature names the messages carry.
func (g *Generator) Names() (numeric, categorical []string) {
	return slices.Clone(g.num), slices.Clone(g.cat)
}
