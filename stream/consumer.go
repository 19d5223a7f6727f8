package stream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/storeseg/storeseg/model/drift"
	"github.com/storeseg/storeseg/schemas"
	"github.com/storeseg/storeseg/statestore"
)

// StateStore is what the consumer needs of the state store; *statestore.Store and the
// statestoretest fake implement it. The consumer never closes it: its owner does, after Run
// has returned.
type StateStore interface {
	Preview(ctx context.Context, updates []statestore.Update) (*statestore.Preview, error)
	Commit(ctx context.Context, p *statestore.Preview, offsets []statestore.Offset) error
	ApplyBatch(ctx context.Context, updates []statestore.Update, offsets []statestore.Offset) ([]statestore.Result, error)
	RecordEmissions(ctx context.Context, ems []statestore.Emission) error
	Offsets(ctx context.Context, topic string) (map[int32]int64, error)
	Get(ctx context.Context, storeID string) (statestore.State, error)
	Emission(ctx context.Context, storeID string) (statestore.Emission, error)
	Snapshot(ctx context.Context, fn func(statestore.State) error) error
	Stats() statestore.Stats
	// Sync makes every write committed before it durable (see Config.SyncInterval).
	Sync(ctx context.Context) error
}

// SchemaRegistry is the Confluent Schema Registry the consumer uses when one is configured;
// *registry.Client implements it. With a registry, inputs may be Confluent-framed and
// outputs are Confluent-framed under the ids registered at start; without one, outputs use
// Avro single-object encoding.
type SchemaRegistry interface {
	schemas.SchemaSource
	Register(ctx context.Context, subject, schema string) (int, error)
}

// Consumer is storeseg's streaming consumer: it merges store feature updates into the state
// store, appends merged states to the changelog, scores changed stores with the current model
// and emits their segments, and follows the models topic to swap models. See the package
// documentation for the delivery guarantees.
type Consumer struct {
	cfg    Config
	store  StateStore
	reg    SchemaRegistry
	log    *slog.Logger
	m      *metrics
	kc     *clients
	dec    *schemas.Decoder
	bounds bounds

	serving atomic.Pointer[serving] // the current model, for the HTTP handlers
	pending modelSlot               // the newest verified bundle, for the Run loop
	ready   atomic.Bool             // Run has set up its clients

	// Set up by Run before the lanes start.
	w       writers
	stateID int // Confluent schema ids of the outputs; 0 without a registry
	segID   int
	lanes   []*lane
	sync    *syncer // group commit; nil unless Config.SyncInterval > 0

	// swapMu is held shared by every lane while it processes a batch and exclusively by a
	// model swap, so a swap (and its rescore) never runs concurrently with a batch.
	swapMu     sync.RWMutex
	rescoreOut outputs // a swap's outputs

	kindsMu sync.Mutex
	kinds   featureKinds

	countsMu sync.Mutex // guards the fields below
	segOf    map[string]int32
	counts   map[int32]int // live stores per segment id under the serving model
	window   *drift.Window
	nextPSI  time.Time

	mu      sync.Mutex
	cancel  context.CancelFunc
	running sync.WaitGroup
	closed  bool
}

// New returns a Consumer. store is required; registry may be nil (Avro single-object
// framing only); log nil discards logs; reg nil registers no metrics.
func New(cfg Config, store StateStore, registry SchemaRegistry, log *slog.Logger, reg prometheus.Registerer) (*Consumer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if store == nil {
		return nil, fmt.Errorf("%w: no state store", ErrConfig)
	}
	kc, err := newClients(cfg.Kafka)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var src schemas.SchemaSource
	if registry != nil {
		src = registry
	}
	c := &Consumer{
		cfg: cfg, store: store, reg: registry, log: log, kc: kc,
		dec:    schemas.NewDecoder(src),
		bounds: newBounds(cfg.Spec),
		kinds:  featureKinds{},
		segOf:  map[string]int32{},
		counts: map[int32]int{},
	}
	c.m = newMetrics(reg, store, func() bool { return c.ready.Load() && c.serving.Load() != nil })
	c.pending.init()
	return c, nil
}

// Run consumes until ctx is cancelled or Close is called, then finishes the batch in hand,
// commits it, closes its Kafka clients (within Config.ShutdownTimeout) and returns nil.
// Transient failures (broker or registry away) are retried with backoff; Run returns an
// error only for a failure it cannot recover from (state store closed or corrupt, or
// invalid configuration found at start). Run may be called once.
func (c *Consumer) Run(ctx context.Context) (err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	c.mu.Lock()
	if c.closed || c.cancel != nil {
		c.mu.Unlock()
		return ErrClosed
	}
	c.cancel = cancel
	c.running.Add(1)
	c.mu.Unlock()
	defer c.running.Done()

	if err := c.setUp(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	c.w = c.newWriters()
	defer func() { err = errors.Join(err, c.w.close(c.cfg.ShutdownTimeout)) }()

	var bg sync.WaitGroup
	defer bg.Wait()
	fctx, stopFetching := context.WithCancel(context.WithoutCancel(ctx))
	defer stopFetching()
	bg.Add(1)
	caughtUp := make(chan struct{})
	go func() { defer bg.Done(); c.followModels(fctx, caughtUp) }()
	if err := c.awaitModel(ctx, caughtUp); err != nil {
		return err
	}

	r := c.newReader()
	c.m.setReader(r.Stats)
	defer func() {
		stopFetching()
		err = errors.Join(err, closeWithin(c.cfg.ShutdownTimeout, "input reader", r.Close))
		c.m.setReader(nil)
	}()
	bg.Add(1)
	go func() { defer bg.Done(); c.fetch(fctx, r) }()
	defer c.startSyncer(ctx, r)() // after the lanes: the last batches' offsets, before the reader closes
	c.ready.Store(true)
	defer c.ready.Store(false)
	c.log.Info("consumer running", "topic", c.cfg.Topics.Input, "group", c.cfg.GroupID, "brokers", c.cfg.Kafka.Brokers,
		"lanes", len(c.lanes), "sync_interval", c.cfg.SyncInterval)
	return c.runLanes(ctx, r)
}

// Close stops Run (as cancelling its context does) and waits for it to return. It is
// idempotent and safe to call concurrently with Run.
func (c *Consumer) Close() error {
	c.mu.Lock()
	c.closed = true
	if c.cancel != nil {
		c.cancel()
	}
	c.mu.Unlock()
	c.running.Wait()
	return nil
}

// setUp creates missing topics, registers output schemas, and loads the applied offsets and
// the feature kinds of the stored state.
func (c *Consumer) setUp(ctx context.Context) error {
	if c.cfg.Setup.Create {
		if err := c.retry(ctx, "create_topics", func(ctx context.Context) error { return c.ensureTopics(ctx) }); err != nil {
			return err
		}
	}
	if c.reg != nil {
		if err := c.retry(ctx, "register_schemas", c.registerSchemas); err != nil {
			return err
		}
	}
	offs, err := c.store.Offsets(ctx, c.cfg.Topics.Input)
	if err != nil {
		return fmt.Errorf("reading applied offsets: %w", err)
	}
	c.lanes = make([]*lane, c.cfg.lanes())
	for i := range c.lanes {
		c.lanes[i] = &lane{id: i, applied: map[int32]int64{}, in: make(chan kafka.Message, c.cfg.BatchSize)}
	}
	for p, next := range offs {
		c.laneOf(int(p)).applied[p] = next
	}
	n := 0
	err = c.store.Snapshot(ctx, func(s statestore.State) error {
		c.kinds.addState(&s)
		n++
		return nil
	})
	if err != nil {
		return fmt.Errorf("scanning stored state: %w", err)
	}
	c.log.Info("state loaded", "stores", n, "features", len(c.kinds), "partitions_applied", len(offs))
	return nil
}

func (c *Consumer) newReader() *kafka.Reader {
	return kafka.NewReader(kafka.ReaderConfig{
		Brokers:           c.cfg.Kafka.Brokers,
		GroupID:           c.cfg.GroupID,
		GroupTopics:       []string{c.cfg.Topics.Input},
		Dialer:            c.kc.dialer(),
		QueueCapacity:     max(c.cfg.BatchSize, 100),
		MinBytes:          1,
		MaxBytes:          16 << 20,
		MaxWait:           100 * time.Millisecond,
		ReadBatchTimeout:  c.cfg.WriteTimeout,
		StartOffset:       kafka.FirstOffset,
		CommitInterval:    c.cfg.CommitInterval,
		HeartbeatInterval: time.Second,
		SessionTimeout:    10 * time.Second,
		RebalanceTimeout:  10 * time.Second,
		JoinGroupBackoff:  c.cfg.RetryMin,
		ReadBackoffMin:    c.cfg.RetryMin,
		ReadBackoffMax:    c.cfg.RetryMax,
		ErrorLogger:       kafka.LoggerFunc(func(f string, a ...any) { c.log.Debug("kafka reader: " + fmt.Sprintf(f, a...)) }),
	})
}

// awaitModel waits (up to Config.ModelWait) until the models topic has been read to its end,
// and swaps in the newest model found, so that the first batches are scored by it rather
// than rescored after a late swap.
func (c *Consumer) awaitModel(ctx context.Context, caughtUp <-chan struct{}) error {
	if c.cfg.ModelWait <= 0 {
		return nil
	}
	t := time.NewTimer(c.cfg.ModelWait)
	defer t.Stop()
	select {
	case <-caughtUp:
		return c.swapPending(ctx)
	case <-t.C:
		c.log.Warn("models topic not read to its end in time; consuming without a model meanwhile", "waited", c.cfg.ModelWait)
		return nil
	case <-ctx.Done():
		return nil
	}
}

// retry runs fn until it succeeds, ctx ends or fn fails permanently, backing off
// exponentially between attempts.
func (c *Consumer) retry(ctx context.Context, op string, fn func(context.Context) error) error {
	delay := c.cfg.RetryMin
	for {
		err := fn(ctx)
		if err == nil || permanent(err) {
			return err
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w (last error: %w)", op, ctx.Err(), err)
		}
		c.m.retries.WithLabelValues(op).Inc()
		c.log.Warn("transient failure, retrying", "op", op, "in", delay, "err", err)
		if !sleep(ctx, delay) {
			return fmt.Errorf("%s: %w (last error: %w)", op, ctx.Err(), err)
		}
		delay = min(2*delay, c.cfg.RetryMax)
	}
}

// permanent reports errors that retrying cannot fix. A timeout of one attempt (say a slow
// broker) is not one of them: retry gives up only when its own context ends.
func permanent(err error) bool {
	return errors.Is(err, statestore.ErrClosed) || errors.Is(err, statestore.ErrCorrupt) || errors.Is(err, statestore.ErrPreviewDone) ||
		errors.Is(err, statestore.ErrInvalidUpdate) || errors.Is(err, statestore.ErrEncryptionKey) ||
		errors.Is(err, ErrConfig)
}

// sleep waits d or until ctx ends; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// closeWithin runs closeFn and gives up waiting after d (kafka-go's Close has no deadline).
func closeWithin(d time.Duration, what string, closeFn func() error) error {
	done := make(chan error, 1)
	go func() { done <- closeFn() }()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("closing %s: %w", what, err)
		}
		return nil
	case <-t.C:
		return fmt.Errorf("closing %s: not done after %s", what, d)
	}
}
