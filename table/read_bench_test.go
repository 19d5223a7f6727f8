package table_test

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/storeseg/storeseg/synth"
	"github.com/storeseg/storeseg/table"
)

var benchRows = flag.Int("bench-rows", 0, "also run BenchmarkRead at this many rows (e.g. 1000000)")

// BenchmarkRead reads generated store tables (11 numeric-or-id and 5 categorical columns, 16
// in all) from CSV and Parquet. The files are written once per size before timing.
func BenchmarkRead(b *testing.B) {
	s := table.Schema{ID: synth.IDColumn, Numeric: synth.NumNames(), Categorical: synth.CatNames()}
	dir := b.TempDir()
	sizes := []int{10_000, 100_000}
	if *benchRows > 0 {
		sizes = append(sizes, *benchRows)
	}
	for _, n := range sizes {
		cfg := synth.DefaultConfig()
		cfg.Stores = n
		for _, ext := range []string{"csv", "parquet"} {
			path := filepath.Join(dir, fmt.Sprintf("stores_%d.%s", n, ext))
			if _, err := synth.Generate(context.Background(), cfg, path, ""); err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("%s/%d", ext, n), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					f, err := table.Read(context.Background(), path, s)
					if err != nil {
						b.Fatal(err)
					}
					if f.Rows() != n {
						b.Fatalf("read %d rows; want %d", f.Rows(), n)
					}
				}
			})
		}
	}
}
