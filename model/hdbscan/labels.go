package hdbscan

import "math"

// labelPoints is hdbscan's do_labelling: a point takes the label of the nearest selected
// cluster at or above the cluster it left; points under no selected cluster are noise (−1).
// When the root is the only selected cluster (AllowSingleCluster), a point is labelled only
// if its λ reaches 1/Epsilon (Epsilon > 0) or the largest λ of the root's rows.
func (t *ctree) labelPoints(sel []int32, p params) []int {
	label := make([]int, t.n)
	owner := make([]int32, t.nc) // nearest selected cluster at or above c, −1 for none
	id := make([]int, t.nc)
	isSel := make([]bool, t.nc)
	for i, c := range sel {
		isSel[c] = true
		id[c] = i
	}
	for c := range t.nc {
		switch {
		case isSel[c]:
			owner[c] = int32(c)
		case c == 0:
			owner[c] = -1
		default:
			owner[c] = owner[t.parent[c]]
		}
	}
	singleRoot := len(sel) == 1 && sel[0] == 0 && p.single
	for _, r := range t.rows {
		if r.Child >= t.n {
			continue
		}
		o := owner[r.Parent-t.n]
		switch {
		case o < 0:
			label[r.Child] = -1
		case o == 0 && !singleRoot:
			label[r.Child] = -1
		case o == 0 && p.eps != 0:
			label[r.Child] = keepIf(r.Lambda >= 1/p.eps)
		case o == 0:
			label[r.Child] = keepIf(r.Lambda >= t.death[0])
		default:
			label[r.Child] = id[o]
		}
	}
	return label
}

func keepIf(ok bool) int {
	if ok {
		return 0
	}
	return -1
}

// probabilities is hdbscan's get_probabilities: min(λ, λmax)/λmax with λmax the largest λ
// of any row (point or cluster) of the point's selected cluster; 1 when λmax is 0 or λ is
// infinite; 0 for noise.
func (t *ctree) probabilities(label []int, sel []int32) []float64 {
	prob := make([]float64, t.n)
	for _, r := range t.rows {
		if r.Child >= t.n || label[r.Child] < 0 {
			continue
		}
		lmax := t.death[sel[label[r.Child]]]
		if lmax == 0 || math.IsInf(r.Lambda, 0) || math.IsNaN(r.Lambda) {
			prob[r.Child] = 1
		} else {
			prob[r.Child] = min(r.Lambda, lmax) / lmax
		}
	}
	return prob
}

// subtreeDeaths is hdbscan's GLOSH λ_max: the largest λ anywhere below each cluster,
// propagated upwards by scanning the rows in reverse.
func (t *ctree) subtreeDeaths() []float64 {
	deaths := append([]float64(nil), t.death...)
	for i := len(t.rows) - 1; i >= 0; i-- {
		r := t.rows[i]
		if r.Child < t.n {
			continue
		}
		if c, p := r.Child-t.n, r.Parent-t.n; deaths[c] > deaths[p] {
			deaths[p] = deaths[c]
		}
	}
	return deaths
}

// outlierScores is hdbscan's GLOSH (Campello et al. 2015): (λmax − λ)/λmax with λmax the
// largest λ in the subtree of the cluster the point left; 0 when λmax is 0 or λ infinite.
// With duplicate points λmax may be +Inf, giving NaN (as in hdbscan).
func (t *ctree) outlierScores() []float64 {
	deaths := t.subtreeDeaths()
	score := make([]float64, t.n)
	for _, r := range t.rows {
		if r.Child >= t.n {
			continue
		}
		lmax := deaths[r.Parent-t.n]
		if lmax == 0 || math.IsInf(r.Lambda, 0) || math.IsNaN(r.Lambda) {
			score[r.Child] = 0
		} else {
			score[r.Child] = (lmax - r.Lambda) / lmax
		}
	}
	return score
}

// persistence is hdbscan's cluster_persistence_ (get_stability_scores): a selected
// cluster's stability over (its number of labelled points × the largest λ of the tree), 1
// when that λ is 0 or infinite or the cluster has no point.
func (t *ctree) persistence(label []int, sel []int32, stab []float64) []float64 {
	counts := make([]int, len(sel))
	for _, l := range label {
		if l >= 0 {
			counts[l]++
		}
	}
	lmax := math.Inf(-1)
	for _, r := range t.rows {
		lmax = max(lmax, r.Lambda)
	}
	out := make([]float64, len(sel))
	for i, c := range sel {
		if math.IsInf(lmax, 0) || lmax == 0 || counts[i] == 0 {
			out[i] = 1
		} else {
			out[i] = stab[c] / (float64(counts[i]) * lmax)
		}
	}
	return out
}
