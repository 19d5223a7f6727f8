//go:build integration

package integration_test

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
)

// services is the environment printed by scripts/test-services, read once.
var services = sync.OnceValue(func() (s struct {
	brokers     []string
	mlflowURI   string
	kafkaLibs   string
	mlflowPy    string
	description string
}) {
	if b := os.Getenv("KAFKA_BROKERS"); b != "" {
		s.brokers = strings.Split(b, ",")
	}
	s.mlflowURI = strings.TrimRight(os.Getenv("MLFLOW_TRACKING_URI"), "/")
	s.kafkaLibs = os.Getenv("STORESEG_KAFKA_LIBS")
	s.mlflowPy = os.Getenv("MLFLOW_PYTHON")
	s.description = fmt.Sprintf("KAFKA_BROKERS=%q MLFLOW_TRACKING_URI=%q", os.Getenv("KAFKA_BROKERS"), s.mlflowURI)
	return s
})

const howToStart = "run `make test-integration`, or `eval \"$(scripts/test-services up)\"` first"

// kafkaBrokers returns the broker addresses or skips the test.
func kafkaBrokers(t *testing.T) []string {
	t.Helper()
	b := services().brokers
	if len(b) == 0 {
		t.Skip("KAFKA_BROKERS is not set: " + howToStart)
	}
	return b
}

// mlflowURI returns the tracking server's URL or skips the test.
func mlflowURI(t *testing.T) string {
	t.Helper()
	u := services().mlflowURI
	if u == "" {
		t.Skip("MLFLOW_TRACKING_URI is not set: " + howToStart)
	}
	return u
}

// uniqueName returns prefix-<16 hex digits>, so that runs never share topics, groups or
// experiments.
func uniqueName(t *testing.T, prefix string) string {
	t.Helper()
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return prefix + "-" + hex.EncodeToString(b[:])
}

func TestMain(m *testing.M) {
	fmt.Fprintln(os.Stderr, "integration: services:", services().description)
	os.Exit(m.Run())
}
