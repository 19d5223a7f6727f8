package stream

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"
)

// TopicSpecs returns the topics the consumer uses with the settings EnsureTopics creates them
// with: the input and DLQ topics with the default cleanup, the state changelog and the
// segments topic compacted, the models topic compacted, on one partition, with
// max.message.bytes raised to hold bundle chunks.
func (c Config) TopicSpecs() []kafka.TopicConfig {
	s, t := c.Setup, c.Topics
	compact := []kafka.ConfigEntry{{ConfigName: "cleanup.policy", ConfigValue: "compact"}}
	return []kafka.TopicConfig{
		{Topic: t.Input, NumPartitions: s.Partitions, ReplicationFactor: s.ReplicationFactor},
		{Topic: t.DLQ, NumPartitions: s.Partitions, ReplicationFactor: s.ReplicationFactor},
		{Topic: t.State, NumPartitions: s.Partitions, ReplicationFactor: s.ReplicationFactor, ConfigEntries: compact},
		{Topic: t.Segments, NumPartitions: s.Partitions, ReplicationFactor: s.ReplicationFactor, ConfigEntries: compact},
		{Topic: t.Models, NumPartitions: 1, ReplicationFactor: s.ReplicationFactor, ConfigEntries: []kafka.ConfigEntry{
			{ConfigName: "cleanup.policy", ConfigValue: "compact"},
			{ConfigName: "max.message.bytes", ConfigValue: strconv.Itoa(s.ModelMaxMessageBytes)},
		}},
	}
}

// EnsureTopics creates those of topics that do not exist yet; existing ones are left as they
// are. It returns once the new topics' metadata is visible (or ctx ends).
func EnsureTopics(ctx context.Context, kcfg KafkaConfig, topics []kafka.TopicConfig) error {
	kc, err := newClients(kcfg)
	if err != nil {
		return err
	}
	return ensureTopics(ctx, kc, topics)
}

func (c *Consumer) ensureTopics(ctx context.Context) error {
	return ensureTopics(ctx, c.kc, c.cfg.TopicSpecs())
}

func ensureTopics(ctx context.Context, kc *clients, topics []kafka.TopicConfig) error {
	return kc.withAdmin(kc.cfg.DialTimeout, func(admin *kafka.Client) error { return createMissing(ctx, admin, topics) })
}

func createMissing(ctx context.Context, admin *kafka.Client, topics []kafka.TopicConfig) error {
	names := make([]string, len(topics))
	for i, t := range topics {
		names[i] = t.Topic
	}
	missing, err := missingTopics(ctx, admin, names)
	if err != nil {
		return err
	}
	if len(missing) == 0 {
		return nil
	}
	var create []kafka.TopicConfig
	for _, t := range topics {
		if missing[t.Topic] {
			create = append(create, t)
		}
	}
	resp, err := admin.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: create})
	if err != nil {
		return fmt.Errorf("creating topics: %w", err)
	}
	var errs []error
	for name, e := range resp.Errors {
		if e != nil && !errors.Is(e, kafka.TopicAlreadyExists) {
			errs = append(errs, fmt.Errorf("creating topic %s: %w", name, e))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	// Wait for the new topics' leaders, so the first writes do not fail.
	for {
		missing, err = missingTopics(ctx, admin, names)
		if err == nil && len(missing) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for new topics: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// missingTopics returns the names among names that have no usable metadata yet.
func missingTopics(ctx context.Context, admin *kafka.Client, names []string) (map[string]bool, error) {
	md, err := admin.Metadata(ctx, &kafka.MetadataRequest{Topics: names})
	if err != nil {
		return nil, fmt.Errorf("reading topic metadata: %w", err)
	}
	missing := make(map[string]bool, len(names))
	for _, n := range names {
		missing[n] = true
	}
	for _, t := range md.Topics {
		if t.Error == nil && len(t.Partitions) > 0 {
			ok := true
			for _, p := range t.Partitions {
				if p.Leader.Host == "" {
					ok = false
				}
			}
			if ok {
				delete(missing, t.Name)
			}
		}
	}
	return missing, nil
}
