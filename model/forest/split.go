package forest

import "math"

// findSplit searches samples[start:end] for the best Gini split, following scikit-learn's
// BestSplitter (tree/_splitter.pyx node_split_best): candidate features are drawn without
// replacement from those not yet known to be constant; drawing continues past constant
// features until maxFeatures non-constant ones have been searched (or none are left); the
// first split with a strictly larger impurity-decrease proxy wins. On success samples are
// partitioned so that samples[start:pos] go left. It returns the split, whether one exists,
// and the number of constant features the children inherit.
func (b *builder) findSplit(start, end, nKnown int, wn, sq float64) (split, bool, int) {
	features, constant := b.features, b.constant
	best := split{proxy: math.Inf(-1)}
	found := false
	fi := len(features)
	nVisited, nFound, nDrawn := 0, 0, 0
	nTotal := nKnown
	lastSorted := -1
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
		if !b.sortFeature(f, start, end) {
			features[fj], features[nTotal] = features[nTotal], features[fj]
			nFound++
			nTotal++
			continue
		}
		lastSorted = f
		fi--
		features[fi], features[fj] = features[fj], features[fi]
		if b.scan(f, start, end, wn, sq, &best) {
			found = true
		}
	}
	if found && best.feature != lastSorted {
		b.partition(best, start, end)
	}
	// Children inherit the constant features: known ones first, then the newly found.
	copy(features[:nKnown], constant[:nKnown])
	copy(constant[nKnown:nKnown+nFound], features[nKnown:nKnown+nFound])
	return best, found, nTotal
}

// sortFeature sorts samples[start:end] by feature f and fills fv with their values. It
// returns false, leaving samples unchanged, when f is constant in the node (its range is at
// most featureThreshold, scikit-learn's test).
func (b *builder) sortFeature(f, start, end int) bool {
	n := b.ds.n
	rank := b.ds.rank[f*n : (f+1)*n]
	samples := b.samples[start:end]
	keys := b.keys[start:end]
	lo, hi := uint32(math.MaxUint32), uint32(0)
	for p, s := range samples {
		r := rank[s]
		lo = min(lo, r)
		hi = max(hi, r)
		keys[p] = uint64(r)<<32 | uint64(uint32(s))
	}
	vals := b.ds.vals[f]
	if vals[hi] <= vals[lo]+featureThreshold {
		return false
	}
	off := uint64(lo) << 32
	for p := range keys {
		keys[p] -= off
	}
	sorted := sortKeys(keys, b.tmp[start:end], bitLen(hi-lo), &b.hist)
	fv := b.fv[start:end]
	vals = vals[lo:]
	for p, k := range sorted {
		samples[p] = int32(uint32(k))
		fv[p] = vals[k>>32]
	}
	b.minRank = lo
	return true
}

// scan walks the sorted samples of feature f, evaluating every split position between two
// distinct values, and updates best when a split beats it. It reports whether it did.
//
// The proxy is scikit-learn's Criterion.proxy_impurity_improvement for Gini,
// −w_R·(1 − Σ_c r_c²/w_R²) − w_L·(1 − Σ_c l_c²/w_L²), with the sums of squares updated
// incrementally (exact for integer weights such as bootstrap counts).
func (b *builder) scan(f, start, end int, wn, sq float64, best *split) bool {
	y, w, total, left := b.ds.y, b.w, b.sumTotal, b.sumLeft
	samples, fv := b.samples, b.fv
	minLeaf := b.p.minLeaf
	clear(left)
	var wl, sqL float64
	sqR := sq
	improved := false
	for p := start; p < end-1; p++ {
		s := samples[p]
		c, ws := y[s], w[s]
		l := left[c]
		sqL += ws * (2*l + ws)
		sqR += ws * (ws - 2*(total[c]-l))
		left[c] = l + ws
		wl += ws
		if fv[p+1] <= fv[p]+featureThreshold {
			continue // no split between (near-)equal values
		}
		if p+1-start < minLeaf {
			continue
		}
		if end-(p+1) < minLeaf {
			break
		}
		wr := wn - wl
		proxy := -wr*(1-sqR/(wr*wr)) - wl*(1-sqL/(wl*wl))
		if proxy > best.proxy {
			*best = split{
				feature: f,
				pos:     p + 1,
				thr:     midpoint(fv[p], fv[p+1]),
				rank:    b.ds.rank[f*b.ds.n+int(s)],
				proxy:   proxy,
			}
			improved = true
		}
	}
	return improved
}

// partition reorders samples[start:end] so that those going left under best come first.
func (b *builder) partition(best split, start, end int) {
	n := b.ds.n
	rank := b.ds.rank[best.feature*n : (best.feature+1)*n]
	samples := b.samples
	i, j := start, end
	for i < j {
		if rank[samples[i]] <= best.rank {
			i++
		} else {
			j--
			samples[i], samples[j] = samples[j], samples[i]
		}
	}
	if i != best.pos {
		panic("forest: partition disagrees with the split position")
	}
}
