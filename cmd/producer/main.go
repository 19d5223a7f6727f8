// Command producer is storeseg's demo producer and load generator: it sends StoreFeatureUpdate
// events for generated stores (package synth) to the input topic: a full snapshot of every
// store, then rounds of drifting partial updates, at a target rate or as fast as possible,
// framed as Avro single-object or (with a Schema Registry) Confluent wire format. It reports
// the rate it achieved.
//
// Usage:
//
//	producer [flags]
//
// Every flag can also be set by STORESEG_ and the flag name in upper case with '-' as '_';
// brokers also come from KAFKA_BROKERS. Examples:
//
//	producer --brokers 127.0.0.1:9092 --stores 10000 --steps 3            # demo data
//	producer --stores 100000 --steps -1 --rate 10000 --duration 60s      # steady load
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
		fmt.Fprintln(os.Stderr, "producer:", err)
		os.Exit(1)
	}
}
