//go:build integration

package registry_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/storeseg/storeseg/schemas"
	"github.com/storeseg/storeseg/schemas/registry"
)

// TestRealRegistry runs against a real Confluent-compatible Schema Registry at
// SCHEMA_REGISTRY_URL (see docs/schemas.md for starting one); it is skipped when unset.
func TestRealRegistry(t *testing.T) {
	url := os.Getenv("SCHEMA_REGISTRY_URL")
	if url == "" {
		t.Skip("SCHEMA_REGISTRY_URL not set")
	}
	c, err := registry.New(registry.DefaultConfig(url), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	subject := registry.Subject(fmt.Sprintf("storeseg-it-%d", time.Now().UnixNano()))
	versions := schemas.Versions("StoreFeatureUpdate")
	var ids []int
	for _, v := range versions {
		comp, err := c.CheckCompatibility(ctx, subject, v.Text)
		if err != nil || !comp.Compatible {
			t.Fatalf("CheckCompatibility(v%d) = %+v, %v; want compatible", v.Version, comp, err)
		}
		id, err := c.Register(ctx, subject, v.Text)
		if err != nil {
			t.Fatalf("Register(v%d) error: %v", v.Version, err)
		}
		ids = append(ids, id)
	}
	comp, err := c.CheckCompatibility(ctx, subject, schemas.Versions("StoreState")[0].Text)
	if err != nil || comp.Compatible {
		t.Errorf("CheckCompatibility(StoreState) = %+v, %v; want incompatible", comp, err)
	}
	u := schemas.StoreFeatureUpdate{StoreID: "it", EventTime: 1, Numeric: []schemas.NumericValue{{Name: "x", Value: 2}}}
	msg, err := schemas.AppendConfluent(nil, ids[len(ids)-1], &u)
	if err != nil {
		t.Fatal(err)
	}
	fresh, _ := registry.New(registry.DefaultConfig(url), nil)
	var got schemas.StoreFeatureUpdate
	if err := schemas.NewDecoder(fresh).Decode(ctx, msg, &got); err != nil || got.StoreID != "it" {
		t.Fatalf("Decode via real registry = %+v, %v", got, err)
	}
	if _, err := fresh.SchemaByID(ctx, 1<<30); !errors.Is(err, schemas.ErrUnknownSchemaID) {
		t.Errorf("SchemaByID(unknown) error = %v; want ErrUnknownSchemaID", err)
	}
}
