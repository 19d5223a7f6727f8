// Command consumer is storeseg's streaming consumer: it merges store feature updates from
// Kafka into its state store, appends merged states to the changelog, scores changed stores
// with the current model and emits their segments, and hot-swaps models published by refit.
//
// Usage:
//
//	consumer [flags]
//
// Every flag can also be set by an environment variable: STORESEG_ and the flag name in
// upper case with '-' as '_' (e.g. STORESEG_HTTP_ADDR); brokers also come from
// KAFKA_BROKERS. Flags win over the environment. With --dev, or when no brokers are
// configured, the consumer starts an in-process Kafka-protocol broker on 127.0.0.1, so the
// whole product runs with no external service; --model FILE then publishes a bundle file onto
// the models topic at start, as refit would. docs/consumer.md is the operations guide.
//
// The process stops gracefully on SIGINT or SIGTERM: it finishes and commits the batch in
// hand, closes its Kafka clients and the state store, and exits 0.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "consumer:", err)
		os.Exit(1)
	}
}
