package validity

import (
	"sync"
	"sync/atomic"
)

// parallelFor calls fn(w, lo, hi) for the consecutive chunks [lo, hi) of [0, n), each at most
// grain long, on up to workers goroutines; w identifies the goroutine (0 ≤ w < workers) so fn
// can use per-worker scratch space. Chunks are handed out dynamically, so fn must write only
// state owned by its chunk or its worker: then the result does not depend on workers.
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

// grainFor picks a chunk length for n items that gives every worker several chunks (for
// balance) without making chunks so small that scheduling dominates.
func grainFor(n, workers, minGrain int) int {
	return max(minGrain, n/(8*max(workers, 1)))
}
