package forest

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/mat"
)

// Classifier is a trained random forest. It is immutable after Train or UnmarshalBinary and
// safe for concurrent use.
type Classifier struct {
	classes   []int
	nFeatures int

	// The trees in one flat layout: tree t's nodes are nodes[roots[t]:roots[t+1]] (the last
	// tree ends at len(nodes)), with global child indices. A leaf is a self-loop (see
	// leafNode) whose class distribution starts at entries[right].
	roots   []int32
	nodes   []walkNode
	entries []leafEntry

	importances []float64
	info        trainInfo

	oobScore    float64
	hasOOB      bool
	oobDecision *mat.Dense
}

// trainInfo records how the forest was trained; it is serialized for provenance.
type trainInfo struct {
	NEstimators     int     `json:"n_estimators"`
	MaxFeatures     string  `json:"max_features"`
	MaxFeaturesN    int     `json:"max_features_resolved"`
	MaxDepth        int     `json:"max_depth"`
	MinSamplesSplit int     `json:"min_samples_split"`
	MinSamplesLeaf  int     `json:"min_samples_leaf"`
	MaxSamples      float64 `json:"max_samples"`
	Bootstrap       bool    `json:"bootstrap"`
	ClassWeight     string  `json:"class_weight"`
	Seed            uint64  `json:"seed"`
	NSamples        int     `json:"n_samples"`
}

// Train grows a random forest classifier on the rows of x with labels y.
//
// Labels are arbitrary integers (for example HDBSCAN cluster ids); Classes returns them
// sorted and every probability vector follows that order. A single class is allowed: every
// tree is then one leaf and every prediction is that class with probability 1.
//
// Features are cast to float32 once, as scikit-learn does, so every value of x must be
// finite and within float32 range. Trees are grown in parallel (cfg.Workers); the forest is
// the same for any number of workers. Train checks ctx between trees.
func Train(ctx context.Context, x *mat.Dense, y []int, cfg Config) (*Classifier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if x == nil {
		return nil, fmt.Errorf("forest: x is nil")
	}
	n, d := x.Dims()
	p := cfg.resolve(n, d)
	ds, err := newDataset(x, y, p.balanced, p.workers)
	if err != nil {
		return nil, err
	}
	trees, err := growTrees(ctx, ds, p)
	if err != nil {
		return nil, err
	}
	c, err := assemble(ds, trees)
	if err != nil {
		return nil, err
	}
	c.info = cfg.info(p, n)
	if p.oob {
		if err := c.computeOOB(ctx, x, ds, trees, p.workers); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (c Config) info(p params, n int) trainInfo {
	return trainInfo{
		NEstimators:     p.nTrees,
		MaxFeatures:     c.MaxFeatures.String(),
		MaxFeaturesN:    p.maxFeatures,
		MaxDepth:        c.MaxDepth,
		MinSamplesSplit: p.minSplit,
		MinSamplesLeaf:  p.minLeaf,
		MaxSamples:      c.MaxSamples,
		Bootstrap:       !c.NoBootstrap,
		ClassWeight:     c.ClassWeight.String(),
		Seed:            c.Seed,
		NSamples:        n,
	}
}

// growTrees grows p.nTrees trees on p.workers goroutines, each with its own builder.
func growTrees(ctx context.Context, ds *dataset, p params) ([]*tree, error) {
	trees := make([]*tree, p.nTrees)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range p.workers {
		wg.Go(func() {
			b := newBuilder(ds, p)
			for ctx.Err() == nil {
				t := int(next.Add(1) - 1)
				if t >= p.nTrees {
					return
				}
				trees[t] = b.build(t)
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("forest: training: %w", err)
	}
	return trees, nil
}

// assemble concatenates the trees into the flat layout and averages their importances.
func assemble(ds *dataset, trees []*tree) (*Classifier, error) {
	var nNodes, nValues int
	for _, t := range trees {
		nNodes += len(t.nodes)
		nValues += len(t.vclass)
	}
	if nNodes > math.MaxInt32 || nValues > math.MaxInt32 {
		return nil, fmt.Errorf("forest: %d nodes and %d leaf entries exceed the int32 index limit", nNodes, nValues)
	}
	c := &Classifier{
		classes:   ds.classes,
		nFeatures: ds.d,
		roots:     make([]int32, 0, len(trees)),
		nodes:     make([]walkNode, 0, nNodes),
		entries:   make([]leafEntry, 0, nValues),
	}
	for _, t := range trees {
		c.appendTree(t.nodes, t.vclass, t.vprob)
	}
	c.importances = meanImportance(trees, ds.d)
	return c, nil
}

// appendTree adds a tree given in the builder's form (tree-local indices, leaves marked by
// leafFeature with their class-entry range in left and right).
func (c *Classifier) appendTree(nodes []node, vclass []int32, vprob []float64) {
	off := int32(len(c.nodes))
	c.roots = append(c.roots, off)
	for i, nd := range nodes {
		g := off + int32(i)
		if nd.feature != leafFeature {
			c.nodes = append(c.nodes, splitNode(nd, off))
			continue
		}
		c.nodes = append(c.nodes, leafNode(g, int32(len(c.entries))))
		for k := nd.left; k < nd.right; k++ {
			cl := vclass[k]
			if k == nd.right-1 {
				cl = ^cl
			}
			c.entries = append(c.entries, leafEntry{prob: vprob[k], class: cl})
		}
	}
}

// leafEntry is one class fraction of a leaf.
type leafEntry struct {
	prob  float64
	class int32 // class index; its complement (negative) marks the leaf's last entry
}

// leafNode returns the node that stands for leaf i, whose class entries start at
// entries[start]: a self-loop (key leafKey sends every row left, to i itself) that keeps
// the start in right, which a walk never takes at a leaf.
func leafNode(i, start int32) walkNode {
	return walkNode{key: leafKey, left: i, right: start}
}

// splitNode converts an internal node with children local to a tree starting at off.
func splitNode(nd node, off int32) walkNode {
	return walkNode{key: sortKey(nd.thr), feature: nd.feature, left: nd.left + off, right: nd.right + off}
}

// meanImportance is scikit-learn's feature_importances_: the mean of the per-tree
// normalised importances over trees with more than one node, normalised again; all zeros
// when every tree is a single leaf.
func meanImportance(trees []*tree, d int) []float64 {
	imp := make([]float64, d)
	var used int
	for _, t := range trees {
		if t.importance == nil {
			continue
		}
		used++
		for f, v := range t.importance {
			imp[f] += v
		}
	}
	if used == 0 {
		return imp
	}
	var sum float64
	for f := range imp {
		imp[f] /= float64(used)
		sum += imp[f]
	}
	if sum > 0 {
		for f := range imp {
			imp[f] /= sum
		}
	}
	return imp
}

// Classes returns the sorted class labels; probability vectors follow this order.
func (c *Classifier) Classes() []int { return slices.Clone(c.classes) }

// NumFeatures returns the number of features a row must have.
func (c *Classifier) NumFeatures() int { return c.nFeatures }

// NumTrees returns the number of trees.
func (c *Classifier) NumTrees() int { return len(c.roots) }

// Size returns the total number of nodes (internal nodes and leaves) over all trees, the
// model's complexity. Prediction memory is 16 bytes a node plus 16 bytes a stored leaf
// class fraction (leaves store only their non-zero fractions, mostly one); the serialized
// form is about the same.
func (c *Classifier) Size() int { return len(c.nodes) }

// FeatureImportances returns the impurity-based (mean decrease in Gini impurity)
// importance of every feature, normalised to sum to 1 like scikit-learn's
// feature_importances_ (all zeros when no tree has a split).
func (c *Classifier) FeatureImportances() []float64 { return slices.Clone(c.importances) }

// OOBScore returns the out-of-bag accuracy, and false when the forest was trained without
// OOB (or no sample was ever out of bag). It is the accuracy of the OOB decision's argmax
// over the samples that were out of bag for at least one tree (scikit-learn also counts
// the others, as class 0, after a warning; with 100 trees there are none in practice).
func (c *Classifier) OOBScore() (float64, bool) { return c.oobScore, c.hasOOB }

// OOBDecision returns the out-of-bag class probabilities of every training sample (one row
// per sample, one column per class), averaged over the trees that did not see the sample. A
// sample that was in every bootstrap sample has a row of NaN. It returns nil when the
// forest was trained without OOB or was read by UnmarshalBinary (the decision is training
// diagnostics and is not serialized; the score is).
func (c *Classifier) OOBDecision() *mat.Dense {
	if c.oobDecision == nil {
		return nil
	}
	return mat.DenseCopyOf(c.oobDecision)
}
