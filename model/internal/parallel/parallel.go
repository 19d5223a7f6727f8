// Package parallel runs loops over index ranges on several goroutines, for the numerical
// packages of model. It gives no ordering guarantee between chunks: callers write only state
// owned by their chunk or their worker, so results do not depend on the number of workers.
package parallel

import (
	"sync"
	"sync/atomic"
)

// For calls fn(w, lo, hi) for the consecutive chunks [lo, hi) of [0, n), each at most grain
// long, on up to workers goroutines; w (0 ≤ w < workers) identifies the goroutine so fn can
// use per-worker scratch space. Chunks are handed out dynamically. With one worker (or one
// chunk) everything runs on the calling goroutine.
func For(workers, n, grain int, fn func(w, lo, hi int)) {
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

// Grain picks a chunk length for n items that gives every worker several chunks (for
// balance) without making chunks shorter than minGrain (where scheduling would dominate).
func Grain(n, workers, minGrain int) int {
	return max(minGrain, n/(8*max(workers, 1)))
}
