package schemas

import (
	"crypto/sha256"
	"fmt"
	"maps"
	"slices"
)

// ModelPublished is the manifest of a published model bundle (schema ModelPublished v1),
// on the compacted segment-models topic under key [ManifestKey](ModelName). See
// [SplitBundle] and [Assembler].
type ModelPublished struct {
	// ModelName names the model lineage; letters, digits, '.', '_' and '-' only.
	ModelName string
	// ModelVersion is unique within ModelName; same alphabet as ModelName.
	ModelVersion string
	// CreatedAt is when the bundle was created, in milliseconds; positive.
	CreatedAt int64
	// BundleFormat names the bundle's format, e.g. "storeseg-bundle/v1"; non-empty.
	BundleFormat string
	// BundleSize is the bundle's size in bytes; positive.
	BundleSize int64
	// BundleSHA256 is the bundle's SHA-256.
	BundleSHA256 [sha256.Size]byte
	// ChunkSize is the size of every chunk but the last; 0 when the bundle is inline.
	ChunkSize int32
	// ChunkSHA256 holds each chunk's SHA-256 in index order; empty when inline.
	ChunkSHA256 [][sha256.Size]byte
	// Bundle is the bundle itself when inline, nil when chunked.
	Bundle []byte
	// RunID is the MLflow run id; "" encodes as null.
	RunID string
	// Metadata holds free-form annotations; nil and empty are the same.
	Metadata map[string]string
}

// AvroName returns "ModelPublished".
func (*ModelPublished) AvroName() string { return "ModelPublished" }

// Key returns the record's Kafka key, ModelName + "/manifest".
func (m *ModelPublished) Key() string { return ManifestKey(m.ModelName) }

func (m *ModelPublished) appendAvro(dst []byte) []byte {
	dst = appendString(dst, m.ModelName)
	dst = appendString(dst, m.ModelVersion)
	dst = appendLong(dst, m.CreatedAt)
	dst = appendString(dst, m.BundleFormat)
	dst = appendLong(dst, m.BundleSize)
	dst = append(dst, m.BundleSHA256[:]...)
	dst = appendInt(dst, m.ChunkSize)
	if len(m.ChunkSHA256) > 0 {
		dst = appendLong(dst, int64(len(m.ChunkSHA256)))
		for _, h := range m.ChunkSHA256 {
			dst = append(dst, h[:]...)
		}
	}
	dst = append(dst, 0)
	if m.Bundle == nil {
		dst = append(dst, 0)
	} else {
		dst = appendBytes(append(dst, 2), m.Bundle)
	}
	dst = appendOptString(dst, m.RunID, m.RunID != "")
	if len(m.Metadata) > 0 {
		dst = appendLong(dst, int64(len(m.Metadata)))
		for _, k := range slices.Sorted(maps.Keys(m.Metadata)) {
			dst = appendString(appendString(dst, k), m.Metadata[k])
		}
	}
	return append(dst, 0)
}

func (m *ModelPublished) decodeAvro(r *reader) {
	*m = ModelPublished{ModelName: r.str(), ModelVersion: r.str(), CreatedAt: r.long(),
		BundleFormat: r.str(), BundleSize: r.long()}
	copy(m.BundleSHA256[:], r.take(sha256.Size))
	m.ChunkSize = r.int()
	for n := r.blockCount(); n > 0; n = r.blockCount() {
		for range n {
			var h [sha256.Size]byte
			copy(h[:], r.take(sha256.Size))
			m.ChunkSHA256 = append(m.ChunkSHA256, h)
		}
	}
	if r.union(2) == 1 {
		m.Bundle = r.bytes()
		if m.Bundle == nil && r.err == nil {
			m.Bundle = []byte{}
		}
	}
	if r.union(2) == 1 {
		m.RunID = r.str()
	}
	for n := r.blockCount(); n > 0; n = r.blockCount() {
		if m.Metadata == nil {
			m.Metadata = make(map[string]string, n)
		}
		for range n {
			k := r.str()
			m.Metadata[k] = r.str()
		}
	}
}

func (m *ModelPublished) validate() error {
	const rec = "ModelPublished"
	if err := firstErr(checkName(rec, "model_name", m.ModelName), checkName(rec, "model_version", m.ModelVersion),
		checkTime(rec, "created_at", m.CreatedAt), checkID(rec, "bundle_format", m.BundleFormat),
		checkUTF8(rec, "run_id", m.RunID)); err != nil {
		return err
	}
	if m.BundleSize <= 0 {
		return &FieldError{Record: rec, Field: "bundle_size", Reason: fmt.Sprintf("must be positive, got %d", m.BundleSize)}
	}
	for k, v := range m.Metadata {
		if err := firstErr(checkUTF8(rec, "metadata", k), checkUTF8(rec, fieldPath("metadata", k), v)); err != nil {
			return err
		}
	}
	if m.Bundle != nil {
		return m.validateInline()
	}
	if m.ChunkSize <= 0 {
		return &FieldError{Record: rec, Field: "chunk_size", Reason: fmt.Sprintf("must be positive for a chunked bundle, got %d", m.ChunkSize)}
	}
	if want := (m.BundleSize + int64(m.ChunkSize) - 1) / int64(m.ChunkSize); int64(len(m.ChunkSHA256)) != want {
		return &FieldError{Record: rec, Field: "chunk_sha256",
			Reason: fmt.Sprintf("has %d digests, want %d for %d bytes in chunks of %d", len(m.ChunkSHA256), want, m.BundleSize, m.ChunkSize)}
	}
	return nil
}

func (m *ModelPublished) validateInline() error {
	const rec = "ModelPublished"
	switch {
	case int64(len(m.Bundle)) != m.BundleSize:
		return &FieldError{Record: rec, Field: "bundle", Reason: fmt.Sprintf("has %d bytes, bundle_size says %d", len(m.Bundle), m.BundleSize)}
	case m.ChunkSize != 0 || len(m.ChunkSHA256) != 0:
		return &FieldError{Record: rec, Field: "chunk_size", Reason: "an inline bundle has no chunks"}
	case sha256.Sum256(m.Bundle) != m.BundleSHA256:
		return &FieldError{Record: rec, Field: "bundle_sha256", Reason: "does not match the inline bundle"}
	}
	return nil
}

// ModelChunk is one chunk of a model bundle (schema ModelChunk v1), on the segment-models
// topic under key [ChunkKey](ModelName, ModelVersion, Index).
type ModelChunk struct {
	ModelName    string
	ModelVersion string
	// Index is the chunk's position, in [0, Count).
	Index int32
	// Count is the number of chunks of the bundle; positive.
	Count int32
	// SHA256 is the SHA-256 of Data; Decode verifies it.
	SHA256 [sha256.Size]byte
	// Data is the chunk's bytes; non-empty.
	Data []byte
}

// AvroName returns "ModelChunk".
func (*ModelChunk) AvroName() string { return "ModelChunk" }

// Key returns the record's Kafka key, ModelName/ModelVersion/Index.
func (c *ModelChunk) Key() string { return ChunkKey(c.ModelName, c.ModelVersion, int(c.Index)) }

func (c *ModelChunk) appendAvro(dst []byte) []byte {
	dst = appendString(appendString(dst, c.ModelName), c.ModelVersion)
	dst = appendInt(appendInt(dst, c.Index), c.Count)
	return appendBytes(append(dst, c.SHA256[:]...), c.Data)
}

func (c *ModelChunk) decodeAvro(r *reader) {
	*c = ModelChunk{ModelName: r.str(), ModelVersion: r.str(), Index: r.int(), Count: r.int()}
	copy(c.SHA256[:], r.take(sha256.Size))
	c.Data = r.bytes()
}

func (c *ModelChunk) validate() error {
	const rec = "ModelChunk"
	if err := firstErr(checkName(rec, "model_name", c.ModelName), checkName(rec, "model_version", c.ModelVersion)); err != nil {
		return err
	}
	switch {
	case c.Count <= 0:
		return &FieldError{Record: rec, Field: "count", Reason: fmt.Sprintf("must be positive, got %d", c.Count)}
	case c.Index < 0 || c.Index >= c.Count:
		return &FieldError{Record: rec, Field: "index", Reason: fmt.Sprintf("must be in [0, %d), got %d", c.Count, c.Index)}
	case len(c.Data) == 0:
		return &FieldError{Record: rec, Field: "data", Reason: "must not be empty"}
	case sha256.Sum256(c.Data) != c.SHA256:
		return &FieldError{Record: rec, Field: "sha256", Reason: "does not match data"}
	}
	return nil
}

// checkName checks a model name or version: 1-255 letters, digits, '.', '_' or '-'.
func checkName(rec, field, s string) error {
	if s == "" || len(s) > 255 {
		return &FieldError{Record: rec, Field: field, Reason: "must have 1 to 255 characters"}
	}
	for i := range len(s) {
		c := s[i]
		if !nameByte(c) {
			return &FieldError{Record: rec, Field: field, Reason: fmt.Sprintf("has %q; only letters, digits, '.', '_' and '-' are allowed", c)}
		}
	}
	return nil
}

// nameByte reports whether c may appear in a model name or version.
func nameByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-'
}
