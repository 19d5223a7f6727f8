// Package segments turns a refit's clusters into business segments that stay stable across
// refits: it gives each new cluster a segment id, records how segments changed, and describes
// each segment with a profile and a short generated name.
//
// # Stable ids
//
// Match compares the previous segmentation of the current stores (typically the previous
// model's segment for each store, obtained by scoring the snapshot with the previous bundle)
// with the new clusters. The overlap matrix O[a][b] = |old segment a ∩ new cluster b| is
// solved as a maximum-weight assignment with the Hungarian method (Kuhn 1955, in the
// shortest-augmenting-path form of Jonker & Volgenant 1987); an assigned pair keeps the old id
// when its Jaccard similarity reaches MatchConfig.MinJaccard. Every other new cluster gets a
// fresh id from a counter that only grows, so an id is never reused for a different segment.
// The transition table records kept pairs, splits (an old segment whose members flow in
// substantial shares to two or more new segments), merges, births and deaths.
//
// # Profiles and names
//
// Profiles ranks, per segment, the numeric features by standardized difference from the whole
// population and the categorical levels by over-representation, then names the segment from
// its strongest traits ("large · out-of-town · high basket"). Business words for numeric
// features come from ProfileConfig.Words.
//
// The package is pure: no I/O, deterministic for a given input.
package segments
