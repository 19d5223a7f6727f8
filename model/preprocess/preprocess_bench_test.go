package preprocess_test

import (
	"fmt"
	"testing"

	"github.com/storeseg/storeseg/model/frame"
	"github.com/storeseg/storeseg/model/preprocess"
)

func BenchmarkFit(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		raw := generated(n, 1)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := preprocess.Fit(generatedSpec, raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkApplyRecord(b *testing.B) {
	raw := generated(1000, 1)
	p, _, err := preprocess.Fit(generatedSpec, raw)
	if err != nil {
		b.Fatal(err)
	}
	recs := make([]frame.Record, raw.Rows())
	for i := range recs {
		recs[i] = raw.Row(i)
	}
	var row frame.Row
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := p.ApplyRecord(&row, recs[i%len(recs)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
