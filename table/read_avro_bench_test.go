package table_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/storeseg/storeseg/synth"
	"github.com/storeseg/storeseg/table"
)

// BenchmarkReadAvro reads generated store tables (11 numeric-or-id and 5 categorical columns,
// nullable, deflate) from Avro; compare with BenchmarkRead's CSV and Parquet numbers.
func BenchmarkReadAvro(b *testing.B) {
	s := table.Schema{ID: synth.IDColumn, Numeric: synth.NumNames(), Categorical: synth.CatNames()}
	sizes := []int{10_000, 100_000}
	if *benchRows > 0 {
		sizes = append(sizes, *benchRows)
	}
	for _, n := range sizes {
		_, path := synthAvro(b, n, s)
		b.Run(fmt.Sprintf("avro/%d", n), func(b *testing.B) {
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
