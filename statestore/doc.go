// Package statestore keeps the merged state of every store in Badger, together with the
// Kafka offsets up to which updates have been applied and the last output emitted per
// store, for storeseg's streaming consumer.
//
// # Merge
//
// Updates are partial: an update changes only the features it carries. [Merge] is a pure
// function (shared with the in-memory fake in statestoretest) whose result does not depend
// on the order updates arrive in: per feature the newest event time wins, ties are broken
// by a total order on values, and a deletion at time t removes the store and keeps every
// later-arriving update at or before t out. The marker that does so is kept for
// Config.TombstoneTTL (default 7 days); an update older than a deletion that arrives after
// the marker expired would bring the store back, so the TTL should exceed the longest
// delivery delay. The merge is the least upper bound in a join semilattice (a state-based
// CRDT; Shapiro et al., "Conflict-free Replicated Data Types", SSS 2011), so replays and
// out-of-order delivery converge.
//
// # Delivery
//
// [Store.ApplyBatch] writes the merged states and the batch's offsets in one Badger
// transaction, so after a crash state and offsets agree. The stream's contract (at least
// once, outputs never lost) works with either order:
//
//   - Outputs first: [Store.Preview] the batch (the same merge, nothing written) → produce
//     the outputs and wait for their acks → [Store.Commit] the Preview with the offsets and
//     the acknowledged emissions ([Preview.AddEmissions]) in one transaction (it writes the
//     merged states without reading the stores again, and fails with [ErrConflict] if
//     another batch changed one of them in between) → commit Kafka offsets.
//     Whatever was persisted was acknowledged, so updates below the applied offsets
//     ([Store.Offsets]) need not be emitted again.
//   - State first: ApplyBatch → produce and wait for acks → [Store.RecordEmissions] with
//     Acked set → commit. Each [Result] carries the store's last recorded [Emission]; a
//     replayed update whose result is unchanged must still be emitted unless the emission
//     for Result.Revision (and the current model) is acknowledged.
//
// Either way RecordEmissions also gives the stream each store's previous segment.
//
// Durability: with Config.SyncWrites every commit is fsynced before it returns. Without it,
// [Store.Sync] makes every earlier commit durable at once (group commit): the stream
// persists batches without an fsync each and commits Kafka offsets only after a Sync that
// followed them.
//
// # Storage
//
// Keys are s/<store id> (state and deletion marker), e/<store id> (last emission),
// o/<topic>\x00<partition> (next offset to apply) and n/<id> (a string of the records'
// dictionary: feature names, categorical values and sources are stored by id). Values are a
// compact, versioned binary encoding; a value that does not decode is [ErrCorrupt], never a
// panic. Encryption at rest
// (AES, Badger's data keys under Config.EncryptionKey) is optional. The Store runs Badger's
// value-log GC on a ticker it owns; Close stops it and waits. Badger's log goes to slog,
// its Info messages at Debug.
//
// # Usage
//
//	st, err := statestore.Open(statestore.DefaultConfig("/var/lib/storeseg/state"), logger)
//	if err != nil { ... }
//	defer st.Close()
//	results, err := st.ApplyBatch(ctx, updates, []statestore.Offset{{Topic: "store-features", Partition: 0, Next: 42}})
package statestore
