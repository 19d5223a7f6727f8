package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.uber.org/goleak"

	"github.com/storeseg/storeseg/schemas"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func noEnv(string) string { return "" }

// TestProduce sends snapshots and two rounds of updates to an in-process broker and reads
// them back: every message decodes, snapshots carry every feature, updates only some.
func TestProduce(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	brokers := strings.Join(c.ListenAddrs(), ",")
	var out bytes.Buffer
	args := []string{"--brokers", brokers, "--stores", "50", "--steps", "2", "--from-step", "3", "--batch", "20", "--report-every", "0", "--partitions", "3"}
	if err := runEnv(context.Background(), args, noEnv, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "done: 150 events") {
		t.Errorf("report %q; want 150 events", out.String())
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ConsumeTopics("store-features"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	dec := schemas.NewDecoder(nil)
	perStep := map[int64]int{}
	full := 0
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for n := 0; n < 150; {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %d of 150 messages", n)
		}
		fs.EachRecord(func(r *kgo.Record) {
			var u schemas.StoreFeatureUpdate
			if err := dec.Decode(ctx, r.Value, &u); err != nil || u.StoreID != string(r.Key) {
				t.Errorf("message %q: %v", r.Key, err)
			}
			perStep[u.Sequence]++
			if len(u.Numeric)+len(u.Categorical) == 15 {
				full++
			}
			n++
		})
	}
	if perStep[0] != 50 || perStep[3] != 50 || perStep[4] != 50 || full != 50 {
		t.Errorf("events per step %v, %d full snapshots; want 50 each and 50 full", perStep, full)
	}
}

func TestRateLimitAndDuration(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var out bytes.Buffer
	args := []string{"--brokers", c.ListenAddrs()[0], "--stores", "100", "--steps", "-1", "--rate", "2000", "--batch", "50",
		"--duration", "300ms", "--report-every", "0"}
	if err := runEnv(context.Background(), args, noEnv, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "target 2000/s") {
		t.Errorf("report %q", out.String())
	}
}

func TestFlags(t *testing.T) {
	for name, args := range map[string][]string{
		"no brokers":     {},
		"zero stores":    {"--brokers", "k:1", "--stores", "0"},
		"nothing":        {"--brokers", "k:1", "--snapshots=false", "--steps", "0"},
		"negative rate":  {"--brokers", "k:1", "--rate", "-1"},
		"positional arg": {"--brokers", "k:1", "x"},
		"step zero":      {"--brokers", "k:1", "--from-step", "0"},
	} {
		if _, err := parseFlags(args, noEnv, io.Discard); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	o, err := parseFlags(nil, func(k string) string {
		return map[string]string{"KAFKA_BROKERS": "a:1", "STORESEG_STORES": "7"}[k]
	}, io.Discard)
	if err != nil || o.brokers != "a:1" || o.stores != 7 {
		t.Errorf("from the environment: %+v, %v", o, err)
	}
}
