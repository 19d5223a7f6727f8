package stream

import "errors"

var (
	// ErrConfig reports an invalid Config.
	ErrConfig = errors.New("stream: invalid config")
	// ErrClosed reports a call on a closed Consumer or Publisher.
	ErrClosed = errors.New("stream: closed")
	// ErrIncompatibleModel reports a model bundle whose features do not match the features
	// seen in the stored state (a feature never seen, or seen with the other kind).
	ErrIncompatibleModel = errors.New("stream: model incompatible with stored state")
)

// Dead-letter reason codes, the value of the HeaderReason header. The decode reasons of
// schemas.Reason ("bad_header", "unknown_schema_id", "unknown_fingerprint",
// "incompatible_schema", "malformed", "invalid") are used as they are.
const (
	// ReasonOversized: key and value together exceed Config.MaxMessageBytes.
	ReasonOversized = "oversized"
	// ReasonMissingStoreID: a tombstone without a key (no store to delete).
	ReasonMissingStoreID = "missing_store_id"
	// ReasonKeyMismatch: the message key differs from the record's store_id.
	ReasonKeyMismatch = "key_mismatch"
	// ReasonOutOfRange: a numeric value outside the bounds the config allows.
	ReasonOutOfRange = "out_of_range"
	// ReasonInvalidUpdate: an update the state store rejects.
	ReasonInvalidUpdate = "invalid_update"
	// ReasonUnseenLevel: a categorical level the model never saw, under the "error" policy.
	ReasonUnseenLevel = "unseen_level"
	// ReasonUnscorable: the model rejects the store's merged values.
	ReasonUnscorable = "unscorable"
)

// Dead-letter headers. The DLQ message keeps the input's key, value and headers and adds
// these.
const (
	HeaderReason    = "storeseg.dlq.reason"
	HeaderError     = "storeseg.dlq.error"
	HeaderTopic     = "storeseg.dlq.topic"
	HeaderPartition = "storeseg.dlq.partition"
	HeaderOffset    = "storeseg.dlq.offset"
	HeaderTimestamp = "storeseg.dlq.timestamp"
)
