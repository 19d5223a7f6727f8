package drift

import (
	"errors"
	"fmt"

	"github.com/storeseg/storeseg/model/frame"
)

// Window keeps the bins of the last Size observed stores and reports their PSI against a
// Reference. It is not safe for concurrent use; its owner serialises Observe and the reads.
type Window struct {
	ref  *Reference
	size int
	// ring[slot*width + f] is the bin of feature f (numeric, then categorical, then the
	// segment) for the observation in slot.
	ring   []uint16
	width  int
	next   int
	filled int
	counts [][]int // counts[f][bin] over the window
}

// NewWindow returns an empty window over the last size observations.
func NewWindow(ref *Reference, size int) (*Window, error) {
	if size < 1 {
		return nil, errors.New("drift: window size must be at least 1")
	}
	if err := ref.Validate(); err != nil {
		return nil, err
	}
	w := &Window{ref: ref, size: size}
	for _, f := range ref.Numeric {
		w.counts = append(w.counts, make([]int, len(f.Expected)))
	}
	for _, f := range ref.Categorical {
		w.counts = append(w.counts, make([]int, len(f.Expected)))
	}
	w.counts = append(w.counts, make([]int, len(ref.Segments.Expected)))
	w.width = len(w.counts)
	w.ring = make([]uint16, size*w.width)
	return w, nil
}

// Observe adds one prepared store and the segment it was given, evicting the oldest
// observation once the window is full. row must have the reference's feature layout.
func (w *Window) Observe(row frame.Row, segment int) error {
	nn, nc := len(w.ref.Numeric), len(w.ref.Categorical)
	if len(row.Num) != nn || len(row.Cat) != nc {
		return fmt.Errorf("drift: row has %d numeric and %d categorical values, want %d and %d",
			len(row.Num), len(row.Cat), nn, nc)
	}
	slot := w.ring[w.next*w.width : (w.next+1)*w.width]
	if w.filled == w.size {
		for f, b := range slot {
			w.counts[f][b]--
		}
	} else {
		w.filled++
	}
	for j, v := range row.Num {
		slot[j] = uint16(numericBin(w.ref.Numeric[j].Edges, v))
	}
	for q, c := range row.Cat {
		slot[nn+q] = uint16(categoryBin(len(w.ref.Categorical[q].Expected), c))
	}
	slot[nn+nc] = uint16(w.ref.segmentBin(segment))
	for f, b := range slot {
		w.counts[f][b]++
	}
	w.next = (w.next + 1) % w.size
	return nil
}

// Len returns the number of observations in the window.
func (w *Window) Len() int { return w.filled }

// FeaturePSI is one feature's drift.
type FeaturePSI struct {
	Name string
	PSI  float64
}

// PSI returns the PSI of every numeric and categorical feature, then of the segment shares
// (named "segment"). It returns nil while the window is empty.
func (w *Window) PSI() []FeaturePSI {
	if w.filled == 0 {
		return nil
	}
	out := make([]FeaturePSI, 0, w.width)
	actual := make([]float64, 0, 64)
	add := func(f Feature, counts []int) {
		actual = actual[:0]
		for _, c := range counts {
			actual = append(actual, float64(c)/float64(w.filled))
		}
		out = append(out, FeaturePSI{Name: f.Name, PSI: PSI(f.Expected, actual, w.ref.Config.Epsilon)})
	}
	for j, f := range w.ref.Numeric {
		add(f, w.counts[j])
	}
	for q, f := range w.ref.Categorical {
		add(f, w.counts[len(w.ref.Numeric)+q])
	}
	add(w.ref.Segments, w.counts[w.width-1])
	return out
}
