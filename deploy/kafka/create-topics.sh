#!/usr/bin/env bash
# Create (or bring up to date) the storeseg topics on a Kafka cluster. Idempotent: a topic
# that exists keeps its partitions and gets its configs set again.
#
# docker-compose.yml runs it in the apache/kafka image (service kafka-init); by hand:
#   KAFKA_BOOTSTRAP=127.0.0.1:19092 KAFKA_BIN=/opt/kafka/bin deploy/kafka/create-topics.sh
#
# Topics (docs/schemas.md, docs/deploy.md):
#   store-features       input updates, key store_id           delete, 7 days
#   store-features.dlq   dead letters, reason in headers        delete, 30 days
#   store-state          merged state changelog                 compact (restore + refit source)
#   store-segments       segment assignments                    compact
#   segment-models       model manifests and bundle chunks      compact, 1 partition, 8 MiB messages
set -euo pipefail

BOOTSTRAP=${KAFKA_BOOTSTRAP:-kafka:9092}
BIN=${KAFKA_BIN:-/opt/kafka/bin}
PARTITIONS=${STORESEG_PARTITIONS:-6}
RF=${STORESEG_REPLICATION_FACTOR:-1}
INPUT_RETENTION_MS=${STORESEG_INPUT_RETENTION_MS:-604800000}   # 7 days
DLQ_RETENTION_MS=${STORESEG_DLQ_RETENTION_MS:-2592000000}      # 30 days
MODEL_MAX_BYTES=${STORESEG_MODEL_MAX_MESSAGE_BYTES:-8388608}   # 8 MiB: 512 KiB chunks + headroom
TIMEOUT=${KAFKA_WAIT_SECONDS:-120}

log() { printf 'create-topics: %s\n' "$*"; }

wait_for_broker() {
  local deadline=$((SECONDS + TIMEOUT))
  until "$BIN/kafka-broker-api-versions.sh" --bootstrap-server "$BOOTSTRAP" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      log "broker $BOOTSTRAP did not answer within ${TIMEOUT}s"
      exit 1
    fi
    sleep 2
  done
}

# ensure TOPIC PARTITIONS CONFIG...: create the topic if missing, then set its configs.
ensure() {
  local topic=$1 partitions=$2
  shift 2
  local create=() alter=""
  for c in "$@"; do
    create+=(--config "$c")
    alter+="${alter:+,}$c"
  done
  "$BIN/kafka-topics.sh" --bootstrap-server "$BOOTSTRAP" --create --if-not-exists \
    --topic "$topic" --partitions "$partitions" --replication-factor "$RF" "${create[@]}" >/dev/null
  "$BIN/kafka-configs.sh" --bootstrap-server "$BOOTSTRAP" --alter --entity-type topics \
    --entity-name "$topic" --add-config "$alter" >/dev/null
  log "$topic: $partitions partitions, $alter"
}

wait_for_broker
ensure store-features "$PARTITIONS" cleanup.policy=delete "retention.ms=$INPUT_RETENTION_MS"
ensure store-features.dlq "$PARTITIONS" cleanup.policy=delete "retention.ms=$DLQ_RETENTION_MS"
ensure store-state "$PARTITIONS" cleanup.policy=compact min.cleanable.dirty.ratio=0.1 segment.ms=3600000
ensure store-segments "$PARTITIONS" cleanup.policy=compact min.cleanable.dirty.ratio=0.1 segment.ms=3600000
ensure segment-models 1 cleanup.policy=compact "max.message.bytes=$MODEL_MAX_BYTES" min.compaction.lag.ms=3600000
"$BIN/kafka-topics.sh" --bootstrap-server "$BOOTSTRAP" --describe \
  --topic 'store-features|store-features.dlq|store-state|store-segments|segment-models' | grep -v '^\s*Topic: .*Partition:' || true
log "done"
