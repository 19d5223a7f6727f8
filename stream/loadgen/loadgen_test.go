package loadgen_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/storeseg/storeseg/schemas"
	"github.com/storeseg/storeseg/stream/loadgen"
)

func TestMessages(t *testing.T) {
	cfg := loadgen.DefaultConfig()
	cfg.Synth.Stores = 20
	g, err := loadgen.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dec := schemas.NewDecoder(nil)
	ctx := context.Background()
	for i := range 20 {
		snap, err := g.Snapshot(nil, i)
		if err != nil {
			t.Fatal(err)
		}
		var u schemas.StoreFeatureUpdate
		if err := dec.Decode(ctx, snap, &u); err != nil {
			t.Fatalf("snapshot %d: %v", i, err)
		}
		if u.StoreID != string(g.Key(i)) || len(u.Numeric) != 10 || len(u.Categorical) != 5 || u.EventTime != cfg.Start.UnixMilli() {
			t.Errorf("snapshot %d = %+v; want every feature at the start time", i, u)
		}
		up, err := g.Update(nil, i, 3)
		if err != nil {
			t.Fatal(err)
		}
		if err := dec.Decode(ctx, up, &u); err != nil {
			t.Fatalf("update %d: %v", i, err)
		}
		if len(u.Numeric)+len(u.Categorical) >= 15 || u.EventTime != cfg.Start.Add(3*time.Hour).UnixMilli() || u.Sequence != 3 {
			t.Errorf("update %d = %+v; want a partial update at step 3", i, u)
		}
	}
	f := g.Frame(20)
	if err := f.Validate(); err != nil || f.Rows() != 20 || len(f.NumNames) != 10 || len(f.CatNames) != 5 {
		t.Errorf("Frame: %v, %d rows, %d numeric, %d categorical", err, f.Rows(), len(f.NumNames), len(f.CatNames))
	}
}

func TestConfluentFraming(t *testing.T) {
	cfg := loadgen.DefaultConfig()
	cfg.Synth.Stores, cfg.SchemaID = 2, 77
	g, err := loadgen.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := g.Snapshot(nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	if b[0] != 0 || b[4] != 77 {
		t.Errorf("header % x; want magic 0 and schema id 77", b[:5])
	}
}

func TestConfigErrors(t *testing.T) {
	for name, change := range map[string]func(*loadgen.Config){
		"zero step":         func(c *loadgen.Config) { c.Step = 0 },
		"negative schema":   func(c *loadgen.Config) { c.SchemaID = -1 },
		"no stores":         func(c *loadgen.Config) { c.Synth.Stores = 0 },
		"start before 1970": func(c *loadgen.Config) { c.Start = time.Unix(-5, 0) },
	} {
		cfg := loadgen.DefaultConfig()
		change(&cfg)
		if _, err := loadgen.New(cfg); !errors.Is(err, loadgen.ErrConfig) {
			t.Errorf("%s: New = %v; want ErrConfig", name, err)
		}
	}
}

func ExampleGenerator() {
	cfg := loadgen.DefaultConfig()
	cfg.Synth.Stores = 3
	g, _ := loadgen.New(cfg)
	_, _ = g.Snapshot(nil, 0)
	snap := g.Record()
	fmt.Println(snap.StoreID, len(snap.Numeric), "numeric and", len(snap.Categorical), "categorical features")
	_, _ = g.Update(nil, 0, 1)
	fmt.Println(g.Record().StoreID, "update at", time.UnixMilli(g.Record().EventTime).UTC().Format(time.RFC3339))
	// Output:
	// S0000001 10 numeric and 5 categorical features
	// S0000001 update at 2026-01-01T01:00:00Z
}
