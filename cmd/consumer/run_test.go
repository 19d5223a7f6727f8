package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"go.uber.org/goleak"

	"github.com/storeseg/storeseg/config"
	"github.com/storeseg/storeseg/model"
	"github.com/storeseg/storeseg/model/forest"
	"github.com/storeseg/storeseg/model/hdbscan"
	"github.com/storeseg/storeseg/statestore"
	"github.com/storeseg/storeseg/stream"
	"github.com/storeseg/storeseg/stream/loadgen"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// syncBuffer is a bytes.Buffer safe for the logger and the test at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// field returns the value of key in the first JSON log line whose msg is msg.
func (s *syncBuffer) field(msg, key string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, line := range strings.Split(s.b.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == msg {
			v, _ := m[key].(string)
			return v
		}
	}
	return ""
}

// writeBundle fits a small model on generated stores and writes its bundle to a file.
func writeBundle(t *testing.T, n int) string {
	t.Helper()
	cfg := config.Default()
	lc := loadgen.DefaultConfig()
	lc.Synth.Stores = n
	g, err := loadgen.New(lc)
	if err != nil {
		t.Fatal(err)
	}
	raw := g.Frame(n) // Fit keeps the columns the config names
	fc := cfg.FitConfig()
	fc.HDBSCAN = hdbscan.Config{MinClusterSize: 20, MinSamples: 10}
	fc.Assign = forest.AssignConfig{CoreThreshold: 0.5, Forest: forest.Config{NEstimators: 20, Seed: 7}}
	r, err := model.Fit(context.Background(), model.FitInput{Raw: raw}, fc)
	if err != nil {
		t.Fatal(err)
	}
	data, err := r.Bundle.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "champion.bundle")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("GET %s: %v in %s", url, err, body)
		}
	}
	return resp.StatusCode
}

// TestDevMode runs the command with its in-process broker and a model file, feeds it stores
// and checks they get segments, then stops it as SIGTERM would.
func TestDevMode(t *testing.T) {
	const n = 80
	bundle := writeBundle(t, 400)
	out := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- runEnv(ctx, []string{"--dev", "--state-in-memory", "--http-addr", "127.0.0.1:0", "--model", bundle,
			"--log-format", "json", "--partitions", "2"}, func(string) string { return "" }, out)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	var addr, brokers string
	deadline := time.Now().Add(20 * time.Second)
	for addr == "" || brokers == "" {
		if time.Now().After(deadline) {
			t.Fatalf("the consumer did not start; output:\n%s", out.b.String())
		}
		time.Sleep(20 * time.Millisecond)
		addr, brokers = out.field("HTTP API listening", "addr"), out.field("dev mode: in-process Kafka-protocol broker started", "brokers")
	}
	for getJSON(t, addr+"/readyz", nil) != 200 { // topics created, model loaded
		if time.Now().After(deadline) {
			t.Fatalf("the consumer did not get ready; output:\n%s", out.b.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	for getJSON(t, addr+"/readyz", nil) != 200 { // topics created, model loaded
		if time.Now().After(deadline) {
			t.Fatalf("the consumer did not get ready; output:\n%s", out.b.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	lc := loadgen.DefaultConfig()
	lc.Synth.Stores = n
	g, err := loadgen.New(lc)
	if err != nil {
		t.Fatal(err)
	}
	w := &kafka.Writer{Addr: kafka.TCP(strings.Split(brokers, ",")...), Topic: "store-features", Balancer: &kafka.Murmur2Balancer{},
		BatchTimeout: time.Millisecond, RequiredAcks: kafka.RequireAll, Transport: &kafka.Transport{}}
	msgs := make([]kafka.Message, n)
	for i := range msgs {
		v, err := g.Snapshot(nil, i)
		if err != nil {
			t.Fatal(err)
		}
		msgs[i] = kafka.Message{Key: g.Key(i), Value: v}
	}
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		t.Fatal(err)
	}
	w.Close()
	w.Transport.(*kafka.Transport).CloseIdleConnections()

	for {
		var segs struct {
			Segments []struct {
				Live int `json:"live_stores"`
			}
		}
		if getJSON(t, addr+"/v1/segments", &segs) == 200 {
			live := 0
			for _, s := range segs.Segments {
				live += s.Live
			}
			if live == n {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the stores did not all get a segment; output:\n%s", out.b.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	var ready struct {
		Ready bool `json:"ready"`
	}
	if code := getJSON(t, addr+"/readyz", &ready); code != 200 || !ready.Ready {
		t.Errorf("/readyz = %d %+v; want ready", code, ready)
	}
}

func TestFlagsAndEnvironment(t *testing.T) {
	env := map[string]string{"KAFKA_BROKERS": "k1:9092,k2:9092", "STORESEG_BATCH_SIZE": "17", "STORESEG_EMIT": "always",
		"STORESEG_GROUP": "from-env", "STORESEG_SASL_PASSWORD": "pw"}
	o, err := parseFlags([]string{"--group", "from-flag", "--sasl-mechanism", "scram-sha-512", "--sasl-user", "u"},
		func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := o.streamConfig(splitList(o.brokers))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.BatchSize != 17 || cfg.Emit.String() != "always" || cfg.GroupID != "from-flag" ||
		!slices.Equal(cfg.Kafka.Brokers, []string{"k1:9092", "k2:9092"}) || cfg.Kafka.SASL.Password != "pw" ||
		cfg.Kafka.SASL.Mechanism != "SCRAM-SHA-512" || len(cfg.Spec.Numeric) == 0 {
		t.Errorf("config = %+v", cfg)
	}
	for name, args := range map[string][]string{
		"unknown flag":     {"--nope"},
		"positional":       {"extra"},
		"bad env duration": nil,
	} {
		getenv := func(string) string { return "" }
		if name == "bad env duration" {
			getenv = func(k string) string {
				if k == "STORESEG_BATCH_WAIT" {
					return "soon"
				}
				return ""
			}
		}
		if _, err := parseFlags(args, getenv, io.Discard); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	o, _ = parseFlags([]string{"--emit", "sometimes"}, func(string) string { return "" }, io.Discard)
	if _, err := o.streamConfig([]string{"k:9092"}); err == nil {
		t.Error("emit sometimes: no error")
	}
}

func TestTuningFlags(t *testing.T) {
	noEnv := func(string) string { return "" }
	o, err := parseFlags([]string{"--state-dir", t.TempDir()}, noEnv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := o.streamConfig([]string{"k:9092"})
	if err != nil || cfg.Compression != stream.CompressionNone || cfg.SyncInterval != 50*time.Millisecond {
		t.Errorf("default output compression, sync interval = %v, %s, %v; want none, 50ms", cfg.Compression, cfg.SyncInterval, err)
	}
	if scfg, err := o.stateConfig(); err != nil || scfg.SyncWrites {
		t.Errorf("default state store SyncWrites = %v, %v; want false (the consumer syncs it)", scfg.SyncWrites, err)
	}
	for _, c := range []struct {
		mode       string
		interval   time.Duration
		syncWrites bool
	}{{"batch", 0, true}, {"off", 0, false}, {"group", 50 * time.Millisecond, false}} {
		o, err := parseFlags([]string{"--state-sync", c.mode}, noEnv, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := o.streamConfig([]string{"k:9092"})
		scfg, serr := o.stateConfig()
		if err != nil || serr != nil || cfg.SyncInterval != c.interval || scfg.SyncWrites != c.syncWrites {
			t.Errorf("--state-sync %s: sync interval %s, SyncWrites %v (%v, %v); want %s, %v",
				c.mode, cfg.SyncInterval, scfg.SyncWrites, err, serr, c.interval, c.syncWrites)
		}
	}
	for _, args := range [][]string{{"--state-sync", "sometimes"}, {"--state-sync-interval", "0s"}} {
		o, _ := parseFlags(args, noEnv, io.Discard)
		if _, err := o.streamConfig([]string{"k:9092"}); err == nil || !strings.Contains(err.Error(), args[0][2:]) {
			t.Errorf("%v: error %v, want one naming the flag", args, err)
		}
	}
	scfg, err := o.stateConfig()
	if err != nil || scfg.Compression != statestore.CompressionNone || scfg.MemTableSize != 64<<20 || scfg.ValueThreshold != 1<<20 {
		t.Errorf("default state compression, memtable, value threshold = %v, %d, %d, %v; want none, 64 MiB, 1 MiB",
			scfg.Compression, scfg.MemTableSize, scfg.ValueThreshold, err)
	}
	o, err = parseFlags([]string{"--output-compression", "lz4", "--state-compression", "snappy", "--state-memtable-mib", "16",
		"--state-value-threshold", "64", "--lanes", "3",
		"--commit-interval", "0", "--produce-linger", "500us"}, noEnv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg, err = o.streamConfig([]string{"k:9092"}); err != nil || cfg.Compression != stream.CompressionLZ4 ||
		cfg.Lanes != 3 || cfg.CommitInterval != 0 || cfg.ProduceLinger != 500*time.Microsecond {
		t.Errorf("tuning flags = compression %v, lanes %d, commit interval %s, linger %s, %v",
			cfg.Compression, cfg.Lanes, cfg.CommitInterval, cfg.ProduceLinger, err)
	}
	if scfg, err = o.stateConfig(); err != nil || scfg.Compression != statestore.CompressionSnappy || scfg.MemTableSize != 16<<20 || scfg.ValueThreshold != 64 {
		t.Errorf("--state-compression snappy --state-memtable-mib 16 --state-value-threshold 64 = %v, %d, %d, %v",
			scfg.Compression, scfg.MemTableSize, scfg.ValueThreshold, err)
	}
	for _, flag := range []string{"--state-memtable-mib", "--state-value-threshold"} {
		o, _ = parseFlags([]string{flag, "0"}, noEnv, io.Discard)
		if _, err := o.stateConfig(); err == nil || !strings.Contains(err.Error(), flag[2:]) {
			t.Errorf("%s 0: error %v, want one naming the flag", flag, err)
		}
	}
	o, _ = parseFlags([]string{"--output-compression", "brotli", "--state-compression", "lzma"}, noEnv, io.Discard)
	if _, err := o.streamConfig([]string{"k:9092"}); err == nil {
		t.Error("--output-compression brotli: no error")
	}
	if _, err := o.stateConfig(); err == nil {
		t.Error("--state-compression lzma: no error")
	}
}
