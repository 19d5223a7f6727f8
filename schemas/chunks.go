package schemas

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Model bundles travel on the compacted segment-models topic. A bundle no larger than one
// chunk is a single ModelPublished record with the bundle inline. A larger one is
// ModelChunk records under keys <model>/<version>/<index>, produced and acknowledged first,
// then the ModelPublished manifest under <model>/manifest. Compaction keeps the newest
// manifest per model; the publisher tombstones the chunk keys of versions it retires.
// [Assembler] rebuilds bundles in any arrival order and verifies every digest.

// DefaultChunkSize is the chunk size [SplitBundle] uses by default: 512 KiB, so a chunk
// record stays well below Kafka's default 1 MB message limit.
const DefaultChunkSize = 512 << 10

// ManifestKey returns the Kafka key of a model's manifest: model + "/manifest".
func ManifestKey(model string) string { return model + "/manifest" }

// ChunkKey returns the Kafka key of a bundle chunk: model/version/index.
func ChunkKey(model, version string, index int) string {
	return model + "/" + version + "/" + strconv.Itoa(index)
}

// ModelKey is a parsed segment-models key.
type ModelKey struct {
	Model string
	// Version and Index are set for a chunk key.
	Version string
	Index   int
	// Manifest is set for a manifest key.
	Manifest bool
}

// ParseModelKey parses a segment-models key; a malformed key matches [ErrInvalid].
func ParseModelKey(key string) (ModelKey, error) {
	parts := strings.Split(key, "/")
	bad := func(reason string) error { return &FieldError{Record: "ModelKey", Field: "key", Reason: reason} }
	switch {
	case len(parts) == 2 && parts[1] == "manifest" && checkName("", "", parts[0]) == nil:
		return ModelKey{Model: parts[0], Manifest: true}, nil
	case len(parts) == 3 && checkName("", "", parts[0]) == nil && checkName("", "", parts[1]) == nil:
		i, err := strconv.Atoi(parts[2])
		if err != nil || i < 0 || strconv.Itoa(i) != parts[2] {
			return ModelKey{}, bad(fmt.Sprintf("%q: chunk index must be a decimal number", key))
		}
		return ModelKey{Model: parts[0], Version: parts[1], Index: i}, nil
	}
	return ModelKey{}, bad(fmt.Sprintf("%q is neither <model>/manifest nor <model>/<version>/<index>", key))
}

// SplitBundle fills m's bundle fields (BundleSize, BundleSHA256, ChunkSize, ChunkSHA256,
// Bundle) for bundle and returns the manifest and the chunks to publish before it: none
// when the bundle fits in one chunk (it is then inline). chunkSize <= 0 means
// [DefaultChunkSize]. The chunks' Data and an inline Bundle alias bundle.
func SplitBundle(m ModelPublished, bundle []byte, chunkSize int) (ModelPublished, []ModelChunk, error) {
	if chunkSize <= 0 {
		chunkSize = DefaultChunkSize
	}
	if chunkSize > 1<<30 {
		return m, nil, fmt.Errorf("schemas: chunk size %d too large", chunkSize)
	}
	m.BundleSize, m.BundleSHA256 = int64(len(bundle)), sha256.Sum256(bundle)
	m.ChunkSize, m.ChunkSHA256, m.Bundle = 0, nil, nil
	var chunks []ModelChunk
	if len(bundle) <= chunkSize {
		m.Bundle = bundle
	} else {
		m.ChunkSize = int32(chunkSize)
		count := (len(bundle) + chunkSize - 1) / chunkSize
		for i := range count {
			data := bundle[i*chunkSize : min((i+1)*chunkSize, len(bundle))]
			c := ModelChunk{ModelName: m.ModelName, ModelVersion: m.ModelVersion,
				Index: int32(i), Count: int32(count), SHA256: sha256.Sum256(data), Data: data}
			m.ChunkSHA256 = append(m.ChunkSHA256, c.SHA256)
			chunks = append(chunks, c)
		}
	}
	if err := m.validate(); err != nil {
		return m, nil, err
	}
	return m, chunks, nil
}

// Bundle is a reassembled, verified model bundle.
type Bundle struct {
	Manifest ModelPublished
	// Data is the whole bundle; its size and SHA-256 match the manifest.
	Data []byte
}

// AssemblerConfig bounds an [Assembler]'s memory.
type AssemblerConfig struct {
	// MaxBundleSize rejects manifests of larger bundles. Default 256 MiB; 0 means default.
	MaxBundleSize int64
	// MaxPendingBytes bounds the chunk bytes held for bundles not yet complete; past it the
	// least recently touched incomplete version is dropped. It must be at least
	// MaxBundleSize. Default 512 MiB; 0 means default.
	MaxPendingBytes int64
}

// DefaultAssemblerConfig returns the defaults documented on [AssemblerConfig].
func DefaultAssemblerConfig() AssemblerConfig {
	return AssemblerConfig{MaxBundleSize: 256 << 20, MaxPendingBytes: 512 << 20}
}

// Validate checks the configuration.
func (c AssemblerConfig) Validate() error {
	if c.MaxBundleSize < 0 || c.MaxPendingBytes < 0 {
		return errors.New("schemas: assembler limits must not be negative")
	}
	return nil
}

// Assembler rebuilds model bundles from segment-models records, in any arrival order. It
// is not safe for concurrent use.
type Assembler struct {
	cfg     AssemblerConfig
	dec     *Decoder
	pending map[string]*pendingBundle // by model/version
	clock   int64                     // arrival counter, for evicting the oldest
	held    int64                     // chunk bytes held
}

type pendingBundle struct {
	manifest *ModelPublished
	chunks   map[int][]byte
	bytes    int64
	seen     int64
}

// NewAssembler returns an Assembler that decodes records with dec.
func NewAssembler(cfg AssemblerConfig, dec *Decoder) (*Assembler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	def := DefaultAssemblerConfig()
	if cfg.MaxBundleSize == 0 {
		cfg.MaxBundleSize = def.MaxBundleSize
	}
	if cfg.MaxPendingBytes == 0 {
		cfg.MaxPendingBytes = max(def.MaxPendingBytes, cfg.MaxBundleSize)
	}
	if cfg.MaxPendingBytes < cfg.MaxBundleSize {
		return nil, fmt.Errorf("schemas: assembler max pending bytes %d below max bundle size %d", cfg.MaxPendingBytes, cfg.MaxBundleSize)
	}
	return &Assembler{cfg: cfg, dec: dec, pending: map[string]*pendingBundle{}}, nil
}

// Add takes one segment-models record (a nil value is a tombstone) and returns the bundle
// it completes, or nil. Errors for bad records match the package's sentinel errors, like
// [Decoder.Decode]; a bad record never disturbs other bundles.
func (a *Assembler) Add(ctx context.Context, key string, value []byte) (*Bundle, error) {
	k, err := ParseModelKey(key)
	if err != nil {
		return nil, err
	}
	if k.Manifest {
		if value == nil {
			return nil, nil
		}
		var m ModelPublished
		if err := a.dec.Decode(ctx, value, &m); err != nil {
			return nil, err
		}
		return a.addManifest(k, &m)
	}
	id := k.Model + "/" + k.Version
	if value == nil {
		a.dropChunk(id, k.Index)
		return nil, nil
	}
	var c ModelChunk
	if err := a.dec.Decode(ctx, value, &c); err != nil {
		return nil, err
	}
	if c.ModelName != k.Model || c.ModelVersion != k.Version || int(c.Index) != k.Index {
		return nil, &FieldError{Record: "ModelChunk", Field: "key", Reason: fmt.Sprintf("key %q does not match the chunk %s", key, c.Key())}
	}
	return a.addChunk(id, &c)
}
