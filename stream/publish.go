package stream

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/storeseg/storeseg/schemas"
)

// PublisherConfig configures a Publisher.
type PublisherConfig struct {
	Kafka KafkaConfig
	// Topic is the models topic. Default "segment-models".
	Topic string
	// ChunkSize is the bundle chunk size. Default schemas.DefaultChunkSize; 0 means default.
	ChunkSize int
	// WriteTimeout bounds producing the chunks and the manifest. Default 30 s.
	WriteTimeout time.Duration
	// CreateTopic creates the topic (compacted, one partition, max.message.bytes 8 MiB) when
	// it is missing. Default true.
	CreateTopic bool
}

// DefaultPublisherConfig returns the defaults documented on PublisherConfig.
func DefaultPublisherConfig(brokers ...string) PublisherConfig {
	return PublisherConfig{Kafka: DefaultKafkaConfig(brokers...), Topic: DefaultTopics().Models,
		ChunkSize: schemas.DefaultChunkSize, WriteTimeout: 30 * time.Second, CreateTopic: true}
}

// Validate checks the configuration.
func (c PublisherConfig) Validate() error {
	var errs []error
	errs = append(errs, c.Kafka.Validate())
	if c.Topic == "" {
		errs = append(errs, fmt.Errorf("%w: publisher topic is empty", ErrConfig))
	}
	if c.ChunkSize < 0 || c.WriteTimeout <= 0 {
		errs = append(errs, fmt.Errorf("%w: publisher chunk size %d must not be negative and write timeout %s must be positive",
			ErrConfig, c.ChunkSize, c.WriteTimeout))
	}
	return errors.Join(errs...)
}

// Publisher publishes model bundles onto the models topic the way a consumer's model
// subscription reads them (docs/schemas.md, "chunked model bundles"): the chunks first, the
// manifest once they are all acknowledged.
type Publisher struct {
	cfg  PublisherConfig
	kc   *clients
	w    *kafka.Writer
	once sync.Once
	err  error
}

// NewPublisher returns a Publisher; Close it when done.
func NewPublisher(cfg PublisherConfig) (*Publisher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	kc, err := newClients(cfg.Kafka)
	if err != nil {
		return nil, err
	}
	w := kc.writer(cfg.Topic, cfg.WriteTimeout, 2*time.Millisecond, kafka.Lz4)
	w.BatchBytes = int64(max(cfg.ChunkSize, schemas.DefaultChunkSize)) + 64<<10 // one chunk per request
	return &Publisher{cfg: cfg, kc: kc, w: w}, nil
}

// Publish publishes bundle under m.ModelName and m.ModelVersion (m's other descriptive fields
// are kept; its bundle fields are filled in) and returns the manifest written.
func (p *Publisher) Publish(ctx context.Context, m schemas.ModelPublished, bundle []byte) (schemas.ModelPublished, error) {
	if p.cfg.CreateTopic {
		spec := DefaultConfig(p.cfg.Kafka.Brokers...)
		spec.Topics.Models = p.cfg.Topic
		var models []kafka.TopicConfig
		for _, t := range spec.TopicSpecs() {
			if t.Topic == p.cfg.Topic {
				models = append(models, t)
			}
		}
		if err := ensureTopics(ctx, p.kc, models); err != nil {
			return m, err
		}
	}
	if m.CreatedAt == 0 {
		m.CreatedAt = time.Now().UnixMilli()
	}
	manifest, chunks, err := schemas.SplitBundle(m, bundle, p.cfg.ChunkSize)
	if err != nil {
		return m, fmt.Errorf("splitting bundle: %w", err)
	}
	msgs := make([]kafka.Message, 0, len(chunks))
	for i := range chunks {
		v, err := schemas.AppendSingleObject(nil, &chunks[i])
		if err != nil {
			return m, fmt.Errorf("encoding chunk %d: %w", i, err)
		}
		msgs = append(msgs, kafka.Message{Key: []byte(chunks[i].Key()), Value: v})
	}
	if err := p.write(ctx, msgs...); err != nil {
		return m, fmt.Errorf("publishing %d chunks of %s/%s: %w", len(msgs), m.ModelName, m.ModelVersion, err)
	}
	v, err := schemas.AppendSingleObject(nil, &manifest)
	if err != nil {
		return m, fmt.Errorf("encoding manifest: %w", err)
	}
	if err := p.write(ctx, kafka.Message{Key: []byte(manifest.Key()), Value: v}); err != nil {
		return m, fmt.Errorf("publishing the manifest of %s/%s: %w", m.ModelName, m.ModelVersion, err)
	}
	return manifest, nil
}

// Retire writes tombstones for the chunk keys of a superseded version (count chunks), so
// compaction removes them. Call it after the newer manifest is acknowledged.
func (p *Publisher) Retire(ctx context.Context, model, version string, count int) error {
	msgs := make([]kafka.Message, count)
	for i := range msgs {
		msgs[i] = kafka.Message{Key: []byte(schemas.ChunkKey(model, version, i))}
	}
	if err := p.write(ctx, msgs...); err != nil {
		return fmt.Errorf("retiring %s/%s: %w", model, version, err)
	}
	return nil
}

func (p *Publisher) write(ctx context.Context, msgs ...kafka.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	for {
		wctx, cancel := context.WithTimeout(ctx, p.cfg.WriteTimeout)
		err := p.w.WriteMessages(wctx, msgs...)
		cancel()
		if !errors.Is(err, kafka.UnknownTopicOrPartition) && !errors.Is(err, kafka.LeaderNotAvailable) &&
			!errors.Is(err, kafka.NotLeaderForPartition) {
			return err // nil, or not a new topic's leadership settling
		}
		if !sleep(ctx, 100*time.Millisecond) {
			return fmt.Errorf("%w (last error: %w)", ctx.Err(), err)
		}
	}
}

// Close flushes and closes the publisher's writer; it is idempotent.
func (p *Publisher) Close() error {
	p.once.Do(func() { p.err = closeWriter(p.cfg.WriteTimeout, "model publisher", p.w) })
	return p.err
}
