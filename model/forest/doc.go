// Package forest is a random forest classifier (Breiman 2001) built from CART trees
// (Breiman, Friedman, Olshen and Stone 1984) with the Gini criterion. storeseg trains it on
// HDBSCAN's confident core points (features: FAMD principal coordinates) to assign every
// noise store to a segment, and calls it once per stream event to score a store.
//
// The algorithm follows scikit-learn 1.9.1's RandomForestClassifier and its defaults so
// that the two agree statistically (same accuracy and out-of-bag accuracy on the same
// data); trees are not bit-identical because the random number generators differ.
//
// References:
//   - L. Breiman (2001), Random Forests. Machine Learning 45(1):5–32.
//     doi:10.1023/A:1010933404324
//   - L. Breiman, J. Friedman, R. Olshen, C. Stone (1984), Classification and Regression
//     Trees. Wadsworth.
//   - scikit-learn 1.9.1: sklearn/ensemble/_forest.py, sklearn/tree/_classes.py,
//     _splitter.pyx, _partitioner.pyx, _criterion.pyx, _tree.pyx.
//
// # Training
//
// Every tree is grown depth-first on a bootstrap sample (n draws with replacement; the
// draw counts become sample weights; with ClassWeightBalanced the draws are weighted by
// class, as in scikit-learn 1.9), choosing at each node the split with the largest
// decrease in weighted Gini impurity among MaxFeatures features drawn without replacement.
// As in scikit-learn:
//   - features are cast to float32 once; a row goes left iff float32(x) <= threshold,
//     where the threshold is the midpoint a/2 + b/2 of two adjacent distinct float32
//     values a < b, rounded to float32 (or a, when rounding reaches b), so every float32
//     value goes the same way as under scikit-learn's float64 midpoint; values within
//     1e-7 of each other are never separated;
//   - MinSamplesSplit, MinSamplesLeaf and the node size counted for them are numbers of
//     distinct samples (a bootstrap duplicate counts once); impurities and leaf class
//     fractions use the weights;
//   - a node keeps drawing features past those that are constant in it, and constant
//     features are remembered for its subtree;
//   - the first split with a strictly better impurity decrease wins;
//   - a node becomes a leaf when it is pure, too small, at MaxDepth, or has no valid split.
//
// Samples are sorted per node and feature on precomputed float32 ranks (radix sort of
// packed rank/position keys into reused buffers; a node's samples stay in index order, so
// gathering their ranks reads the rank column forwards), so growing a tree allocates only
// its output. Trees are grown in parallel; tree t draws from its own PCG stream seeded from
// (Config.Seed, t), so the forest is the same for any number of workers.
//
// # Prediction
//
// PredictProba is the mean over the trees of the weighted class fractions of the leaf a
// row reaches; Predict is its argmax, ties going to the lowest class. The trees live in one
// flat node array (16 bytes a node, leaves as self-loops pointing at their entries) and
// leaves store only their non-zero class fractions. A row's values are turned once into integer sort keys of their
// float32 values, so a step down a tree selects the child arithmetically instead of with a
// branch the CPU would mispredict half the time, and eight trees are walked in lockstep so
// that their memory loads overlap. Single-row prediction does not allocate.
//
// # Serialization
//
// MarshalBinary writes the forest as an npz container (see model/internal/npz) of flat
// arrays that NumPy reads directly: per node the split feature (−1 for a leaf), the float32
// threshold and the tree-local left and right children (−1 for a leaf), with CSR offsets
// into the leaves' (class index, fraction) entries, plus the classes, feature importances
// and a JSON document with the training parameters. UnmarshalBinary validates every index,
// so a corrupt or tampered model is an error, never a panic or an endless walk.
//
// # Noise assignment
//
// AssignNoise trains a forest on HDBSCAN's core points and assigns every noise point to
// its predicted segment, recording for every point whether its segment came from HDBSCAN
// (Core) or from the forest (Inferred) and how confident the forest is in it.
package forest
