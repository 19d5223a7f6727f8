#!/usr/bin/env python3
"""Produces StoreFeatureUpdate events to Kafka with a real non-Go client, for the stream
integration tests (integration/stream_integration_test.go).

Reads JSON lines from stdin, one event each: {"key": "S0000001", "value": {...} | null,
"timestamp_ms": 1767225600000 (optional)}. "value" is a StoreFeatureUpdate as fastavro takes it
(store_id, event_time in ms, numeric/categorical maps with null for "now missing", source,
sequence, trace_id); null produces a tombstone. Values are encoded with fastavro from the
committed schema (--schema, default schemas/avro/StoreFeatureUpdate/v2.avsc) in Avro
single-object encoding (C3 01, the little-endian CRC-64-AVRO fingerprint of the Parsing
Canonical Form, the body) and produced with confluent-kafka (librdkafka) using the murmur2
partitioner, so keys land where Java clients put them. Prints the number of events produced.

    python3 integration/testdata/stream_produce.py --brokers 127.0.0.1:19092 --topic t < events.jsonl

Versions: confluent-kafka 2.16.1, fastavro 1.13.1 (scripts/requirements-integration.txt).
"""

import argparse
import io
import json
import pathlib
import sys

import fastavro
from confluent_kafka import Producer
from fastavro.schema import fingerprint, to_parsing_canonical_form

ROOT = pathlib.Path(__file__).resolve().parents[2]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--brokers", required=True)
    ap.add_argument("--topic", required=True)
    ap.add_argument("--schema", default=str(ROOT / "schemas/avro/StoreFeatureUpdate/v2.avsc"))
    args = ap.parse_args()

    with open(args.schema, encoding="utf-8") as f:
        schema = fastavro.parse_schema(json.load(f))
    # fastavro returns the fingerprint's bytes in little-endian order, as hex.
    header = b"\xc3\x01" + bytes.fromhex(fingerprint(to_parsing_canonical_form(schema), "CRC-64-AVRO"))

    errors = []

    def delivered(err, _msg):
        if err is not None:
            errors.append(str(err))

    p = Producer({"bootstrap.servers": args.brokers, "partitioner": "murmur2_random", "acks": "all",
                  "linger.ms": 5, "enable.idempotence": True})
    n = 0
    for line in sys.stdin:
        if not line.strip():
            continue
        ev = json.loads(line)
        value = None
        if ev.get("value") is not None:
            buf = io.BytesIO()
            fastavro.schemaless_writer(buf, schema, ev["value"])
            value = header + buf.getvalue()
        kwargs = {"timestamp": ev["timestamp_ms"]} if ev.get("timestamp_ms") else {}
        while True:
            try:
                p.produce(args.topic, key=ev["key"].encode(), value=value, on_delivery=delivered, **kwargs)
                break
            except BufferError:
                p.poll(0.1)
        p.poll(0)
        n += 1
    if p.flush(60) != 0:
        errors.append("messages still undelivered after 60 s")
    if errors:
        print("stream_produce: " + "; ".join(errors[:5]), file=sys.stderr)
        return 1
    print(n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
