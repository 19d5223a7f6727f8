package stream

import (
	"errors"
	"testing"
	"time"

	"github.com/storeseg/storeseg/statestore"
)

func newInflight(stores ...string) *inflight {
	f := &inflight{done: make(chan struct{}), stores: map[string]int{}}
	for i, s := range stores {
		f.stores[s] = i
	}
	return f
}

// TestWaitOverlapping: a batch waits for the newest in-flight batch that shares a store (and
// so for all before it), and not for batches that share none.
func TestWaitOverlapping(t *testing.T) {
	b := &batch{updates: []statestore.Update{{StoreID: "a"}, {StoreID: "b"}}}
	old, shared, other := newInflight("a"), newInflight("b", "c"), newInflight("x")
	close(old.done) // persisted
	queue := []*inflight{old, shared, other}
	got := make(chan error, 1)
	go func() { got <- waitOverlapping(queue, b) }()
	select {
	case err := <-got:
		t.Fatalf("waitOverlapping returned %v while a batch sharing store b was in flight", err)
	case <-time.After(20 * time.Millisecond):
	}
	shared.err = errors.New("disk full")
	close(shared.done)
	if err := <-got; err == nil || err.Error() != "disk full" {
		t.Errorf("waitOverlapping = %v; want the shared batch's error", err)
	}
	if err := waitOverlapping([]*inflight{other}, b); err != nil || other.finished() {
		t.Errorf("waitOverlapping with no shared store = %v (finished %v); want nil without waiting", err, other.finished())
	}
}

func TestLaneReusesBatches(t *testing.T) {
	l := &lane{}
	b := l.batch()
	l.free = append(l.free, b)
	if l.batch() != b || len(l.free) != 0 {
		t.Error("lane.batch did not reuse the freed buffer")
	}
	if l.batch() == b {
		t.Error("lane.batch returned a buffer in use")
	}
}
