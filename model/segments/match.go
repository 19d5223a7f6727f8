package segments

import (
	"errors"
	"fmt"
	"slices"
)

// None marks a store with no previous segment (a new store, or no previous model).
const None = -1

// MatchConfig controls how new clusters inherit the ids of the previous model's segments.
type MatchConfig struct {
	// MinJaccard is the least Jaccard similarity |A∩B|/|A∪B| at which an assigned pair keeps
	// the old id. Default 0.3; zero means the default. Must be in (0, 1].
	MinJaccard float64
	// FlowShare is the least share of a segment's members that must flow to (or come from)
	// another segment for the transition table to record a split or a merge. Default 0.2; zero
	// means the default. Must be in (0, 1).
	FlowShare float64
}

// DefaultMatchConfig returns the defaults.
func DefaultMatchConfig() MatchConfig { return MatchConfig{MinJaccard: 0.3, FlowShare: 0.2} }

func (c MatchConfig) withDefaults() MatchConfig {
	d := DefaultMatchConfig()
	if c.MinJaccard == 0 {
		c.MinJaccard = d.MinJaccard
	}
	if c.FlowShare == 0 {
		c.FlowShare = d.FlowShare
	}
	return c
}

// Validate reports a setting outside its range.
func (c MatchConfig) Validate() error {
	c = c.withDefaults()
	if !(c.MinJaccard > 0 && c.MinJaccard <= 1) {
		return fmt.Errorf("segments: min_jaccard %v outside (0, 1]", c.MinJaccard)
	}
	if !(c.FlowShare > 0 && c.FlowShare < 1) {
		return fmt.Errorf("segments: flow_share %v outside (0, 1)", c.FlowShare)
	}
	return nil
}

// Kind names a transition between two segmentations.
type Kind string

// The transition kinds.
const (
	Kept   Kind = "kept"   // a new cluster matched an old segment and keeps its id
	Split  Kind = "split"  // an old segment's members flow to two or more new segments
	Merged Kind = "merged" // a new segment draws from two or more old segments
	Born   Kind = "born"   // a new segment with a fresh id
	Died   Kind = "died"   // an old segment no new cluster matched
)

// Transition is one row of the transition table.
type Transition struct {
	Kind Kind `json:"kind"`
	// From and To are segment ids (old and new), sorted.
	From []int `json:"from"`
	To   []int `json:"to"`
	// Stores is the number of stores in the overlap (kept), in the old segment (split, died) or in
	// the new segment (merged, born).
	Stores int `json:"stores"`
	// Jaccard is the similarity of a kept pair; 0 for other kinds.
	Jaccard float64 `json:"jaccard,omitempty"`
}

// Matching is the result of Match.
type Matching struct {
	// IDs maps each new cluster label (0..k−1) to its stable segment id.
	IDs []int
	// NextID is the first id never used so far; the next model continues from it.
	NextID int
	// Transitions lists kept, split, merged, born and died segments.
	Transitions []Transition
}

// ErrLengthMismatch reports prev and next slices of different lengths.
var ErrLengthMismatch = errors.New("segments: previous and new assignments differ in length")

// Match gives each new cluster a stable segment id. prev holds the previous segment id of each
// store (None when it had none), next its new cluster label in [0, k). Pairs are chosen by a
// maximum-overlap assignment (Hungarian method) on the overlap matrix; an assigned pair whose
// Jaccard similarity reaches cfg.MinJaccard keeps the old id, every other new cluster gets a
// fresh id starting at nextID. Ids are never reused: nextID must exceed every id in prev.
func Match(prev, next []int, k, nextID int, cfg MatchConfig) (*Matching, error) {
	if len(prev) != len(next) {
		return nil, ErrLengthMismatch
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	old, err := oldIDs(prev, nextID)
	if err != nil {
		return nil, err
	}
	oldIndex := make(map[int]int, len(old))
	for a, id := range old {
		oldIndex[id] = a
	}
	overlap := make([][]float64, len(old))
	for a := range overlap {
		overlap[a] = make([]float64, k)
	}
	oldSize, newSize := make([]int, len(old)), make([]int, k)
	for i, b := range next {
		if b < 0 || b >= k {
			return nil, fmt.Errorf("segments: store %d has cluster %d outside [0, %d)", i, b, k)
		}
		newSize[b]++
		if prev[i] == None {
			continue
		}
		a := oldIndex[prev[i]]
		oldSize[a]++
		overlap[a][b]++
	}
	m := &Matching{IDs: make([]int, k), NextID: nextID}
	for b := range m.IDs {
		m.IDs[b] = None
	}
	assign := maxAssignment(overlap, len(old), k)
	for a, b := range assign {
		if b < 0 || overlap[a][b] == 0 {
			continue
		}
		inter := int(overlap[a][b])
		j := float64(inter) / float64(oldSize[a]+newSize[b]-inter)
		if j >= cfg.MinJaccard {
			m.IDs[b] = old[a]
			m.Transitions = append(m.Transitions, Transition{Kind: Kept, From: []int{old[a]}, To: []int{old[a]}, Stores: inter, Jaccard: j})
		}
	}
	for b := range m.IDs {
		if m.IDs[b] == None {
			m.IDs[b] = m.NextID
			m.NextID++
		}
	}
	m.Transitions = append(m.Transitions, flows(old, overlap, oldSize, newSize, m.IDs, cfg.FlowShare)...)
	return m, nil
}

// oldIDs returns the distinct previous ids, sorted, checking they are below nextID.
func oldIDs(prev []int, nextID int) ([]int, error) {
	seen := map[int]bool{}
	var ids []int
	for _, id := range prev {
		if id == None || seen[id] {
			continue
		}
		if id < 0 || id >= nextID {
			return nil, fmt.Errorf("segments: previous segment id %d outside [0, next id %d)", id, nextID)
		}
		seen[id] = true
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids, nil
}

// flows derives split, merged, born and died rows from the overlap matrix.
func flows(old []int, overlap [][]float64, oldSize, newSize, newIDs []int, share float64) []Transition {
	var out []Transition
	kept := map[int]bool{}
	for _, id := range newIDs {
		kept[id] = true
	}
	for a, id := range old {
		var to []int
		for b := range newIDs {
			if oldSize[a] > 0 && overlap[a][b] >= share*float64(oldSize[a]) {
				to = append(to, newIDs[b])
			}
		}
		slices.Sort(to)
		if len(to) >= 2 {
			out = append(out, Transition{Kind: Split, From: []int{id}, To: to, Stores: oldSize[a]})
		}
		if !kept[id] {
			out = append(out, Transition{Kind: Died, From: []int{id}, To: to, Stores: oldSize[a]})
		}
	}
	oldSet := map[int]bool{}
	for _, id := range old {
		oldSet[id] = true
	}
	for b, id := range newIDs {
		var from []int
		for a := range old {
			if newSize[b] > 0 && overlap[a][b] >= share*float64(newSize[b]) {
				from = append(from, old[a])
			}
		}
		if len(from) >= 2 {
			out = append(out, Transition{Kind: Merged, From: from, To: []int{id}, Stores: newSize[b]})
		}
		if !oldSet[id] {
			out = append(out, Transition{Kind: Born, From: from, To: []int{id}, Stores: newSize[b]})
		}
	}
	return out
}
