package synth_test

import (
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/storeseg/storeseg/synth"
	"github.com/storeseg/storeseg/table"
)

func BenchmarkStore(b *testing.B) {
	g, _ := synth.New(synth.DefaultConfig())
	var s synth.Store
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		g.StoreTo(&s, i)
		i++
	}
}

// BenchmarkWrite generates and encodes whole tables (to io.Discard).
func BenchmarkWrite(b *testing.B) {
	for _, f := range []table.Format{table.CSV, table.Parquet} {
		for _, n := range []int{10_000, 100_000} {
			cfg := synth.DefaultConfig()
			cfg.Stores = n
			g, _ := synth.New(cfg)
			b.Run(fmt.Sprintf("%v/%d", f, n), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					w, err := table.NewWriter(io.Discard, f, synth.Columns())
					if err != nil {
						b.Fatal(err)
					}
					if _, err := g.Write(context.Background(), w, nil); err != nil {
						b.Fatal(err)
					}
					if err := w.Close(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
