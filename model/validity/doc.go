// Package validity scores a clustering without ground truth: the density-based clustering
// validation index DBCV, its fast approximation on an HDBSCAN mutual-reachability minimum
// spanning tree, and the silhouette coefficient.
//
// # DBCV
//
// DBCV (Moulavi, Jaskowiak, Campello, Zimek & Sander 2014, "Density-Based Clustering
// Validation", SIAM SDM, pp. 839-847) compares, for every cluster, its density sparseness
// (the largest edge among the internal edges of the minimum spanning tree of the cluster
// under the all-points mutual reachability distance) with its density separation (the
// smallest mutual reachability distance between its internal points and the internal points
// of any other cluster). DBCV reproduces hdbscan.validity.validity_index(X, labels) of the
// Python hdbscan package 0.8.44 with its defaults (Euclidean metric, d = number of features,
// mst_raw_dist=False), including its conventions that differ from the paper:
//
//   - all-points core distance acore(i) = (Σ_{j≠i, D_ij≠0} D_ij^-d / (|c|−1))^(−1/d): zero
//     distances (duplicates) are left out of the sum but still counted in |c|−1, and a
//     cluster whose points all coincide has acore = 0;
//   - the tree is Prim's algorithm on the intra-cluster mutual reachability distances
//     max(D_ij, acore_i, acore_j), started from the cluster's first point (lowest row) and
//     breaking ties towards the lowest index; the "from" vertex of every edge is then
//     re-derived as the lowest-indexed earlier vertex whose distance to the new vertex is
//     numpy.isclose (rtol 1e-5, atol 1e-8, in the caller's units) to the edge weight. This
//     rule decides which vertices have degree > 1, i.e. which vertices are internal;
//   - internal vertices are those of degree > 1 (vertex 0 alone when there are none);
//     internal edges join two internal vertices (all edges when there are none);
//   - the separation uses each point's own cluster's acore;
//   - V(c) = (sep(c) − sparseness(c)) / max(sep(c), sparseness(c)) and
//     DBCV = Σ_c |c|/N · V(c), with N counting noise points too;
//   - every negative label is noise and never forms a cluster; noise rows are never read
//     (they may even hold NaN, as hdbscan labels non-finite rows −1).
//
// Where the reference is degenerate:
//
//   - a single cluster has no separation: V and the score are NaN, as in the reference;
//   - a cluster of one point makes the reference fail (ValueError); DBCV returns an error
//     wrapping ErrSingletonCluster;
//   - when all points are noise the reference returns 0; DBCV returns ErrNoClusters;
//   - the reference evaluates (1/D)^d directly, which overflows to +Inf (acore 0) for small
//     distances or underflows to 0 (acore +Inf, or all-zero acore) for large ones when d is
//     large (hdbscan issues #127, #592). DBCV first rescales the data by a power of two
//     (exact, so no ratio changes), sums (1/D²)^(d/2) and accepts the sum when it is finite
//     and far above the underflow threshold; otherwise it recomputes that point's acore as
//     Dmin · (Σ_j (Dmin/D_ij)^d / (|c|−1))^(−1/d), Dmin the smallest non-zero distance from
//     the point, where every term lies in (0, 1]. Either way the value is the mathematically
//     correct one, equal to the reference's wherever the reference is finite and non-zero;
//   - numpy.isclose's absolute tolerance makes the reference depend on the units when the
//     mutual reachability distances are around 1e-3 or smaller; DBCV applies the test in the
//     caller's units and so reproduces that dependence;
//   - the reference computes intra-cluster distances with sklearn's ‖x‖²−2x·y+‖y‖²
//     expansion; DBCV sums squared differences directly. The two agree to about 1e-13
//     relative except between near-duplicate points, where the expansion cancels badly.
//
// Cost: DBCV never builds an n×n matrix, not even per cluster: distances are computed on the
// fly from the cluster's packed rows, so memory is O(n·d). Per cluster c it does O(|c|²·d)
// work in three passes: the core distances (rows split over workers), Prim's algorithm
// (clusters run concurrently; a cluster with more than 4096 points splits every step's scan
// over workers) and the parent rule (vertices split over workers). The separation is a
// pruned nearest-other-cluster search over a k-d tree of all internal points, close to
// O(n log n) for separated clusters. Results are bitwise identical for any number of
// workers.
//
// # Relative validity
//
// RelativeValidity is hdbscan's HDBSCAN.relative_validity_: the same sparseness/separation
// ratio read off the edges of the HDBSCAN mutual reachability minimum spanning tree (the
// largest intra-cluster edge, the smallest edge to another cluster). It is O(edges) and is
// meant for comparing parameter choices on one data set, not as an absolute score.
//
// # Silhouette
//
// Silhouette and SilhouetteSamples follow scikit-learn 1.9 silhouette_score and
// silhouette_samples with the Euclidean metric (Rousseeuw 1987, "Silhouettes: a graphical aid
// to the interpretation and validation of cluster analysis", J. Comput. Appl. Math. 20,
// 53-65): s(i) = (b(i) − a(i)) / max(a(i), b(i)) with a(i) the mean distance to the other
// members of i's cluster and b(i) the smallest mean distance to another cluster; points of a
// singleton cluster score 0. Labels are arbitrary integers and −1 is an ordinary cluster
// unless SilhouetteConfig.ExcludeNoise is set. The work is O(n²·d) with O(n·k) memory: every
// unordered pair is evaluated once, in tiles scheduled as a round-robin tournament over
// workers; with very many clusters (n·k above 8M, or fewer than 32 points per cluster on
// average) each row computes its own sums instead (twice the distances, O(workers·k)
// memory). Results are bitwise identical for any number of workers.
package validity
