package hdbscan

import (
	"context"
	"encoding/binary"
	"math"
	"os"
	"testing"
	"time"
)

func loadX(t testing.TB, path string, n, d int) []float64 {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Skip()
	}
	data := b[128:]
	x := make([]float64, n*d)
	for i := range x {
		x[i] = math.Float64frombits(binary.LittleEndian.Uint64(data[8*i:]))
	}
	return x
}

func TestStages(t *testing.T) {
	n, d := 100000, 10
	x := loadX(t, "/tmp/x100k10.npy", n, d)
	p := Config{MinClusterSize: 50, MinSamples: 5, Workers: 2}.resolve(n)
	t0 := time.Now()
	lap := func(s string) { t.Logf("%-12s %v", s, time.Since(t0)); t0 = time.Now() }
	tree := buildKDTree(x, n, d, 2)
	lap("tree")
	kt := allKNN(tree, p.msFit+2, 2)
	lap("knn")
	coreRd := make([]float64, n)
	for i := range n {
		coreRd[i] = kt.dists(i)[p.msFit]
	}
	cls := findClasses(x, n, d)
	lap("classes")
	coreW, coreKey := make([]float64, n), make([]float64, n)
	for c := range n {
		coreW[c] = math.Sqrt(coreRd[c])
		coreKey[c] = coreRd[c]
	}
	b, exact := classBoruvka(cls, tree, kt, coreKey, p)
	lap("bor setup")
	var mst []Edge
	for _, e := range b.run(2, exact) {
		mst = append(mst, Edge{e.a, e.b, math.Sqrt(e.key)})
	}
	lap("boruvka")
	g := buildTightGraph(cls, tree, kt, coreW, mst, 1, 2)
	lap("tight")
	pm := primOrder(cls, coreW, g)
	lap("prim")
	l := singleLinkage(n, pm)
	lap("linkage")
	rows := condense(l, p.mcs)
	lap("condense")
	ct := newCtree(n, rows)
	sel := ct.selectClusters(p)
	labels := ct.labelPoints(sel.clusters, p)
	ct.probabilities(labels, sel.clusters)
	ct.outlierScores()
	ct.exemplars(sel.clusters)
	lap("select etc")
	_ = context.Background()
}
