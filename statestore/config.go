package statestore

import (
	"errors"
	"fmt"
	"time"
)

// Compression is the block compression of Badger's tables.
type Compression int

// Compressions.
const (
	// CompressionNone stores table blocks uncompressed: reads take blocks straight from the
	// memory-mapped tables, with no decompression. The stream's state values are small and
	// varint-packed already, so compression saves little space for its CPU.
	CompressionNone Compression = iota
	// CompressionSnappy compresses table blocks with Snappy (Badger's own default).
	CompressionSnappy
	// CompressionZSTD compresses table blocks with Zstandard (level 1): smallest, slowest.
	CompressionZSTD
)

// String returns "none", "snappy" or "zstd".
func (c Compression) String() string {
	switch c {
	case CompressionNone:
		return "none"
	case CompressionSnappy:
		return "snappy"
	case CompressionZSTD:
		return "zstd"
	}
	return fmt.Sprintf("Compression(%d)", int(c))
}

// ParseCompression parses the names String returns.
func ParseCompression(s string) (Compression, error) {
	for _, c := range []Compression{CompressionNone, CompressionSnappy, CompressionZSTD} {
		if s == c.String() {
			return c, nil
		}
	}
	return 0, fmt.Errorf("statestore: compression %q (want none, snappy or zstd)", s)
}

// Config configures a [Store]. Start from [DefaultConfig]; the zero value of every field is
// safe and its meaning is documented on the field.
type Config struct {
	// Dir is the directory of the database; required unless InMemory.
	Dir string
	// InMemory keeps everything in memory (tests, dev mode); Dir is then ignored and nothing
	// survives Close.
	InMemory bool
	// EncryptionKey enables AES encryption at rest with a 16-, 24- or 32-byte key (AES-128,
	// -192, -256). nil disables encryption. A database written with a key opens only with
	// the same key.
	EncryptionKey []byte
	// EncryptionKeyRotation is how often Badger rotates the data keys that EncryptionKey
	// protects. Default 10 days (Badger's); 0 means the default.
	EncryptionKeyRotation time.Duration
	// ValueLogGCInterval is how often the store runs Badger's value-log garbage collection.
	// Default 5 minutes; 0 disables it (and it never runs InMemory).
	ValueLogGCInterval time.Duration
	// ValueLogGCRatio is the fraction of a value-log file that must be garbage before it is
	// rewritten, in (0, 1). Default 0.5; 0 means the default.
	ValueLogGCRatio float64
	// MemTableSize is the size of each of Badger's memtables in bytes. Default 64 MiB
	// (Badger's); up to 5 exist at once while flushes catch up. Each flush soon leads to a
	// compaction that rewrites most of the state (updates touch stores uniformly), so
	// small memtables mean frequent bursts of compaction: with 16 MiB, every ~18 s at
	// 10,000 updates/s, each a second-long latency episode on 2 cores (p99 117–161 ms against
	// 46–86 ms with 64 MiB, both with an fsync per batch, docs/BENCHMARKS.md). Lower it only where memory is scarcer than
	// latency. 0 means the default.
	MemTableSize int64
	// Compression is the block compression of the tables. Default CompressionNone (the zero
	// value); Badger's own default is Snappy. On the stream's workload (100,000 stores,
	// bench/stream_compare.py) Snappy cost about 4% of the consumer's CPU in decompressing
	// blocks and saved little disk (docs/BENCHMARKS.md).
	Compression Compression
	// BlockCacheSize is the cache of decompressed (and decrypted) table blocks in bytes.
	// Default 32 MiB (Badger: 256 MiB); 0 means the default (Badger needs one when blocks
	// are compressed or encrypted).
	BlockCacheSize int64
	// IndexCacheSize is the cache of table indexes and bloom filters in bytes. Default
	// 16 MiB; 0 means the default. Badger needs it with encryption.
	IndexCacheSize int64
	// CacheSize bounds, in bytes, the in-memory cache of the records (encoded) and emissions
	// of recently written stores, from which Preview and Emission read instead of Badger.
	// It is filled by writes only and never serves a stale value (see cache.go). Default
	// 64 MiB (about 150,000 stores); 0 means the default; negative disables it.
	CacheSize int64
	// ValueLogFileSize is the size of each value-log file in bytes. Default 64 MiB
	// (Badger: 1 GiB); 0 means the default.
	ValueLogFileSize int64
	// ValueThreshold is the size in bytes from which a value is kept in Badger's value log
	// and only a pointer to it in the LSM tree (memtables and tables). Default 1 MiB
	// (Badger's): every value lives in the tree. 0 means the default. A small threshold
	// (64) puts the state records in the value log: memtables then fill several times more
	// slowly and flush and compact less often (bench/stream_compare.py, with an fsync per
	// batch: p99 34–37 ms against 45–55 ms at 10,000 updates/s), but every overwritten record
	// is garbage in the value log until its GC (ValueLogGCInterval) rewrites the file, which
	// that 60-second benchmark does not exercise; so it is an option, not the default.
	ValueThreshold int64
	// SyncWrites makes every committed batch durable (fsync) before ApplyBatch or Commit
	// returns. Default true. Without it a write is durable only after Sync: the stream then
	// syncs in the background and commits Kafka offsets only after a sync (group commit,
	// stream.Config.SyncInterval, the consumer's default). Set it false without calling Sync
	// only where the machine cannot lose power without losing the disk too.
	SyncWrites bool
	// TombstoneTTL is how long the marker of a deleted store is kept, to ignore updates
	// older than the deletion that arrive late. Default 7 days; 0 keeps markers forever.
	TombstoneTTL time.Duration
}

// DefaultConfig returns the memory-conscious defaults documented on [Config], for dir.
func DefaultConfig(dir string) Config {
	return Config{
		Dir:                   dir,
		EncryptionKeyRotation: 10 * 24 * time.Hour,
		ValueLogGCInterval:    5 * time.Minute,
		ValueLogGCRatio:       0.5,
		MemTableSize:          64 << 20,
		BlockCacheSize:        32 << 20,
		IndexCacheSize:        16 << 20,
		ValueLogFileSize:      64 << 20,
		CacheSize:             64 << 20,
		ValueThreshold:        1 << 20,
		SyncWrites:            true,
		TombstoneTTL:          7 * 24 * time.Hour,
	}
}

// Validate checks the configuration.
func (c Config) Validate() error {
	var errs []error
	if c.Dir == "" && !c.InMemory {
		errs = append(errs, errors.New("dir is required unless in-memory"))
	}
	if n := len(c.EncryptionKey); n != 0 && n != 16 && n != 24 && n != 32 {
		errs = append(errs, fmt.Errorf("encryption key has %d bytes, want 16, 24 or 32", n))
	}
	if c.Compression < CompressionNone || c.Compression > CompressionZSTD {
		errs = append(errs, fmt.Errorf("unknown compression %d", c.Compression))
	}
	if c.ValueLogGCRatio < 0 || c.ValueLogGCRatio >= 1 {
		errs = append(errs, fmt.Errorf("value-log GC ratio %v not in (0, 1)", c.ValueLogGCRatio))
	}
	for name, v := range map[string]int64{"memtable size": c.MemTableSize, "block cache size": c.BlockCacheSize,
		"index cache size": c.IndexCacheSize, "value-log file size": c.ValueLogFileSize, "value threshold": c.ValueThreshold,
		"encryption key rotation": int64(c.EncryptionKeyRotation), "value-log GC interval": int64(c.ValueLogGCInterval),
		"tombstone TTL": int64(c.TombstoneTTL)} {
		if v < 0 {
			errs = append(errs, fmt.Errorf("%s must not be negative", name))
		}
	}
	if c.ValueLogFileSize != 0 && (c.ValueLogFileSize < 1<<20 || c.ValueLogFileSize >= 2<<30) {
		errs = append(errs, fmt.Errorf("value-log file size %d not in [1 MiB, 2 GiB)", c.ValueLogFileSize))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("statestore: invalid config: %w", err)
	}
	return nil
}

// withDefaults replaces zero sizes by the defaults.
func (c Config) withDefaults() Config {
	d := DefaultConfig(c.Dir)
	if c.EncryptionKeyRotation == 0 {
		c.EncryptionKeyRotation = d.EncryptionKeyRotation
	}
	if c.ValueLogGCRatio == 0 {
		c.ValueLogGCRatio = d.ValueLogGCRatio
	}
	if c.MemTableSize == 0 {
		c.MemTableSize = d.MemTableSize
	}
	if c.BlockCacheSize == 0 {
		c.BlockCacheSize = d.BlockCacheSize
	}
	if c.IndexCacheSize == 0 {
		c.IndexCacheSize = d.IndexCacheSize
	}
	if c.ValueLogFileSize == 0 {
		c.ValueLogFileSize = d.ValueLogFileSize
	}
	if c.CacheSize == 0 {
		c.CacheSize = d.CacheSize
	}
	if c.ValueThreshold == 0 {
		c.ValueThreshold = d.ValueThreshold
	}
	return c
}
