package validity

import "errors"

// Errors returned (possibly wrapped with the offending row, column, label or edge) by the
// functions of this package. Test for them with errors.Is.
var (
	// ErrEmpty reports an input without rows or columns.
	ErrEmpty = errors.New("validity: empty input")
	// ErrLengthMismatch reports labels whose length differs from the number of rows.
	ErrLengthMismatch = errors.New("validity: labels and rows differ in length")
	// ErrNonFinite reports a NaN or infinite coordinate in a row that takes part in the score.
	ErrNonFinite = errors.New("validity: non-finite value")
	// ErrNoClusters reports labels in which every point is noise (negative).
	ErrNoClusters = errors.New("validity: no clusters, every point is noise")
	// ErrSingletonCluster reports a DBCV cluster with one point, for which the all-points
	// core distance is undefined.
	ErrSingletonCluster = errors.New("validity: cluster has a single point")
	// ErrLabelCount reports a silhouette input whose number of distinct labels is not in
	// [2, n−1].
	ErrLabelCount = errors.New("validity: number of labels must be between 2 and n-1")
	// ErrBadEdge reports a spanning-tree edge with an endpoint out of range or a weight that
	// is negative or not finite.
	ErrBadEdge = errors.New("validity: invalid edge")
)
