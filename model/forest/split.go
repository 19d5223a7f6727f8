package forest

import "math"

// findSplit searches samples[start:end] for the best Gini split, following scikit-learn's
// BestSplitter (tree/_splitter.pyx node_split_best): candidate features are drawn without
// replacement from those not yet known to be constant; drawing continues past constant
// features until maxFeatures non-constant ones have been searched (or none are left); the
// first split with a strictly larger impurity-decrease proxy wins. On success samples are
// partitioned (stably, so they stay in index order) so that samples[start:pos] go left. It
// returns the split, whether one exists, and the number of constant features the children
// inherit. nodeTotals must have run for the node.
func (b *builder) findSplit(start, end, nKnown int, wn, sq float64) (split, bool, int) {
	features, constant := b.features, b.constant
	best := split{proxy: math.Inf(-1)}
	found := false
	fi := len(features)
	nVisited, nFound, nDrawn := 0, 0, 0
	nTotal := nKnown
	for fi > nTotal && (nVisited < b.p.maxFeatures || nVisited <= nFound+nDrawn) {
		nVisited++
		fj := nDrawn + b.rng.IntN(fi-nFound-nDrawn)
		if fj < nKnown {
			// A feature constant in an ancestor: move it to the drawn-constants prefix.
			features[nDrawn], features[fj] = features[fj], features[nDrawn]
			nDrawn++
			continue
		}
		fj += nFound
		f := features[fj]
		sorted, lo, ok := b.sortFeature(f, start, end)
		if !ok {
			features[fj], features[nTotal] = features[nTotal], features[fj]
			nFound++
			nTotal++
			continue
		}
		fi--
		features[fi], features[fj] = features[fj], features[fi]
		if b.scan(f, sorted, lo, start, end, wn, sq, &best) {
			found = true
		}
	}
	if found {
		vals := b.ds.vals[best.feature]
		best.thr = midpoint(vals[best.rank], vals[best.next])
		b.partition(best, start, end)
	}
	// Children inherit the constant features: known ones first, then the newly found.
	copy(features[:nKnown], constant[:nKnown])
	copy(constant[nKnown:nKnown+nFound], features[nKnown:nKnown+nFound])
	return best, found, nTotal
}

// sortFeature sorts the samples of the node by feature f. It returns their sort keys
// ((rank − lo)<<32 | position in the node) in rank order and lo, the smallest rank, or false
// when f is constant in the node (its range is at most featureThreshold, scikit-learn's
// test). Samples are in index order, so the rank lookups walk the rank column forwards.
func (b *builder) sortFeature(f, start, end int) ([]uint64, uint32, bool) {
	n := b.ds.n
	rank := b.ds.rank[f*n : (f+1)*n]
	samples := b.samples[start:end]
	keys := b.keys[start:end]
	lo, hi := uint32(math.MaxUint32), uint32(0)
	for p, s := range samples {
		r := rank[s]
		lo = min(lo, r)
		hi = max(hi, r)
		keys[p] = uint64(r)<<32 | uint64(p)
	}
	// Constant: one value, or values within featureThreshold, which needs lo's neighbour
	// to be near (checked in the small bitset before touching the values).
	if hi == lo || (b.ds.near[f].has(lo) && b.ds.vals[f][hi] <= b.ds.vals[f][lo]+featureThreshold) {
		return nil, 0, false
	}
	off := uint64(lo) << 32
	for p := range keys {
		keys[p] -= off
	}
	return sortKeys(keys, b.tmp[start:end], bitLen(hi-lo), &b.hist), lo, true
}

// scan walks the sorted keys of feature f, evaluating every split position between two
// distinct values, and updates best when a split beats it. It reports whether it did.
//
// Splits are ranked by scikit-learn's Criterion.proxy_impurity_improvement for Gini,
// −w_R·(1 − Σ_c r_c²/w_R²) − w_L·(1 − Σ_c l_c²/w_L²), which equals
// (Σ_c l_c²·w_R + Σ_c r_c²·w_L)/(w_L·w_R) − w. The node's w is the same for every split,
// so scan compares the fraction alone: one division per candidate instead of two. With
// integer weights (bootstrap counts) the sums of squares, updated incrementally, and the
// numerator and denominator are exact, so splits of equal impurity tie exactly and the
// first one wins.
func (b *builder) scan(f int, sorted []uint64, lo uint32, start, end int, wn, sq float64, best *split) bool {
	total, left, yw := b.sumTotal, b.sumLeft, b.yw[start:end]
	vals, near := b.ds.vals[f][lo:], b.ds.near[f]
	m, minLeaf := len(sorted), b.p.minLeaf
	clear(left)
	var wl, sqL float64
	sqR := sq
	improved := false
	for p := 0; p < m-1; p++ {
		k := sorted[p]
		e := yw[uint32(k)]
		l := left[e.class]
		sqL += e.w * (2*l + e.w)
		sqR += e.w * (e.w - 2*(total[e.class]-l))
		left[e.class] = l + e.w
		wl += e.w
		r, rn := uint32(k>>32), uint32(sorted[p+1]>>32)
		if rn == r || (near.has(lo+r) && vals[rn] <= vals[r]+featureThreshold) {
			continue // no split between (near-)equal values
		}
		if p+1 < minLeaf {
			continue
		}
		if m-(p+1) < minLeaf {
			break
		}
		wr := wn - wl
		proxy := (sqL*wr + sqR*wl) / (wl * wr)
		if proxy > best.proxy {
			*best = split{feature: f, pos: start + p + 1, rank: lo + r, next: lo + rn, proxy: proxy}
			improved = true
		}
	}
	return improved
}

// partition reorders samples[start:end] so that those going left under best come first,
// keeping index order on both sides.
func (b *builder) partition(best split, start, end int) {
	n := b.ds.n
	rank := b.ds.rank[best.feature*n : (best.feature+1)*n]
	samples := b.samples[start:end]
	right := b.right[:0]
	i := 0
	for _, s := range samples {
		if rank[s] <= best.rank {
			samples[i] = s
			i++
		} else {
			right = append(right, s)
		}
	}
	copy(samples[i:], right)
	if start+i != best.pos {
		panic("forest: partition disagrees with the split position")
	}
}

// bitset is a set of small non-negative integers.
type bitset []uint64

func newBitset(n int) bitset { return make(bitset, (n+63)/64) }

func (s bitset) set(i uint32)      { s[i/64] |= 1 << (i % 64) }
func (s bitset) has(i uint32) bool { return s[i/64]&(1<<(i%64)) != 0 }
