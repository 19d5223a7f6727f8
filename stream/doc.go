// Package stream is storeseg's streaming consumer: it keeps every store's merged features
// and segment current as store feature updates arrive on Kafka.
//
// # Pipeline
//
// A Consumer reads the input topic (default store-features) in a consumer group with
// kafka-go's FetchMessage and explicit CommitMessages, in batches bounded by
// Config.BatchSize and Config.BatchMaxWait. For each batch it
//
//  1. skips messages at offsets the state store has already applied (replays);
//  2. decodes each message (schemas.Decoder: Avro single-object or Confluent framing; a
//     Kafka tombstone deletes the store as of the record's timestamp) and validates it
//     against the schema and Config.Spec; a bad message goes to the dead-letter topic;
//  3. merges the updates in order (StateStore.Preview, last writer wins per feature by event
//     time, so replays and reordering converge);
//  4. for every store the batch changed: appends its merged state to the compacted
//     changelog (default store-state), scores it with the serving model and emits a
//     schemas.SegmentAssignment to the compacted segments topic (default store-segments)
//     when the emit policy asks for it; a removed store gets tombstones on both;
//  5. waits until Kafka has acknowledged every output (acks from all in-sync replicas);
//  6. persists the merged states, the batch's offsets and the emissions (which remember
//     each store's last acknowledged segment) in one state-store transaction:
//     StateStore.Commit of the step-3 preview, which does not read the stores again (if it
//     fails, the batch is merged again and applied, and the emissions recorded after);
//  7. commits the input offsets: at once when the state store fsyncs every commit, or,
//     with Config.SyncInterval (group commit), once a background StateStore.Sync that
//     began after step 6 has returned.
//
// Batches run in lanes: lane i takes the partitions p with p mod Config.Lanes = i, so lanes
// touch disjoint stores and run concurrently while every partition stays in order. Within a
// lane, steps 6 and 7 of a batch run in the background while the next batches go through
// steps 1 to 5 (up to four batches persisting at once, in order); a batch waits for them
// before merging when it shares a store with one, and its own step 6 follows theirs.
//
// A crash anywhere repeats outputs and never loses one (at least once). Outputs are keyed by
// store id, murmur2-partitioned like Java clients, and deterministic for a given state and
// model (apart from assigned_at), so a replay only repeats identical events.
//
// Transient failures (a broker or the Schema Registry away, a state-store conflict) are
// retried with exponential backoff between Config.RetryMin and Config.RetryMax and never
// dead-letter a message; the batch is simply retried. Run fails only for what retrying
// cannot fix (a closed or corrupt state store).
//
// # Dead letters
//
// A message that cannot be processed is written, with its key, value and headers unchanged,
// to the dead-letter topic (default store-features.dlq) with the headers HeaderReason,
// HeaderError, HeaderTopic, HeaderPartition, HeaderOffset and HeaderTimestamp. Reasons:
// the decode reasons of schemas.Reason (bad_header, unknown_schema_id, unknown_fingerprint,
// incompatible_schema, malformed, invalid: NaN or infinite values, an empty store id, ...),
// and ReasonOversized, ReasonMissingStoreID, ReasonKeyMismatch, ReasonOutOfRange,
// ReasonInvalidUpdate, ReasonUnseenLevel and ReasonUnscorable. When the model rejects a
// store's merged values, the update that last changed the store is dead-lettered and the
// batch merged again without it. A partition never stalls on a bad message.
//
// # Models
//
// The consumer follows the compacted models topic (default segment-models) from its
// beginning without a group, reassembles bundles (schemas.Assembler), loads and verifies
// them (model.Load checks checksums, consistency and smoke predictions; the consumer also
// checks that every feature of the bundle has been seen in the stored state with the same
// kind) and hands the newest to the Run loop, which swaps it in between batches, so a swap
// never races a batch. After a swap every stored store is rescored and the assignments the
// emit policy asks for are emitted; stores unchanged since the refit's snapshot get the
// refit's own assignment. A rejected bundle is counted and logged, and the serving model
// stays. Before any model exists the consumer keeps state and the changelog and emits no
// assignment.
//
// # Metrics
//
// The consumer registers these metrics (none is labelled by store id):
//
//	storeseg_stream_events_consumed_total            input messages fetched (replays included)
//	storeseg_stream_events_skipped_total             input messages already applied (replays)
//	storeseg_stream_events_failed_total{reason}      messages not processed, by dead-letter reason;
//	                                                 also rescore_<reason> for stores a new model
//	                                                 cannot score, score_error, and invalid_assignment
//	                                                 (a model output its schema refuses; not emitted)
//	storeseg_stream_events_dead_lettered_total       messages written to the dead-letter topic
//	storeseg_stream_assignments_emitted_total{segment,source}  assignments produced and acknowledged
//	storeseg_stream_assignments_clamped_total        assignments whose confidence or outlier score the model
//	                                                 gave outside [0, 1], clamped into it (a model defect)
//	storeseg_stream_tombstones_emitted_total         store removals propagated to the segments topic
//	storeseg_stream_stores_scored_total              stores scored after a stream update changed them
//	storeseg_stream_stores_novel_total               of those, stores that fit no cluster (novelty flag)
//	storeseg_stream_ready                            1 while Run consumes with a model serving (/readyz
//	                                                 also checks the broker)
//	storeseg_stream_states_emitted_total             states (and removals) appended to the changelog
//	storeseg_stream_processing_latency_seconds       histogram: input record timestamp → outputs acknowledged
//	storeseg_stream_batch_size_messages              histogram: messages per batch
//	storeseg_stream_batch_duration_seconds           histogram: batch processing time
//	storeseg_stream_state_sync_duration_seconds      histogram: background state-store sync (group commit)
//	storeseg_stream_retries_total{op}                transient failures retried, by operation
//	storeseg_stream_consumer_lag_messages{partition} messages behind the high watermark
//	storeseg_kafka_reader_fetches_total              input reader fetch requests
//	storeseg_kafka_reader_bytes_total                input reader message bytes
//	storeseg_kafka_reader_rebalances_total           consumer group rebalances
//	storeseg_kafka_reader_errors_total               input reader errors
//	storeseg_kafka_reader_queue_messages             fetched messages waiting in the reader
//	storeseg_model_info{version}                     1 for the serving model version
//	storeseg_model_load_failures_total{reason}       bundles rejected: corrupt, format, inconsistent,
//	                                                 invalid, version_mismatch, incompatible_features,
//	                                                 drift_reference, record_<decode reason>
//	storeseg_model_swaps_total                       bundles swapped in
//	storeseg_model_rescore_duration_seconds          histogram: full rescore after a swap, outputs acknowledged
//	storeseg_model_rescored_stores_total             stores rescored after swaps
//	storeseg_drift_psi{feature}                      population stability index of each model feature over
//	                                                 the last Config.DriftWindow scored stores, and of the
//	                                                 segment shares (feature="segment")
//	storeseg_state_lsm_size_bytes                    state store LSM size on disk
//	storeseg_state_value_log_size_bytes              state store value-log size on disk
//
// # HTTP
//
// Consumer.Handler serves /metrics, /healthz, /readyz, /v1/stores/{id} and /v1/segments;
// docs/consumer.md describes the responses and the operation of the service.
package stream
