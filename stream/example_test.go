package stream_test

import (
	"fmt"

	"github.com/storeseg/storeseg/stream"
)

// The topics a consumer creates at start when they are missing.
func ExampleConfig_TopicSpecs() {
	cfg := stream.DefaultConfig("localhost:9092")
	for _, t := range cfg.TopicSpecs() {
		cleanup := "delete"
		for _, e := range t.ConfigEntries {
			if e.ConfigName == "cleanup.policy" {
				cleanup = e.ConfigValue
			}
		}
		fmt.Printf("%-20s %d partitions, %s\n", t.Topic, t.NumPartitions, cleanup)
	}
	// Output:
	// store-features       6 partitions, delete
	// store-features.dlq   6 partitions, delete
	// store-state          6 partitions, compact
	// store-segments       6 partitions, compact
	// segment-models       1 partitions, compact
}
