// Package hdbscan is HDBSCAN density clustering (Campello, Moulavi & Sander 2013) with GLOSH
// outlier scores (Campello, Moulavi, Zimek & Sander 2015) and prediction for new points,
// reproducing Python hdbscan 0.8.44 (McInnes, Healy & Astels 2017) with an exact minimum
// spanning tree, fast.
//
// # Algorithm
//
// Cluster takes the rows of a matrix as points in Euclidean space. A point's core distance
// is the distance to its MinSamples-th nearest other point; the mutual reachability distance
// of two points is max(core_a, core_b, d(a, b)/Alpha). HDBSCAN is single linkage on that
// distance: its minimum spanning tree, sorted, is the single-linkage tree; the tree is
// condensed by MinClusterSize (a merge of two parts of at least MinClusterSize points is a
// split into two clusters, smaller parts are points leaving their cluster at λ = 1/distance),
// and flat clusters are selected by excess of mass or as leaves.
//
// The steps, all exact:
//
//   - k-nearest neighbours of every point on a k-d tree (parallel), giving core distances;
//   - the minimum spanning tree by Borůvka's algorithm (March, Ram & Gray 2010, "Fast
//     Euclidean minimum spanning tree"; as used for HDBSCAN by McInnes & Healy 2017,
//     "Accelerated hierarchical density based clustering"): per-point searches in early
//     rounds, a dual-tree traversal once most points need one, both pruning by component,
//     bounding box and core distance; parallel, with ties broken by (weight, row, row) so the
//     result does not depend on Workers;
//   - the replay of hdbscan's own exact tree (see Reference below);
//   - hdbscan's label(), condense_tree, compute_stability, get_clusters (EOM with its
//     float32 subtree stability, strict comparison, max_cluster_size, epsilon_max; leaf;
//     cluster_selection_epsilon through traverse_upwards; the allow_single_cluster labelling
//     rule), probabilities, GLOSH outlier scores, persistence and exemplars, on the same
//     arrays in the same order, so floating-point sums agree to the last bit.
//
// Cost is about O(n log n) in low dimension (the k-d tree degrades as dimensions grow, as
// every exact method does); memory is O(n·(dims + MinSamples)).
//
// # Reference
//
// The reference is hdbscan 0.8.44 with an exact minimum spanning tree: its Prim's algorithm
// from row 0 (algorithm="prims_kdtree"), or its default dual-tree Borůvka with
// approx_min_span_tree=False, which finds a tree of the same weights. Different exact
// minimum spanning trees give the same clusters except where equal weights tie, and mutual
// reachability ties often: a point whose core distance exceeds its distances to two groups
// joins both at exactly its core distance. Which group it then falls out of,
// and sometimes whether a small group reaches MinClusterSize, follows the order of the tied
// edges. hdbscan orders them with NumPy's unstable argsort, so even its own results can
// depend on the machine's sort kernel; and its Borůvka pass points edges the other way than
// Prim's, which numbers clusters differently. This package defines the order: Prim's
// spanning tree (row 0 first, lowest row on ties, a row's edge from the first tree row that
// reached its distance) sorted stably by weight, i.e. hdbscan's prims_kdtree with a stable
// sort. It gets that tree without Prim's O(n²) cost by running Prim's rules on a sparse graph
// holding every edge Prim's can pick: the Borůvka tree, plus each point's edges to the points
// within its core distance (the ties its core distance creates), with duplicate rows handled
// as groups. Exactly equal distances between unrelated pairs of rows (lattice data such as
// integer-coded features) are not searched for: there the tree still has minimum weight and
// the clustering is still a valid HDBSCAN result, but the order of such tied merges, and so
// which cluster a tied point falls out of, can differ from hdbscan's. Result.MST is that
// tree, in Prim's order.
//
// The golden tests compare with hdbscan 0.8.44 itself run with a stable sort (labels,
// numbering, condensed tree, probabilities, outlier scores, persistence, core distances,
// the spanning tree edge for edge, exemplars, approximate_predict and
// approximate_predict_scores), and with stock hdbscan's labels, on data drawn so that the
// stock runs do not depend on tie order.
//
// Deliberate differences from hdbscan:
//
//   - Rows holding NaN or ±Inf are an error (*InputError naming the row), where hdbscan drops
//     them and labels them noise; data with fewer rows than MinClusterSize is ErrTooFewPoints.
//   - Alpha is honoured (hdbscan's default Borůvka ignores it).
//   - When AllowSingleCluster and Epsilon select the root but label none of its points,
//     the result has no cluster (hdbscan still reports the empty cluster's persistence).
//   - Prediction maps clusters to labels through the clusters the fit selected, not through
//     clusters re-derived from the labels (see Predictor).
//   - cluster_selection_persistence and match_reference_implementation are not offered.
//
// # Input and conventions
//
// Rows are points, columns coordinates; the matrix is not modified. Row indices in Labels,
// Condensed, MST and Exemplars refer to its rows. The metric is Euclidean. Results are
// deterministic and independent of Workers. "No cluster found" is a Result with NClusters 0
// and every label −1, not an error.
//
// # Prediction
//
// Result.PredictionData returns a Predictor (hdbscan's PredictionData with
// approximate_predict and approximate_predict_scores) that is immutable, safe for concurrent
// use, allocation-free per query once warm, and serializable with MarshalBinary to a
// language-neutral npz container (NumPy arrays and JSON, see model/internal/npz).
//
// # Panics
//
// Cluster does not panic on any data. Predictor methods panic, with an "hdbscan: " prefix,
// when a point's length differs from the model's dimension (a programmer error).
package hdbscan
