package famd

import (
	"context"
	"runtime"
	"sync"
)

const (
	// minBlockRows is the smallest block of rows a pass works on.
	minBlockRows = 4096
	// maxBlocks bounds the number of blocks, and so the per-block partial results kept for
	// the ordered reduction.
	maxBlocks = 256
)

// blocking is a fixed partition of n rows into blocks. It depends on n only, never on the
// number of workers, so block-ordered reductions give the same bits for any Workers.
type blocking struct {
	n, size, count int
}

func newBlocking(n int) blocking {
	size := max(minBlockRows, (n+maxBlocks-1)/maxBlocks)
	return blocking{n: n, size: size, count: (n + size - 1) / size}
}

// bounds returns the rows [lo, hi) of block b.
func (bl blocking) bounds(b int) (lo, hi int) {
	lo = b * bl.size
	return lo, min(lo+bl.size, bl.n)
}

// workerCount resolves Config.Workers against the amount of work.
func workerCount(workers, blocks int) int {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	return max(1, min(workers, blocks))
}

// parallel runs fn(w, b) for every block b in [0, blocks): worker w ∈ [0, workers) takes
// blocks w, w+workers, … in order. It checks ctx before every block and returns ctx's error
// if it was cancelled; fn's results must be written to per-block or per-worker storage.
func parallel(ctx context.Context, workers, blocks int, fn func(w, b int)) error {
	if workers == 1 {
		for b := range blocks {
			if err := ctx.Err(); err != nil {
				return err
			}
			fn(0, b)
		}
		return nil
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for b := w; b < blocks; b += workers {
				if ctx.Err() != nil {
					return
				}
				fn(w, b)
			}
		})
	}
	wg.Wait()
	return ctx.Err()
}
