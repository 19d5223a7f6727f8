//go:build integration

package integration_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

const (
	smokePartitions = 3
	smokeKeys       = 25
	smokeMessages   = 300
)

// smokeMessage i has key store-<i mod 25> and value "<key>#<i>", so a value tells its key and
// its position in the produced sequence.
func smokeMessage(i int) kafka.Message {
	key := fmt.Sprintf("store-%03d", i%smokeKeys)
	return kafka.Message{Key: []byte(key), Value: []byte(key + "#" + strconv.Itoa(i))}
}

func createTopic(ctx context.Context, t *testing.T, c *kafka.Client, topic string, partitions int) {
	t.Helper()
	resp, err := c.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{
		{Topic: topic, NumPartitions: partitions, ReplicationFactor: 1},
	}})
	if err == nil {
		err = resp.Errors[topic]
	}
	if err != nil {
		t.Fatalf("creating topic %s: %v", topic, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if resp, err := c.DeleteTopics(ctx, &kafka.DeleteTopicsRequest{Topics: []string{topic}}); err != nil || resp.Errors[topic] != nil {
			t.Logf("deleting topic %s: %v %v", topic, err, resp)
		}
	})
}

// closeWithin runs closeFn, failing the test if it takes longer than d (kafka-go's Close has
// no deadline of its own).
func closeWithin(t *testing.T, what string, d time.Duration, closeFn func() error) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- closeFn() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("closing %s: %v", what, err)
		}
	case <-time.After(d):
		t.Errorf("closing %s took more than %s", what, d)
	}
}

// TestKafkaProduceConsume produces keyed messages with kafka-go the way storeseg's stream
// package must (own Transport, small BatchTimeout, murmur2 balancer), consumes them in a
// group with FetchMessage + CommitMessages, and checks keys, values, per-partition order,
// the committed offsets, and that the partition of every key is the one Kafka's Java
// producer would pick.
func TestKafkaProduceConsume(t *testing.T) {
	brokers := kafkaBrokers(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 10 * time.Second}
	topic, group := uniqueName(t, "smoke"), uniqueName(t, "smoke-group")
	createTopic(ctx, t, admin, topic, smokePartitions)

	w := &kafka.Writer{
		Addr:         kafka.TCP(brokers...),
		Topic:        topic,
		Balancer:     &kafka.Murmur2Balancer{},
		BatchTimeout: 5 * time.Millisecond,
		RequiredAcks: kafka.RequireAll,
		Transport:    &kafka.Transport{},
	}
	msgs := make([]kafka.Message, smokeMessages)
	for i := range msgs {
		msgs[i] = smokeMessage(i)
	}
	if err := writeRetrying(ctx, w, msgs); err != nil {
		t.Fatalf("producing: %v", err)
	}
	closeWithin(t, "writer", 10*time.Second, w.Close)

	got := consumeAll(ctx, t, brokers, topic, group, smokeMessages)
	partitionOf := checkConsumed(t, got)
	checkCommitted(ctx, t, admin, topic, group)
	checkJavaPartitions(ctx, t, partitionOf)
}

// writeRetrying writes msgs, retrying while the new topic's leadership propagates.
func writeRetrying(ctx context.Context, w *kafka.Writer, msgs []kafka.Message) error {
	for {
		err := w.WriteMessages(ctx, msgs...)
		if !errors.Is(err, kafka.UnknownTopicOrPartition) && !errors.Is(err, kafka.LeaderNotAvailable) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last error: %w)", ctx.Err(), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func consumeAll(ctx context.Context, t *testing.T, brokers []string, topic, group string, n int) []kafka.Message {
	t.Helper()
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers:     brokers,
		GroupID:     group,
		Topic:       topic,
		StartOffset: kafka.FirstOffset,
		MaxWait:     100 * time.Millisecond,
	})
	defer closeWithin(t, "reader", 15*time.Second, r.Close)
	var got []kafka.Message
	for len(got) < n {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			t.Fatalf("fetching message %d of %d: %v", len(got)+1, n, err)
		}
		if err := r.CommitMessages(ctx, m); err != nil {
			t.Fatalf("committing %s/%d@%d: %v", m.Topic, m.Partition, m.Offset, err)
		}
		got = append(got, m)
	}
	return got
}

// checkConsumed verifies every message arrived once with its key, that a key's messages
// share one partition, and that each partition kept the produced order. It returns the
// partition of each key.
func checkConsumed(t *testing.T, got []kafka.Message) map[string]int {
	t.Helper()
	partitionOf := map[string]int{}
	lastSeq := map[int]int{}
	seen := make([]bool, smokeMessages)
	for _, m := range got {
		key, seqText, ok := strings.Cut(string(m.Value), "#")
		seq, err := strconv.Atoi(seqText)
		if !ok || err != nil || seq < 0 || seq >= smokeMessages || key != string(m.Key) {
			t.Fatalf("message %q with key %q is not one we produced", m.Value, m.Key)
		}
		if want := smokeMessage(seq); !bytes.Equal(m.Value, want.Value) || seen[seq] {
			t.Fatalf("message %q: duplicate or corrupted", m.Value)
		}
		seen[seq] = true
		if p, ok := partitionOf[key]; ok && p != m.Partition {
			t.Errorf("key %s in partitions %d and %d", key, p, m.Partition)
		}
		partitionOf[key] = m.Partition
		if last, ok := lastSeq[m.Partition]; ok && seq <= last {
			t.Errorf("partition %d: message #%d after #%d", m.Partition, seq, last)
		}
		lastSeq[m.Partition] = seq
	}
	if len(partitionOf) != smokeKeys {
		t.Errorf("%d distinct keys; want %d", len(partitionOf), smokeKeys)
	}
	if len(lastSeq) != smokePartitions {
		t.Errorf("messages landed in %d partitions; want all %d", len(lastSeq), smokePartitions)
	}
	return partitionOf
}

// checkCommitted verifies the group's committed offset of every partition is its end.
func checkCommitted(ctx context.Context, t *testing.T, c *kafka.Client, topic, group string) {
	t.Helper()
	parts := make([]int, smokePartitions)
	reqs := make([]kafka.OffsetRequest, smokePartitions)
	for p := range parts {
		parts[p] = p
		reqs[p] = kafka.LastOffsetOf(p)
	}
	ends, err := c.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: reqs}})
	if err != nil {
		t.Fatalf("listing offsets: %v", err)
	}
	committed, err := c.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: parts}})
	if err == nil {
		err = committed.Error
	}
	if err != nil {
		t.Fatalf("fetching committed offsets: %v", err)
	}
	end := map[int]int64{}
	for _, po := range ends.Topics[topic] {
		end[po.Partition] = po.LastOffset
	}
	for _, p := range committed.Topics[topic] {
		if p.Error != nil || p.CommittedOffset != end[p.Partition] {
			t.Errorf("partition %d: committed offset %d (%v); want the end, %d", p.Partition, p.CommittedOffset, p.Error, end[p.Partition])
		}
	}
}

// checkJavaPartitions asks Kafka's Java producer partitioner (testdata/Partitions.java on
// the broker's jars) where each key goes and compares with what kafka-go's murmur2 balancer
// did.
func checkJavaPartitions(ctx context.Context, t *testing.T, partitionOf map[string]int) {
	t.Helper()
	libs := services().kafkaLibs
	if libs == "" {
		t.Log("STORESEG_KAFKA_LIBS is not set: skipping the cross-check with the Java partitioner")
		return
	}
	if _, err := exec.LookPath("java"); err != nil {
		t.Log("java not found: skipping the cross-check with the Java partitioner")
		return
	}
	keys := make([]string, 0, len(partitionOf))
	for i := range smokeKeys {
		keys = append(keys, fmt.Sprintf("store-%03d", i))
	}
	cmd := exec.CommandContext(ctx, "java", "-cp", filepath.Join(libs, "*"),
		filepath.Join("testdata", "Partitions.java"), strconv.Itoa(smokePartitions))
	cmd.Stdin = strings.NewReader(strings.Join(keys, "\n") + "\n")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("running Partitions.java: %v", err)
	}
	javaParts := strings.Fields(string(out))
	if len(javaParts) != len(keys) {
		t.Fatalf("Partitions.java printed %d partitions for %d keys", len(javaParts), len(keys))
	}
	for i, k := range keys {
		if javaParts[i] != strconv.Itoa(partitionOf[k]) {
			t.Errorf("key %s: kafka-go put it in partition %d, Java's producer picks %s", k, partitionOf[k], javaParts[i])
		}
	}
}
