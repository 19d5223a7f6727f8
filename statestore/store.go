package statestore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
)

// Store is the Badger-backed state store. Its methods are safe for concurrent use; two
// ApplyBatch calls that touch the same stores at the same time make one fail with
// ErrConflict (the stream applies each partition's batches in order, so it never does).
type Store struct {
	db     *badger.DB
	cfg    Config
	cache  *cache    // nil when disabled
	dict   *dict     // recurring strings of records (dict.go)
	arenas sync.Pool // *[]byte: the key and value bytes of a commit
	log    *slog.Logger
	stop   chan struct{}
	wg     sync.WaitGroup
	once   sync.Once
	err    error // result of the first Close

	mu         sync.RWMutex // held for reading by every call, for writing by Close
	closed     atomic.Bool
	gcRuns     atomic.Uint64
	gcRewrites atomic.Uint64
	gcErrors   atomic.Uint64
}

// Open opens (or creates) the store described by cfg and starts its value-log GC loop.
// log receives Badger's messages (nil discards them). Close the store when done.
func Open(cfg Config, log *slog.Logger) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	opts := badger.DefaultOptions(cfg.Dir).
		WithInMemory(cfg.InMemory).
		WithLogger(badgerLogger{log: log}).
		WithMetricsEnabled(false).
		WithNumVersionsToKeep(1).
		WithNumCompactors(2).
		WithNumGoroutines(2).
		WithMemTableSize(cfg.MemTableSize).
		WithBlockCacheSize(cfg.BlockCacheSize).
		WithIndexCacheSize(cfg.IndexCacheSize).
		WithValueLogFileSize(cfg.ValueLogFileSize).
		WithValueThreshold(cfg.ValueThreshold).
		WithSyncWrites(cfg.SyncWrites).
		WithCompression(badgerCompression[cfg.Compression])
	if cfg.InMemory {
		opts = opts.WithDir("").WithValueDir("")
	}
	if len(cfg.EncryptionKey) > 0 {
		opts = opts.WithEncryptionKey(cfg.EncryptionKey).WithEncryptionKeyRotationDuration(cfg.EncryptionKeyRotation)
	}
	if err := checkKey(cfg); err != nil {
		return nil, err
	}
	db, err := badger.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("opening badger at %q: %w", cfg.Dir, translateOpen(err))
	}
	dict, err := loadDict(db)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("opening badger at %q: %w", cfg.Dir, err), db.Close())
	}
	s := &Store{db: db, cfg: cfg, log: log, stop: make(chan struct{}), cache: newCache(cfg.CacheSize), dict: dict}
	s.arenas.New = func() any { return new([]byte) }
	if cfg.ValueLogGCInterval > 0 && !cfg.InMemory {
		s.wg.Add(1)
		go s.gcLoop(cfg.ValueLogGCInterval)
	}
	return s, nil
}

var badgerCompression = map[Compression]options.CompressionType{
	CompressionNone: options.None, CompressionSnappy: options.Snappy, CompressionZSTD: options.ZSTD,
}

// checkKey verifies the encryption key against an existing database's key registry before
// badger.Open, which leaks goroutines when it fails on a wrong key (Badger v4.9.6).
func checkKey(cfg Config) error {
	if cfg.InMemory {
		return nil
	}
	kr, err := badger.OpenKeyRegistry(badger.KeyRegistryOptions{Dir: cfg.Dir, ReadOnly: true,
		EncryptionKey: cfg.EncryptionKey, EncryptionKeyRotationDuration: cfg.EncryptionKeyRotation})
	if err != nil {
		return fmt.Errorf("opening badger key registry in %q: %w", cfg.Dir, translateOpen(err))
	}
	return kr.Close()
}

// translateOpen maps Badger's key errors to ErrEncryptionKey. Badger reports a wrong key as
// ErrEncryptionKeyMismatch and a missing one as an error reading the key registry.
func translateOpen(err error) error {
	if errors.Is(err, badger.ErrEncryptionKeyMismatch) || errors.Is(err, badger.ErrInvalidEncryptionKey) ||
		strings.Contains(err.Error(), "Encryption key mismatch") {
		return fmt.Errorf("%w: %s", ErrEncryptionKey, err.Error()) // badger errors stay inside
	}
	return err
}

// Close stops the GC loop, waits for it and for running calls, and closes the database. It is idempotent: later
// calls return the first call's result.
func (s *Store) Close() error {
	s.once.Do(func() {
		close(s.stop)
		s.wg.Wait()
		s.mu.Lock() // wait for running calls
		defer s.mu.Unlock()
		s.closed.Store(true)
		if err := s.db.Close(); err != nil {
			s.err = fmt.Errorf("closing badger: %w", err)
		}
	})
	return s.err
}

// gcLoop runs value-log GC every interval until Close. Each tick rewrites files while
// Badger finds some worth rewriting.
func (s *Store) gcLoop(interval time.Duration) {
	defer s.wg.Done()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.runGC()
		}
	}
}

func (s *Store) runGC() {
	s.gcRuns.Add(1)
	for {
		select {
		case <-s.stop:
			return
		default:
		}
		err := s.db.RunValueLogGC(s.cfg.ValueLogGCRatio)
		switch {
		case err == nil:
			s.gcRewrites.Add(1)
			continue
		case errors.Is(err, badger.ErrNoRewrite), errors.Is(err, badger.ErrRejected):
		default:
			s.gcErrors.Add(1)
			s.log.Warn("statestore: value-log GC failed", "err", err)
		}
		return
	}
}

// Stats describes the store's size and maintenance.
type Stats struct {
	// LSMBytes and ValueLogBytes are the on-disk sizes Badger reports (0 in memory).
	LSMBytes, ValueLogBytes int64
	// GCRuns counts GC ticks, GCRewrites value-log files rewritten, GCErrors failed runs.
	GCRuns, GCRewrites, GCErrors uint64
}

// Sync makes every write committed before it durable. With Config.SyncWrites each commit
// is durable already; without, a caller that must not acknowledge a write before it is
// durable (the stream's offset commits) calls Sync first, and one Sync covers all the
// commits before it (group commit).
//
// Badger's own DB.Sync fsyncs only the active memtable's log and the current value-log
// file: without SyncWrites, a write that a memtable rotation has moved to an immutable
// memtable (not yet flushed to a table) or that sits in a value-log file Badger has moved
// on from is in a file nothing syncs. So Sync fsyncs every memtable log (*.mem) and
// value-log file (*.vlog) in the directory, and the directory itself (files that appeared
// since); a file gone meanwhile was flushed to a synced table or collected. Syncing a file
// with nothing new to write costs a system call.
func (s *Store) Sync(ctx context.Context) error {
	release, err := s.acquire(ctx)
	if err != nil {
		return err
	}
	defer release()
	if s.cfg.InMemory {
		return nil
	}
	if err := s.db.Sync(); err != nil {
		return fmt.Errorf("syncing badger: %w", err)
	}
	for _, pattern := range []string{"*.mem", "*.vlog"} {
		files, err := filepath.Glob(filepath.Join(s.cfg.Dir, pattern))
		if err != nil {
			return fmt.Errorf("listing %s files: %w", pattern, err)
		}
		for _, name := range files {
			if err := fsyncFile(name); err != nil {
				return err
			}
		}
	}
	return fsyncFile(s.cfg.Dir)
}

// fsyncFile fsyncs the file name; a file already removed needs nothing.
func fsyncFile(name string) error {
	f, err := os.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("syncing %s: %w", filepath.Base(name), err)
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("syncing %s: %w", filepath.Base(name), err)
	}
	return nil
}

// Stats returns current statistics; cmd/stream export them as metrics.
func (s *Store) Stats() Stats {
	st := Stats{GCRuns: s.gcRuns.Load(), GCRewrites: s.gcRewrites.Load(), GCErrors: s.gcErrors.Load()}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if !s.closed.Load() {
		st.LSMBytes, st.ValueLogBytes = s.db.Size()
	}
	return st
}

// acquire holds off Close until release is called; it fails after Close and once ctx
// is done.
func (s *Store) acquire(ctx context.Context) (release func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	if s.closed.Load() {
		s.mu.RUnlock()
		return nil, ErrClosed
	}
	return s.mu.RUnlock, nil
}

// badgerLogger adapts Badger's logger to slog. Badger's Info messages (compactions,
// replay progress) are logged at Debug.
type badgerLogger struct{ log *slog.Logger }

func (l badgerLogger) Errorf(f string, a ...any) { l.emit(slog.LevelError, f, a) }
func (l badgerLogger) Warningf(f string, a ...any) {
	l.emit(slog.LevelWarn, f, a)
}
func (l badgerLogger) Infof(f string, a ...any)  { l.emit(slog.LevelDebug, f, a) }
func (l badgerLogger) Debugf(f string, a ...any) { l.emit(slog.LevelDebug-4, f, a) }

func (l badgerLogger) emit(level slog.Level, format string, args []any) {
	ctx := context.Background() // Badger's logger interface carries no context.
	if !l.log.Enabled(ctx, level) {
		return
	}
	l.log.Log(ctx, level, strings.TrimSpace(fmt.Sprintf(format, args...)), "component", "badger")
}
