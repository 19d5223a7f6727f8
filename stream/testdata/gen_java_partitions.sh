#!/usr/bin/env bash
# Regenerates java_partitions.tsv: for each key, the partition Apache Kafka's Java producer
# (BuiltInPartitioner.partitionForKey, Kafka 4.4.0 from scripts/test-services) picks in topics of
# 6 and 7 partitions. stream's TestMurmur2MatchesJava compares kafka-go's Murmur2Balancer with it.
#   STORESEG_KAFKA_LIBS=~/.cache/storeseg/kafka-4.4.0/libs stream/testdata/gen_java_partitions.sh
set -euo pipefail
cd "$(dirname "$0")"
libs=${STORESEG_KAFKA_LIBS:-$HOME/.cache/storeseg/kafka-4.4.0/libs}
keys() {
	for i in $(seq 1 40); do printf 'S%07d\n' "$i"; done
	printf '%s\n' 21 foobar abc a-little-bit-long-string "store with spaces" "ünïcödé-store" x
}
{
	printf '# key\tpartition_of_6\tpartition_of_7 (Kafka 4.4.0 Java BuiltInPartitioner; gen_java_partitions.sh)\n'
	paste <(keys) <(keys | java -cp "$libs/*" Partitions.java 6) <(keys | java -cp "$libs/*" Partitions.java 7)
} >java_partitions.tsv
