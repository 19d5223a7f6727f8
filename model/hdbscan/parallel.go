package hdbscan

import (
	"sync"
	"sync/atomic"
)

// parallelFor calls fn(w, lo, hi) for the consecutive chunks [lo, hi) of [0, n), each at
// most grain long, on up to workers goroutines; w (0 ≤ w < workers) identifies the goroutine
// for per-worker scratch space. Chunks are handed out dynamically, so fn must write only
// state owned by its chunk or its worker: then results do not depend on workers.
func parallelFor(workers, n, grain int, fn func(w, lo, hi int)) {
	if n <= 0 {
		return
	}
	grain = max(grain, 1)
	chunks := (n + grain - 1) / grain
	workers = min(max(workers, 1), chunks)
	if workers == 1 {
		for lo := 0; lo < n; lo += grain {
			fn(0, lo, min(lo+grain, n))
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for {
				c := int(next.Add(1) - 1)
				if c >= chunks {
					return
				}
				lo := c * grain
				fn(w, lo, min(lo+grain, n))
			}
		})
	}
	wg.Wait()
}
