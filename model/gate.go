package model

import (
	"fmt"
	"math"
)

// Gate is the quality gate a model must pass to be published. A zero Gate passes every model.
type Gate struct {
	// MinDBCV fails a model whose DBCV is below it (or not computed). Off when nil.
	MinDBCV *float64
	// MaxNoiseShare fails a model whose noise share is above it. Off when ≥ 1 or 0.
	MaxNoiseShare float64
	// MinClusters and MaxClusters bound the number of clusters. Off when 0.
	MinClusters, MaxClusters int
	// MaxDBCVDrop fails a model whose DBCV is more than this below the champion's. Off when
	// 0, NaN, or when there is no champion DBCV.
	MaxDBCVDrop float64
	// MaxRelativeValidityDrop does the same for the relative validity (always computed, so it
	// guards large snapshots where DBCV is not). Off when 0 or NaN.
	MaxRelativeValidityDrop float64
}

// Check returns why the metrics fail the gate, or nil. champion holds the current
// champion's metrics (Metrics.Map of its run), or nil when there is none.
func (g Gate) Check(m Metrics, champion map[string]float64) []string {
	var why []string
	if g.MinDBCV != nil {
		if math.IsNaN(m.DBCV) {
			why = append(why, fmt.Sprintf("DBCV was not computed (required ≥ %g)", *g.MinDBCV))
		} else if m.DBCV < *g.MinDBCV {
			why = append(why, fmt.Sprintf("DBCV %.4f is below the minimum %g", m.DBCV, *g.MinDBCV))
		}
	}
	if g.MaxNoiseShare > 0 && g.MaxNoiseShare < 1 && m.NoiseShare > g.MaxNoiseShare {
		why = append(why, fmt.Sprintf("noise share %.4f is above the maximum %g", m.NoiseShare, g.MaxNoiseShare))
	}
	if g.MinClusters > 0 && m.Clusters < g.MinClusters {
		why = append(why, fmt.Sprintf("%d clusters, fewer than the minimum %d", m.Clusters, g.MinClusters))
	}
	if g.MaxClusters > 0 && m.Clusters > g.MaxClusters {
		why = append(why, fmt.Sprintf("%d clusters, more than the maximum %d", m.Clusters, g.MaxClusters))
	}
	drop := func(name string, limit, got float64) {
		old, ok := champion[name]
		if limit == 0 || math.IsNaN(limit) || !ok || math.IsNaN(got) {
			return
		}
		if old-got > limit {
			why = append(why, fmt.Sprintf("%s %.4f is %.4f below the champion's %.4f (allowed drop %g)", name, got, old-got, old, limit))
		}
	}
	drop("dbcv", g.MaxDBCVDrop, m.DBCV)
	drop("relative_validity", g.MaxRelativeValidityDrop, m.RelativeValidity)
	return why
}
