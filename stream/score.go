package stream

import (
	"sync"

	"github.com/storeseg/storeseg/model"
	"github.com/storeseg/storeseg/statestore"
)

// minPerWorker is the fewest stores worth handing to another scoring goroutine.
const minPerWorker = 32

// scorers is a pool of per-goroutine scorers of one model; the Run loop owns it.
type scorers struct {
	sc     []*model.Scorer
	mapper []*recordMapper
	nNum   int
	nCat   int
}

func newScorers(b *model.Bundle, workers int) *scorers {
	fs := b.Features()
	s := &scorers{nNum: len(fs.Numeric), nCat: len(fs.Categorical)}
	for range max(workers, 1) {
		s.sc = append(s.sc, b.NewScorer())
		s.mapper = append(s.mapper, newRecordMapper(fs))
	}
	return s
}

// scored is the outcome of scoring one state.
type scored struct {
	a   model.Assignment
	err error
}

// scoreAll scores states[i] into out[i] on up to len(s.sc) goroutines, and copies each
// successful score's prepared row into prepNum and prepCat at slot i (when they are not
// nil). It returns when all are done.
func (s *scorers) scoreAll(states []*statestore.State, out []scored, prepNum []float64, prepCat []int32) {
	n := len(states)
	workers := min(len(s.sc), max(1, n/minPerWorker))
	one := func(w, i int) {
		st := states[i]
		a, err := s.sc[w].Score(st.StoreID, s.mapper[w].record(st))
		out[i] = scored{a: a, err: err}
		if err == nil && prepNum != nil {
			p := s.sc[w].Prepared()
			copy(prepNum[i*s.nNum:(i+1)*s.nNum], p.Num)
			copy(prepCat[i*s.nCat:(i+1)*s.nCat], p.Cat)
		}
	}
	if workers == 1 {
		for i := range n {
			one(0, i)
		}
		return
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				one(w, i)
			}
		}()
	}
	wg.Wait()
}
