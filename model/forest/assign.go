package forest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/gonum/mat"
)

// ErrNoCorePoints reports that no cluster member reached the core threshold, so there is
// nothing to train the noise classifier on.
var ErrNoCorePoints = errors.New("forest: no core points")

// Source says where a point's segment comes from.
type Source int

const (
	// Core marks a cluster member: its segment is its HDBSCAN label.
	Core Source = iota
	// Inferred marks a noise point: its segment is the forest's prediction.
	Inferred
)

// String returns "core" or "inferred".
func (s Source) String() string {
	switch s {
	case Core:
		return "core"
	case Inferred:
		return "inferred"
	}
	return "Source(" + strconv.Itoa(int(s)) + ")"
}

// AssignConfig configures AssignNoise.
type AssignConfig struct {
	// CoreThreshold selects the training points: a cluster member (label ≥ 0) whose
	// HDBSCAN membership probability is at least CoreThreshold is a core point. It must lie
	// in [0, 1]. DefaultAssignConfig uses 0.5: members at least half as strongly attached
	// as their cluster's most persistent points, which keeps loosely attached border
	// points out of the training set (every cluster keeps its points of probability 1).
	// The zero value, 0, trains on every member.
	CoreThreshold float64

	// Forest configures the classifier. When it bootstraps, AssignNoise always computes
	// the out-of-bag decision (for the members' confidences), whatever Forest.OOB says.
	Forest Config
}

// DefaultAssignConfig returns CoreThreshold 0.5 and DefaultConfig for the forest.
func DefaultAssignConfig() AssignConfig {
	return AssignConfig{CoreThreshold: 0.5, Forest: DefaultConfig()}
}

// Validate reports the first invalid field.
func (c AssignConfig) Validate() error {
	if !(c.CoreThreshold >= 0 && c.CoreThreshold <= 1) {
		return fmt.Errorf("forest: CoreThreshold %v is not in [0, 1]", c.CoreThreshold)
	}
	return c.Forest.Validate()
}

// Assignment is the segment of every point after noise assignment.
type Assignment struct {
	// Segment is the HDBSCAN label of a cluster member and the predicted cluster of a
	// noise point; it is never −1.
	Segment []int
	// Confidence is the forest's probability of Segment, in [0, 1]. For a noise point it
	// is the winning class's probability. For a member it is the forest's probability of
	// the member's own label: out-of-bag for core points (the trees that did not train on
	// the point vote, an honest agreement measure where the in-sample value would be close
	// to 1 for every training point), an ordinary prediction for members below the core
	// threshold (and for core points without an OOB estimate: no bootstrap, or in every
	// tree's sample). It is 0 for a member of a cluster that has no core point. Members
	// and noise points are thus on one scale: how strongly the forest backs the segment.
	Confidence []float64
	// Source is Core for cluster members and Inferred for noise points.
	Source []Source
	// Classifier is the forest trained on the core points (features = the columns of x).
	Classifier *Classifier
	// CorePoints is the number of core points the forest was trained on.
	CorePoints int
}

// AssignNoise assigns every HDBSCAN noise point (label −1) to a cluster. It trains a forest
// on the core points (label ≥ 0 and probability ≥ cfg.CoreThreshold) with their labels as
// classes and predicts every noise point; members keep their label. x holds one row per
// point (for storeseg, FAMD principal coordinates); labels and probabilities are HDBSCAN's
// labels_ and probabilities_ (nil probabilities mean 1 for every member).
//
// If the core points have a single class, every point gets that class with confidence 1.
// It returns ErrNoCorePoints when no member reaches the threshold, and an error naming the
// index for a label below −1, a probability outside [0, 1] or a non-finite value of x.
func AssignNoise(ctx context.Context, x *mat.Dense, labels []int, probabilities []float64, cfg AssignConfig) (*Assignment, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	core, err := corePoints(x, labels, probabilities, cfg.CoreThreshold)
	if err != nil {
		return nil, err
	}
	fcfg := cfg.Forest
	fcfg.OOB = !fcfg.NoBootstrap
	xc := rowsOf(x, core)
	yc := make([]int, len(core))
	for j, i := range core {
		yc[j] = labels[i]
	}
	clf, err := Train(ctx, xc, yc, fcfg)
	if err != nil {
		return nil, fmt.Errorf("training the noise classifier: %w", err)
	}
	a := &Assignment{
		Segment:    slices.Clone(labels),
		Confidence: make([]float64, len(labels)),
		Source:     make([]Source, len(labels)),
		Classifier: clf,
		CorePoints: len(core),
	}
	if err := a.score(ctx, x, labels, core); err != nil {
		return nil, err
	}
	return a, nil
}

// corePoints validates the inputs and returns the indices of the core points.
func corePoints(x *mat.Dense, labels []int, probabilities []float64, threshold float64) ([]int, error) {
	if x == nil {
		return nil, fmt.Errorf("forest: x is nil")
	}
	n, _ := x.Dims()
	if len(labels) != n {
		return nil, fmt.Errorf("forest: %d labels for %d rows", len(labels), n)
	}
	if probabilities != nil && len(probabilities) != n {
		return nil, fmt.Errorf("forest: %d probabilities for %d rows", len(probabilities), n)
	}
	if err := checkFinite(x); err != nil {
		return nil, err
	}
	var core []int
	var members int
	for i, l := range labels {
		if l < -1 {
			return nil, fmt.Errorf("forest: labels[%d] = %d is neither a cluster id (≥ 0) nor noise (−1)", i, l)
		}
		p := 1.0
		if probabilities != nil {
			p = probabilities[i]
			if !(p >= 0 && p <= 1) {
				return nil, fmt.Errorf("forest: probabilities[%d] = %v is not in [0, 1]", i, p)
			}
		}
		if l >= 0 {
			members++
			if p >= threshold {
				core = append(core, i)
			}
		}
	}
	if len(core) == 0 {
		return nil, fmt.Errorf("%w: %d cluster members, none with probability ≥ %v", ErrNoCorePoints, members, threshold)
	}
	return core, nil
}

// rowsOf copies the given rows of x into a new matrix.
func rowsOf(x *mat.Dense, rows []int) *mat.Dense {
	_, d := x.Dims()
	out := mat.NewDense(len(rows), d, nil)
	for j, i := range rows {
		out.SetRow(j, x.RawRowView(i))
	}
	return out
}

// score fills segments, confidences and sources: noise points and members below the
// threshold are predicted, core points take their out-of-bag probabilities.
func (a *Assignment) score(ctx context.Context, x *mat.Dense, labels []int, core []int) error {
	clf := a.Classifier
	isCore := make([]int, len(labels)) // position in core + 1, or 0
	for j, i := range core {
		isCore[i] = j + 1
	}
	var rest []int
	oob := clf.oobDecision
	for i := range labels {
		j := isCore[i] - 1
		if j < 0 || oob == nil || math.IsNaN(oob.At(j, 0)) {
			rest = append(rest, i)
			continue
		}
		a.Confidence[i] = oob.At(j, clf.classIndex(labels[i]))
	}
	if len(rest) == 0 {
		return nil
	}
	pred, proba, err := clf.PredictBatch(ctx, rowsOf(x, rest))
	if err != nil {
		return err
	}
	for j, i := range rest {
		if labels[i] >= 0 {
			if k := clf.classIndex(labels[i]); k >= 0 {
				a.Confidence[i] = proba.At(j, k)
			}
			continue
		}
		a.Segment[i] = pred[j]
		a.Source[i] = Inferred
		a.Confidence[i] = proba.At(j, clf.classIndex(pred[j]))
	}
	return nil
}

// classIndex returns the index of label in Classes, or −1.
func (c *Classifier) classIndex(label int) int {
	k, ok := slices.BinarySearch(c.classes, label)
	if !ok {
		return -1
	}
	return k
}
