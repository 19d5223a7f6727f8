package validity

import (
	"math"

	"github.com/storeseg/storeseg/model/internal/parallel"
)

// pairKernel writes f(x, q_j) for every packed point q_j of block into out[j]; f must be
// symmetric, f(x, q) == f(q, x) bit for bit.
type pairKernel func(x, block, out []float64)

// symPairSums returns sums with sums[i·k+g] = Σ_{j in group g, j ≠ i} f(x_i, x_j) for the n
// packed points pts (d coordinates each), whose groups are the consecutive ranges
// [start[g], start[g+1]), g < k. Every unordered pair is evaluated once.
//
// The points are cut into tiles of a size that depends on n only. A task handles one pair
// of tiles and adds each pair's value to both points' sums. Tasks run in rounds of a
// round-robin tournament (circle method) in which every tile plays exactly once, so tasks
// of a round touch disjoint sums and run in parallel, while each sum receives its
// contributions in round order: the result does not depend on the number of workers.
func symPairSums(pts []float64, d int, start []int, f pairKernel, workers int) []float64 {
	k := len(start) - 1
	n := start[k]
	s := &pairSums{pts: pts, d: d, k: k, n: n, start: start, f: f, sums: make([]float64, n*k),
		groupOf: make([]int32, n), tile: min(256, max(32, n/16))}
	for g := range k {
		for i := start[g]; i < start[g+1]; i++ {
			s.groupOf[i] = int32(g)
		}
	}
	tiles := (n + s.tile - 1) / s.tile
	s.scratch = make([][]float64, workers)
	parallel.For(workers, tiles, 1, func(w, lo, hi int) {
		for t := lo; t < hi; t++ {
			s.pair(w, t, t)
		}
	})
	players := tiles + tiles%2 // an odd count gets a bye, player `tiles`
	pairs := make([][2]int, 0, players/2)
	for r := range players - 1 {
		pairs = pairs[:0]
		for q := range players / 2 {
			a, b := players-1, r
			if q > 0 {
				a, b = (r+q)%(players-1), (r-q+players-1)%(players-1)
			}
			if a < tiles && b < tiles {
				pairs = append(pairs, [2]int{min(a, b), max(a, b)})
			}
		}
		parallel.For(workers, len(pairs), 1, func(w, lo, hi int) {
			for _, p := range pairs[lo:hi] {
				s.pair(w, p[0], p[1])
			}
		})
	}
	return s.sums
}

type pairSums struct {
	pts     []float64
	d, k, n int
	start   []int
	groupOf []int32
	tile    int
	f       pairKernel
	sums    []float64
	scratch [][]float64 // per worker: 2·tile floats
}

// pair adds the values of every pair (i in tile ti, j in tile tj, j > i when ti == tj) to
// sums[i][group of j] (row sums, per segment of tj in one group) and to sums[j][group of
// i] (column sums, flushed whenever i enters a new group).
func (s *pairSums) pair(w, ti, tj int) {
	if s.scratch[w] == nil {
		s.scratch[w] = make([]float64, 2*s.tile)
	}
	out, col := s.scratch[w][:s.tile], s.scratch[w][s.tile:]
	a0, a1 := ti*s.tile, min((ti+1)*s.tile, s.n)
	b0, b1 := tj*s.tile, min((tj+1)*s.tile, s.n)
	clear(col)
	d, k := s.d, s.k
	gi := int(s.groupOf[a0])
	for i := a0; i < a1; i++ {
		if g := int(s.groupOf[i]); g != gi {
			s.flush(col, b0, b1, gi)
			gi = g
		}
		lo := b0
		if ti == tj {
			lo = i + 1
		}
		xi := s.pts[i*d : i*d+d]
		for lo < b1 {
			g := int(s.groupOf[lo])
			hi := min(s.start[g+1], b1)
			o := out[:hi-lo]
			s.f(xi, s.pts[lo*d:hi*d], o)
			c := col[lo-b0 : hi-b0]
			var row float64
			for q, v := range o {
				row += v
				c[q] += v
			}
			s.sums[i*k+g] += row
			lo = hi
		}
	}
	s.flush(col, b0, b1, gi)
}

// flush adds the column sums col (points b0..b1) to group g and clears them.
func (s *pairSums) flush(col []float64, b0, b1, g int) {
	for j := b0; j < b1; j++ {
		s.sums[j*s.k+g] += col[j-b0]
		col[j-b0] = 0
	}
}

// distKernel is the Euclidean distance ‖x − q‖, four points at a time so that the square
// roots overlap.
func distKernel(x, block, out []float64) {
	d := len(x)
	j, o := 0, 0
	for ; j+4*d <= len(block); j, o = j+4*d, o+4 {
		q0, q1, q2, q3 := block[j:j+d], block[j+d:j+2*d], block[j+2*d:j+3*d], block[j+3*d:j+4*d]
		q0, q1, q2, q3 = q0[:len(x)], q1[:len(x)], q2[:len(x)], q3[:len(x)]
		var s0, s1, s2, s3 float64
		for k, v := range x {
			t0, t1, t2, t3 := v-q0[k], v-q1[k], v-q2[k], v-q3[k]
			s0 += t0 * t0
			s1 += t1 * t1
			s2 += t2 * t2
			s3 += t3 * t3
		}
		out[o], out[o+1], out[o+2], out[o+3] = math.Sqrt(s0), math.Sqrt(s1), math.Sqrt(s2), math.Sqrt(s3)
	}
	for ; j+d <= len(block); j, o = j+d, o+1 {
		out[o] = math.Sqrt(sqDist(x, block[j:j+d]))
	}
}

// inversePowerKernel returns the kernel D^−d = (1/D²)^(d/2) of the all-points core distance,
// 0 for coincident points (which the reference leaves out of its sum). Tiny distances give
// +Inf, which the caller detects.
func inversePowerKernel(d int) pairKernel {
	half, odd := d/2, d%2 == 1
	return func(x, block, out []float64) {
		dim := len(x)
		for j, o := 0, 0; j+dim <= len(block); j, o = j+dim, o+1 {
			d2 := sqDist(x, block[j:j+dim])
			if d2 == 0 {
				out[o] = 0
				continue
			}
			inv := 1 / d2
			t := powInt(inv, half)
			if odd {
				t *= math.Sqrt(inv)
			}
			out[o] = t
		}
	}
}
