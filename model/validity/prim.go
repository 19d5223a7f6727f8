package validity

import (
	"math"
	"sync"
)

// primParallelMin is the number of not-yet-joined vertices from which one step of Prim's
// algorithm is split over workers; below it the per-step hand-off costs more than it saves.
// It is a variable only so that tests can exercise the parallel path on small clusters.
var primParallelMin = 4096

// primState is Prim's algorithm (hdbscan's mst_linkage_core) on the all-points mutual
// reachability distances max(D_ij, acore_i, acore_j) of one packed cluster, computed on the
// fly in O(m) memory. The vertices still outside the tree are kept compacted (swap-remove),
// with their coordinates, core distances and current distance to the tree, so a scan reads
// contiguous memory.
type primState struct {
	d     int
	pts   []float64 // the cluster, by vertex
	acore []float64 // by vertex
	rem   []int32   // vertices outside the tree
	rpts  []float64 // their coordinates
	racor []float64 // their core distances
	cur   []float64 // their smallest distance to the tree so far
}

// scanResult is the closest outside vertex found by a scan: the smallest distance, ties to
// the lowest vertex index (the reference's strict '<' over ascending indices).
type scanResult struct {
	pos  int
	id   int32
	dist float64
}

func (r scanResult) better(o scanResult) bool {
	return r.dist < o.dist || (r.dist == o.dist && r.id < o.id)
}

// primOrder returns the vertices in the order Prim's algorithm started at vertex 0 adds them
// and, for each, the weight of the edge that added it (weight[0] = 0 for the root).
func primOrder(pts, acore []float64, d, workers int) (order []int32, weight []float64) {
	m := len(acore)
	st := &primState{d: d, pts: pts, acore: acore,
		rem: make([]int32, m-1), rpts: append([]float64(nil), pts[d:]...),
		racor: append([]float64(nil), acore[1:]...), cur: make([]float64, m-1)}
	for p := range st.rem {
		st.rem[p] = int32(p + 1)
		st.cur[p] = math.MaxFloat64
	}
	order, weight = make([]int32, 1, m), make([]float64, 1, m)
	var pool *scanPool
	if workers > 1 && m-1 >= primParallelMin {
		pool = newScanPool(st, workers)
		defer pool.stop()
	}
	v := int32(0)
	for len(st.rem) > 0 {
		var r scanResult
		if pool != nil && len(st.rem) >= primParallelMin {
			r = pool.scan(v)
		} else {
			r = st.scan(v, 0, len(st.rem))
		}
		order = append(order, r.id)
		weight = append(weight, r.dist)
		st.remove(r.pos)
		v = r.id
	}
	return order, weight
}

// scan relaxes the outside vertices at positions [lo, hi) against the vertex v that just
// joined the tree and returns the closest of them.
func (st *primState) scan(v int32, lo, hi int) scanResult {
	d := st.d
	xv := st.pts[int(v)*d : int(v)*d+d]
	av := st.acore[v]
	best := scanResult{pos: -1, id: math.MaxInt32, dist: math.Inf(1)}
	for p := lo; p < hi; p++ {
		c := st.cur[p]
		if low := max(av, st.racor[p]); low < c {
			// mr ≥ low, so only a pair with low < c can improve c.
			if mr := mutualReach(sqDist(xv, st.rpts[p*d:]), low); mr < c {
				c = mr
				st.cur[p] = c
			}
		}
		if c < best.dist || (c == best.dist && st.rem[p] < best.id) {
			best = scanResult{pos: p, id: st.rem[p], dist: c}
		}
	}
	return best
}

// remove takes the outside vertex at position p out (swap with the last).
func (st *primState) remove(p int) {
	last := len(st.rem) - 1
	d := st.d
	st.rem[p], st.cur[p], st.racor[p] = st.rem[last], st.cur[last], st.racor[last]
	copy(st.rpts[p*d:p*d+d], st.rpts[last*d:last*d+d])
	st.rem, st.cur, st.racor, st.rpts = st.rem[:last], st.cur[:last], st.racor[:last], st.rpts[:last*d]
}

// scanPool splits each Prim step over persistent goroutines. The calling goroutine scans
// the first part itself; worker w scans part w. Parts are combined in order with the same
// tie rule, so the result equals a single scan.
type scanPool struct {
	st      *primState
	parts   int
	in      []chan int32
	results []scanResult
	wg      sync.WaitGroup
}

func newScanPool(st *primState, workers int) *scanPool {
	p := &scanPool{st: st, parts: workers, in: make([]chan int32, workers),
		results: make([]scanResult, workers)}
	for w := 1; w < workers; w++ {
		p.in[w] = make(chan int32)
		go func() {
			for v := range p.in[w] {
				lo, hi := p.bounds(w)
				p.results[w] = st.scan(v, lo, hi)
				p.wg.Done()
			}
		}()
	}
	return p
}

func (p *scanPool) bounds(w int) (lo, hi int) {
	n := len(p.st.rem)
	return w * n / p.parts, (w + 1) * n / p.parts
}

func (p *scanPool) scan(v int32) scanResult {
	p.wg.Add(p.parts - 1)
	for w := 1; w < p.parts; w++ {
		p.in[w] <- v
	}
	lo, hi := p.bounds(0)
	best := p.st.scan(v, lo, hi)
	p.wg.Wait()
	for w := 1; w < p.parts; w++ {
		if r := p.results[w]; r.pos >= 0 && r.better(best) {
			best = r
		}
	}
	return best
}

func (p *scanPool) stop() {
	for w := 1; w < p.parts; w++ {
		close(p.in[w])
	}
}
