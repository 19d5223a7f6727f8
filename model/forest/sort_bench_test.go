package forest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// BenchmarkSortKeys sorts node-sized key slices with 17-bit ranks (100,000 distinct
// values), against slices.Sort for reference; it set insertionMax and the digit widths.
func BenchmarkSortKeys(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, m := range []int{32, 128, 512, 4096, 65536} {
		src := make([]uint64, m)
		for i := range src {
			src[i] = uint64(r.IntN(1<<17))<<32 | uint64(i)
		}
		a, tmp := make([]uint64, m), make([]uint64, m)
		var hist [1 << radixBits]int32
		b.Run(fmt.Sprintf("sortKeys/m=%d", m), func(b *testing.B) {
			for b.Loop() {
				copy(a, src)
				sortKeys(a, tmp, 17, &hist)
			}
		})
		b.Run(fmt.Sprintf("slices.Sort/m=%d", m), func(b *testing.B) {
			for b.Loop() {
				copy(a, src)
				slices.Sort(a)
			}
		})
	}
}
