// Package schemas defines storeseg's Kafka message formats: the Avro schemas (embedded from
// avro/<Name>/v<N>.avsc), Go types for each record, their encoders and decoders, the two
// message framings, Avro schema resolution and the chunked framing of model bundles.
//
// # Records
//
//   - [StoreFeatureUpdate] (topic store-features, key store_id): a partial update of a
//     store's features. A null feature value means "the feature is now missing". A Kafka
//     tombstone means "store removed".
//   - [StoreState] (topic store-state, compacted): a store's merged state.
//   - [SegmentAssignment] (topic store-segments, compacted): a store's segment.
//   - [ModelPublished] and [ModelChunk] (topic segment-models, compacted): a model bundle,
//     inline or in chunks; see [SplitBundle] and [Assembler].
//
// Records always encode with the newest committed schema version and decode into it.
// Decoding validates what the schema docs promise beyond Avro types (non-empty store_id,
// positive timestamps, finite numbers, unique feature names, digests that match) and
// returns a [*FieldError] naming the field otherwise.
//
// # Framings
//
// A message is framed in one of two ways, and a [Decoder] reads both:
//
//   - Confluent wire format, when a Schema Registry is used: byte 0, the writer schema's
//     4-byte big-endian registry id, the Avro binary body ([AppendConfluent]). The
//     registry client is package schemas/registry.
//   - Avro single-object encoding otherwise: bytes C3 01, the 8-byte little-endian
//     CRC-64-AVRO fingerprint of the writer schema's Parsing Canonical Form, the body
//     ([AppendSingleObject]). It is the Avro specification's own self-identifying framing,
//     so a message names its schema version without a registry, and other Avro libraries
//     (Java's BinaryMessageDecoder, fastavro) read it. The fingerprint follows the
//     specification's canonical form, which drops logical types; goavro v2.15.0 keeps them
//     and so computes other fingerprints for these schemas: do not frame with goavro's
//     SingleFromNative.
//
// # Schema evolution
//
// Each schema's versions are committed side by side, and every version must be backward
// compatible with the previous one: data written with v(N-1) is readable with vN. The
// [Decoder] reads any compatible writer schema by Avro schema resolution (specification
// section "Schema Resolution"): fields are matched by name or alias, missing reader fields
// take their defaults, unknown writer fields are skipped, int/long/float promote to wider
// numbers, string and bytes interconvert, enum symbols are matched by name (falling back
// to the reader's default) and union branches are matched by type. [CheckCompatible]
// applies the same rules to two schema texts.
//
// # Errors
//
// Decode errors for bad input match one of [ErrBadHeader], [ErrUnknownSchemaID],
// [ErrUnknownFingerprint], [ErrIncompatible], [ErrMalformed] and [ErrInvalid]; [Reason]
// maps them to stable dead-letter reason codes. Any other error (a registry that cannot be
// reached) is transient. Decoding never panics on any input.
//
// # Memory
//
// Encoders append to a caller's buffer. Decoded records never alias the input; the strings
// of one decoded record share one allocation (a copy of the message's string bytes).
//
// References: Apache Avro 1.12 specification (binary encoding, schema resolution, parsing
// canonical form, single-object encoding); Confluent Schema Registry wire format.
package schemas
