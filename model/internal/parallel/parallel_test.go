package parallel

import (
	"sync/atomic"
	"testing"
)

func TestForCoversEveryIndexOnce(t *testing.T) {
	for _, tc := range []struct{ workers, n, grain int }{
		{1, 10, 3}, {4, 10, 3}, {4, 1000, 7}, {8, 5, 100}, {3, 0, 4}, {2, 7, 0},
	} {
		seen := make([]atomic.Int32, tc.n)
		var maxW atomic.Int32
		For(tc.workers, tc.n, tc.grain, func(w, lo, hi int) {
			if hi-lo > max(tc.grain, 1) || lo >= hi {
				t.Errorf("For(%d, %d, %d): chunk [%d, %d)", tc.workers, tc.n, tc.grain, lo, hi)
			}
			if int32(w) > maxW.Load() {
				maxW.Store(int32(w))
			}
			for i := lo; i < hi; i++ {
				seen[i].Add(1)
			}
		})
		for i := range seen {
			if c := seen[i].Load(); c != 1 {
				t.Errorf("For(%d, %d, %d): index %d visited %d times", tc.workers, tc.n, tc.grain, i, c)
			}
		}
		if int(maxW.Load()) >= max(tc.workers, 1) {
			t.Errorf("worker id %d with %d workers", maxW.Load(), tc.workers)
		}
	}
}

func TestGrain(t *testing.T) {
	if g := Grain(1000, 2, 64); g != 64 {
		t.Errorf("Grain(1000, 2, 64) = %d; want 64", g)
	}
	if g := Grain(1_000_000, 2, 64); g != 62500 {
		t.Errorf("Grain(1e6, 2, 64) = %d; want 62500", g)
	}
}
