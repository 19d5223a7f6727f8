package synth_test

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/storeseg/storeseg/synth"
)

func TestUpdates(t *testing.T) {
	g, err := synth.New(synth.Config{Stores: 500, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	var a, b synth.Update
	g.UpdateTo(&a, 17, 3)
	g.UpdateTo(&b, 17, 3)
	if d := cmp.Diff(a, b, cmpopts.EquateNaNs()); d != "" {
		t.Errorf("the same update twice differs:\n%s", d)
	}
	if a.ID != synth.StoreID(17) || a.Step != 3 || math.IsNaN(a.Num[0]) {
		t.Errorf("update = %+v; want store S0000018, step 3, with revenue", a)
	}
	// Revenue drifts but stays near the store's own level; most features are left out.
	ratio, partial := 0.0, 0
	for i := range 500 {
		s := g.Store(i)
		g.UpdateTo(&a, i, 12)
		ratio += math.Abs(math.Log(a.Num[0] / s.Num[0]))
		for _, v := range a.Num {
			if math.IsNaN(v) {
				partial++
			}
		}
	}
	if mean := ratio / 500; mean <= 0 || mean > 0.3 {
		t.Errorf("mean |log revenue change| after 12 steps = %.3f; want in (0, 0.3]", mean)
	}
	if partial < 500*5 {
		t.Errorf("%d numeric features left out over 500 updates; want most of them", partial)
	}
}
