package forest

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSortKeysAllSizes checks every sorting path (insertion, one and several radix passes,
// skipped uniform digits) against a stable sort.
func TestSortKeysAllSizes(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	var hist [1 << radixBits]int32
	for _, m := range []int{1, 2, 47, 48, 49, 100, 4095, 4096, 5000} {
		for _, bits := range []int{1, 5, 8, 9, 17, 22} {
			a := make([]uint64, m)
			for i := range a {
				a[i] = uint64(r.IntN(1<<bits))<<32 | uint64(i)
			}
			want := slices.Clone(a)
			slices.SortStableFunc(want, func(x, y uint64) int { return int(x>>32) - int(y>>32) })
			got := sortKeys(a, make([]uint64, m), bits, &hist)
			for i := range got {
				if got[i]>>32 != want[i]>>32 {
					t.Fatalf("m=%d bits=%d: position %d has rank %d; want %d", m, bits, i, got[i]>>32, want[i]>>32)
				}
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("m=%d bits=%d: keys lost or duplicated", m, bits)
			}
		}
	}
}
