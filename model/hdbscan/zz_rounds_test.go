package hdbscan

import (
	"testing"
)

func TestRounds(t *testing.T) {
	for _, cs := range []struct {
		path string
		n, d int
	}{{"/tmp/x100k10.npy", 100000, 10}, {"/tmp/x250k5.npy", 250000, 5}} {
		n, d := cs.n, cs.d
		x := loadX(t, cs.path, n, d)
		p := Config{MinClusterSize: 50, MinSamples: 5, Workers: 1}.resolve(n)
		tree := buildKDTree(x, n, d, 1)
		kt := allKNN(tree, p.msFit+2, 1)
		coreRd := make([]float64, n)
		for i := range n {
			coreRd[i] = kt.dists(i)[p.msFit]
		}
		cls := findClasses(x, n, d)
		for _, dual := range []bool{true, false} {
			useDual = dual
			b, exact := classBoruvka(cls, tree, kt, coreRd, p)
			var edges []keyEdge
			b.firstRound(exact)
			t0 := cpuNow()
			for round := 0; len(edges) < n-1; round++ {
				b.prepareRound()
				for q := range n {
					b.seedBound(int32(q))
				}
				t1 := cpuNow()
				b.searchRound(1)
				ts := cpuNow() - t1
				searched := 0
				for q := range n {
					if b.fresh[q] {
						searched++
					}
				}
				before := len(edges)
				edges = b.merge(edges)
				t.Logf("d=%d dual=%v round %d: searched %d, edges +%d, search %v", d, dual, round, searched, len(edges)-before, ts)
			}
			t.Logf("TOTAL d=%d dual=%v %v", d, dual, cpuNow()-t0)
		}
	}
}
