package forest

import (
	"bytes"
	"errors"
	"fmt"
	"math"

	"github.com/storeseg/storeseg/model/internal/npz"
)

// Format names the serialized forest; FormatVersion is bumped on incompatible changes.
const (
	Format        = "storeseg.forest"
	FormatVersion = 1
)

// ErrFormat reports a serialized forest that is malformed, inconsistent or of another
// format; the wrapping error names the array and index at fault.
var ErrFormat = errors.New("forest: invalid serialized forest")

// header is the forest.json document of the container.
type header struct {
	Format     string    `json:"format"`
	Version    int       `json:"version"`
	NFeatures  int       `json:"n_features"`
	NClasses   int       `json:"n_classes"`
	NTrees     int       `json:"n_trees"`
	NNodes     int       `json:"n_nodes"`
	NValues    int       `json:"n_values"`
	OOBScore   *float64  `json:"oob_score"`
	Training   trainInfo `json:"training"`
	LeafMarker int       `json:"leaf_marker"`
}

// MarshalBinary encodes the forest as an npz container (see the package documentation):
// forest.json plus the arrays classes (int64), tree_offsets (int64, first node of every
// tree and the total), feature (int32, −1 for a leaf), threshold (float32), left and right
// (int32, tree-local, −1 for a leaf), value_offsets (int64, CSR offsets of each node's
// class entries; empty for internal nodes), value_class (int32 index into classes),
// value_prob (float64) and importances (float64). The same forest always gives the same
// bytes. The OOB decision is not included.
func (c *Classifier) MarshalBinary() ([]byte, error) {
	if len(c.roots) == 0 {
		return nil, errors.New("forest: marshaling a classifier that was never trained")
	}
	h := header{
		Format: Format, Version: FormatVersion, NFeatures: c.nFeatures, NClasses: len(c.classes),
		NTrees: len(c.roots), NNodes: len(c.nodes), NValues: len(c.entries), Training: c.info,
		LeafMarker: leafFeature,
	}
	if c.hasOOB {
		s := c.oobScore
		h.OOBScore = &s
	}
	a := c.arrays()
	var buf bytes.Buffer
	w := npz.NewWriter(&buf)
	_ = w.JSON("forest", h)
	_ = w.Int64s("classes", nil, a.classes)
	_ = w.Int64s("tree_offsets", nil, a.offsets)
	_ = w.Int32s("feature", nil, a.feature)
	_ = w.Float32s("threshold", nil, a.thr)
	_ = w.Int32s("left", nil, a.left)
	_ = w.Int32s("right", nil, a.right)
	_ = w.Int64s("value_offsets", nil, a.voff)
	_ = w.Int32s("value_class", nil, a.vclass)
	_ = w.Float64s("value_prob", nil, a.vprob)
	_ = w.Float64s("importances", nil, c.importances)
	if err := w.Close(); err != nil { // the writer keeps its first error
		return nil, err
	}
	return buf.Bytes(), nil
}

// arrays flattens the forest into the serialized arrays (tree-local children, CSR class
// entries); it is the inverse of arrays.classifier.
func (c *Classifier) arrays() *arrays {
	n := len(c.nodes)
	a := &arrays{
		classes: make([]int64, len(c.classes)),
		offsets: make([]int64, len(c.roots)+1),
		feature: make([]int32, n), left: make([]int32, n), right: make([]int32, n),
		thr:    make([]float32, n),
		voff:   make([]int64, n+1),
		vclass: make([]int32, len(c.entries)), vprob: make([]float64, len(c.entries)),
		importances: c.importances,
	}
	for k, v := range c.classes {
		a.classes[k] = int64(v)
	}
	for t, r := range c.roots {
		a.offsets[t] = int64(r)
	}
	a.offsets[len(c.roots)] = int64(n)
	for k, e := range c.entries {
		a.vclass[k], a.vprob[k] = max(e.class, ^e.class), e.prob
	}
	for t := range c.roots {
		lo := int32(a.offsets[t])
		for i := lo; i < int32(a.offsets[t+1]); i++ {
			nd := c.nodes[i]
			if nd.left != i {
				a.feature[i], a.thr[i] = nd.feature, fromOrderedBits(nd.key)
				a.left[i], a.right[i] = nd.left-lo, nd.right-lo
				a.voff[i+1] = a.voff[i]
				continue
			}
			a.feature[i], a.left[i], a.right[i] = leafFeature, -1, -1
			k := nd.right
			for c.entries[k].class >= 0 {
				k++
			}
			a.voff[i+1] = int64(k) + 1
		}
	}
	return a
}

// arrays holds the decoded arrays of a serialized forest.
type arrays struct {
	classes, offsets, voff []int64
	feature, left, right   []int32
	thr                    []float32
	vclass                 []int32
	vprob, importances     []float64
}

// UnmarshalBinary decodes a forest written by MarshalBinary, replacing c. It validates the
// container completely: array lengths against the header, strictly increasing classes,
// feature and class indices in range, every tree a proper tree in pre-order (children
// after their parent, every node but the root with exactly one parent, so prediction
// always ends), leaves with a class distribution and internal nodes without, finite
// thresholds and probabilities. Errors wrap ErrFormat (or the npz reader's error).
func (c *Classifier) UnmarshalBinary(data []byte) error {
	r, err := npz.NewReader(data)
	if err != nil {
		return err
	}
	var h header
	if err := r.JSON("forest", &h); err != nil {
		return err
	}
	if h.Format != Format || h.Version != FormatVersion {
		return fmt.Errorf("%w: format %q version %d, want %q version %d", ErrFormat, h.Format, h.Version, Format, FormatVersion)
	}
	a, err := readArrays(r)
	if err != nil {
		return err
	}
	if err := a.validate(h); err != nil {
		return err
	}
	*c = *a.classifier(h)
	return nil
}

func readArrays(r *npz.Reader) (*arrays, error) {
	var a arrays
	var err error
	i64 := func(name string, dst *[]int64) {
		if err == nil {
			*dst, _, err = r.Int64s(name)
		}
	}
	i32 := func(name string, dst *[]int32) {
		if err == nil {
			*dst, _, err = r.Int32s(name)
		}
	}
	f64 := func(name string, dst *[]float64) {
		if err == nil {
			*dst, _, err = r.Float64s(name)
		}
	}
	i64("classes", &a.classes)
	i64("tree_offsets", &a.offsets)
	i32("feature", &a.feature)
	i32("left", &a.left)
	i32("right", &a.right)
	i64("value_offsets", &a.voff)
	i32("value_class", &a.vclass)
	f64("value_prob", &a.vprob)
	f64("importances", &a.importances)
	if err == nil {
		a.thr, _, err = r.Float32s("threshold")
	}
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// validate checks the arrays against the header and each other.
func (a *arrays) validate(h header) error {
	if err := a.validateShapes(h); err != nil {
		return err
	}
	for k := 1; k < len(a.classes); k++ {
		if a.classes[k] <= a.classes[k-1] {
			return fmt.Errorf("%w: classes are not strictly increasing at %d", ErrFormat, k)
		}
	}
	for k, v := range a.classes {
		if v != int64(int(v)) {
			return fmt.Errorf("%w: class %d (%d) overflows int", ErrFormat, k, v)
		}
	}
	if err := a.validateValues(h); err != nil {
		return err
	}
	if a.offsets[0] != 0 || a.offsets[h.NTrees] != int64(h.NNodes) {
		return fmt.Errorf("%w: tree_offsets do not span the %d nodes", ErrFormat, h.NNodes)
	}
	parents := make([]int32, h.NNodes)
	for t := range h.NTrees {
		lo, hi := a.offsets[t], a.offsets[t+1]
		if hi <= lo {
			return fmt.Errorf("%w: tree %d has no nodes", ErrFormat, t)
		}
		if err := a.validateTree(h, t, int(lo), int(hi), parents[lo:hi]); err != nil {
			return err
		}
	}
	for f, v := range a.importances {
		if !(v >= 0 && v <= 1) {
			return fmt.Errorf("%w: importance of feature %d is %v", ErrFormat, f, v)
		}
	}
	if h.OOBScore != nil && !(*h.OOBScore >= 0 && *h.OOBScore <= 1) {
		return fmt.Errorf("%w: oob_score %v is not in [0, 1]", ErrFormat, *h.OOBScore)
	}
	return nil
}

func (a *arrays) validateShapes(h header) error {
	switch {
	case h.NFeatures < 1 || h.NClasses < 1 || h.NTrees < 1 || h.NNodes < h.NTrees || h.NValues < 1:
		return fmt.Errorf("%w: header counts %d features, %d classes, %d trees, %d nodes, %d values",
			ErrFormat, h.NFeatures, h.NClasses, h.NTrees, h.NNodes, h.NValues)
	case h.NNodes > math.MaxInt32 || h.NValues > math.MaxInt32:
		return fmt.Errorf("%w: %d nodes and %d values exceed the int32 index limit", ErrFormat, h.NNodes, h.NValues)
	case h.LeafMarker != leafFeature:
		return fmt.Errorf("%w: leaf marker %d, want %d", ErrFormat, h.LeafMarker, leafFeature)
	}
	lengths := []struct {
		name      string
		got, want int
	}{
		{"classes", len(a.classes), h.NClasses},
		{"tree_offsets", len(a.offsets), h.NTrees + 1},
		{"feature", len(a.feature), h.NNodes},
		{"threshold", len(a.thr), h.NNodes},
		{"left", len(a.left), h.NNodes},
		{"right", len(a.right), h.NNodes},
		{"value_offsets", len(a.voff), h.NNodes + 1},
		{"value_class", len(a.vclass), h.NValues},
		{"value_prob", len(a.vprob), h.NValues},
		{"importances", len(a.importances), h.NFeatures},
	}
	for _, l := range lengths {
		if l.got != l.want {
			return fmt.Errorf("%w: %s has %d entries, want %d", ErrFormat, l.name, l.got, l.want)
		}
	}
	return nil
}

// validateValues checks the CSR class distributions: monotone offsets spanning the
// entries, class indices in range and probabilities in [0, 1].
func (a *arrays) validateValues(h header) error {
	if a.voff[0] != 0 || a.voff[h.NNodes] != int64(h.NValues) {
		return fmt.Errorf("%w: value_offsets do not span the %d values", ErrFormat, h.NValues)
	}
	for i := range h.NNodes {
		if a.voff[i+1] < a.voff[i] {
			return fmt.Errorf("%w: value_offsets decrease at node %d", ErrFormat, i)
		}
	}
	for j, cl := range a.vclass {
		if cl < 0 || int(cl) >= h.NClasses {
			return fmt.Errorf("%w: value_class[%d] = %d is not a class index", ErrFormat, j, cl)
		}
		if p := a.vprob[j]; !(p >= 0 && p <= 1) {
			return fmt.Errorf("%w: value_prob[%d] = %v is not in [0, 1]", ErrFormat, j, p)
		}
	}
	return nil
}

// validateTree checks tree t, nodes [lo, hi): pre-order children inside the tree, exactly
// one parent for every node but the root, features in range, and class entries on leaves
// only. parents is scratch space of hi−lo zeros.
func (a *arrays) validateTree(h header, t, lo, hi int, parents []int32) error {
	size := int32(hi - lo)
	for i := lo; i < hi; i++ {
		local := int32(i - lo)
		nv := a.voff[i+1] - a.voff[i]
		if a.feature[i] == leafFeature {
			if a.left[i] != -1 || a.right[i] != -1 || nv == 0 {
				return fmt.Errorf("%w: tree %d node %d: leaf with children %d/%d and %d class entries",
					ErrFormat, t, local, a.left[i], a.right[i], nv)
			}
			continue
		}
		l, r := a.left[i], a.right[i]
		switch {
		case a.feature[i] < 0 || int(a.feature[i]) >= h.NFeatures:
			return fmt.Errorf("%w: tree %d node %d: feature %d out of range", ErrFormat, t, local, a.feature[i])
		case math.IsNaN(float64(a.thr[i])) || math.IsInf(float64(a.thr[i]), 0):
			return fmt.Errorf("%w: tree %d node %d: threshold %v", ErrFormat, t, local, a.thr[i])
		case l <= local || r <= local || l >= size || r >= size || l == r:
			return fmt.Errorf("%w: tree %d node %d: children %d/%d are not later nodes of the tree",
				ErrFormat, t, local, l, r)
		case nv != 0:
			return fmt.Errorf("%w: tree %d node %d: internal node with class entries", ErrFormat, t, local)
		}
		parents[l]++
		parents[r]++
	}
	for i, p := range parents {
		if (i == 0 && p != 0) || (i > 0 && p != 1) {
			return fmt.Errorf("%w: tree %d node %d has %d parents", ErrFormat, t, i, p)
		}
	}
	return nil
}

// classifier builds the in-memory forest from validated arrays.
func (a *arrays) classifier(h header) *Classifier {
	c := &Classifier{
		classes:     make([]int, h.NClasses),
		nFeatures:   h.NFeatures,
		roots:       make([]int32, h.NTrees),
		nodes:       make([]walkNode, h.NNodes),
		entries:     make([]leafEntry, h.NValues),
		importances: a.importances,
		info:        h.Training,
	}
	for k, v := range a.classes {
		c.classes[k] = int(v)
	}
	for k, cl := range a.vclass {
		c.entries[k] = leafEntry{prob: a.vprob[k], class: cl}
	}
	for t := range h.NTrees {
		lo, hi := a.offsets[t], a.offsets[t+1]
		c.roots[t] = int32(lo)
		for i := lo; i < hi; i++ {
			if a.feature[i] == leafFeature {
				c.nodes[i] = leafNode(int32(i), int32(a.voff[i]))
				last := &c.entries[a.voff[i+1]-1]
				last.class = ^last.class
				continue
			}
			c.nodes[i] = splitNode(node{thr: a.thr[i], feature: a.feature[i], left: a.left[i], right: a.right[i]}, int32(lo))
		}
	}
	if h.OOBScore != nil {
		c.oobScore, c.hasOOB = *h.OOBScore, true
	}
	return c
}
