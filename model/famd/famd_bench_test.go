package famd_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/storeseg/storeseg/model/famd"
)

// sink keeps benchmark results alive.
var sink any

// BenchmarkFit fits 5 components on synthFrame (10 numeric + 6 categorical columns, 60
// levels) with the default workers.
func BenchmarkFit(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		f := synthFrame(n, 1)
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				res, err := famd.Fit(context.Background(), f, famd.DefaultConfig())
				if err != nil {
					b.Fatal(err)
				}
				sink = res
			}
		})
	}
}

// BenchmarkFitRefined forces the QR route with a duplicated categorical column (exact zero
// eigenvalues inside the cap).
func BenchmarkFitRefined(b *testing.B) {
	f := synthFrame(100_000, 2)
	f.CatNames = append(f.CatNames, "c0_copy")
	f.Levels = append(f.Levels, f.Levels[0])
	f.Cat = append(f.Cat, f.Cat[0])
	b.Run("rows=100000", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			res, err := famd.Fit(context.Background(), f, famd.DefaultConfig())
			if err != nil {
				b.Fatal(err)
			}
			if !res.Refined {
				b.Fatal("not refined")
			}
			sink = res
		}
	})
}

// BenchmarkTransformRow projects one row at a time; it must not allocate.
func BenchmarkTransformRow(b *testing.B) {
	f := synthFrame(10_000, 1)
	res, err := famd.Fit(context.Background(), f, famd.DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	m := res.Model
	rows := make([]struct {
		num []float64
		cat []int32
	}, 1024)
	for i := range rows {
		rows[i].num, rows[i].cat = row(f, i)
	}
	dst := make([]float64, m.NComponents())
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		r := &rows[i%len(rows)]
		if _, err := m.TransformRow(dst, r.num, r.cat); err != nil {
			b.Fatal(err)
		}
		i++
	}
	sink = dst
}

// BenchmarkTransform projects a whole frame in parallel.
func BenchmarkTransform(b *testing.B) {
	f := synthFrame(100_000, 1)
	res, err := famd.Fit(context.Background(), f, famd.DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	b.Run("rows=100000", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			coord, _, err := res.Model.Transform(context.Background(), f)
			if err != nil {
				b.Fatal(err)
			}
			sink = coord
		}
	})
}
