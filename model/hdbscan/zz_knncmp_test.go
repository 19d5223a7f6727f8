package hdbscan

import (
	"sort"
	"syscall"
	"testing"
	"time"
)

func cpuNow() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestKNNCmp(t *testing.T) {
	n, d := 100000, 10
	x := loadX(t, "/tmp/x100k10.npy", n, d)
	tree := buildKDTree(x, n, d, 1)
	kt := allKNN(tree, 7, 1)
	type rec struct {
		core float64
		cost time.Duration
	}
	var recs []rec
	s := knnSearch{t: tree, off: make([]float64, d)}
	rd := make([]float64, 7)
	nb := make([]int32, 7)
	for p := 0; p < n; p += 10 {
		t0 := time.Now()
		for r := 0; r < 5; r++ {
			s.run(tree.pts[p*d:(p+1)*d], rd, nb)
		}
		recs = append(recs, rec{kt.dists(int(tree.idx[p]))[5], time.Since(t0) / 5})
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].core < recs[j].core })
	m := len(recs)
	for _, q := range []int{0, 50, 90, 95, 99} {
		lo, hi := m*q/100, m*(q+5)/100
		if q == 99 {
			hi = m
		}
		var tot time.Duration
		for _, r := range recs[lo:hi] {
			tot += r.cost
		}
		t.Logf("core pct %d-%d: core %.3g, mean cost %v, share %.2f", q, q+5, recs[lo].core, tot/time.Duration(hi-lo), 0.0)
	}
	var all time.Duration
	for _, r := range recs {
		all += r.cost
	}
	var top time.Duration
	for _, r := range recs[m*95/100:] {
		top += r.cost
	}
	t.Logf("top 5%% by core share of time: %.2f", float64(top)/float64(all))
}
