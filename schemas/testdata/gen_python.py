#!/usr/bin/env python3
"""Writes Avro messages with fastavro, from the committed .avsc files, for the Go decoder tests.

Provenance of testdata/python/*: produced by this script with Python 3.11 and
fastavro 1.13.1 (pip install fastavro==1.13.1). Run from the repository root:

    python3 schemas/testdata/gen_python.py

For every case it writes python/<case>.soe (Avro single-object encoding: C3 01, the
little-endian CRC-64-AVRO fingerprint fastavro computes from the Parsing Canonical Form,
the fastavro schemaless body) and python/<case>.confluent (magic byte 0, the 4-byte big-endian
schema id from SCHEMA_IDS, the same body). python/cases.json records each case's schema,
fingerprint and values. The Go test (python_fixture_test.go) decodes every message and
compares field by field, exactly (no tolerance: doubles must round-trip bit for bit).
"""

import hashlib
import io
import json
import math
import pathlib
import struct

import fastavro
from fastavro.schema import fingerprint, to_parsing_canonical_form

ROOT = pathlib.Path(__file__).resolve().parent.parent  # schemas/
OUT = ROOT / "testdata" / "python"

# Schema ids the Go test's fake registry serves for each committed schema version.
SCHEMA_IDS = {
    ("StoreFeatureUpdate", 1): 101,
    ("StoreFeatureUpdate", 2): 102,
    ("StoreState", 1): 201,
    ("SegmentAssignment", 1): 301,
    ("ModelPublished", 1): 401,
    ("ModelChunk", 1): 501,
}

BUNDLE = bytes(range(256)) * 3
CHUNK = b"chunk-data-\x00\xff" * 10

CASES = [
    ("sfu_v2_full", "StoreFeatureUpdate", 2, {
        "store_id": "store-0042",
        "event_time": 1767225600123,
        "numeric": {"sales": 1234.5, "area_m2": 812.0, "tiny": 5e-324, "neg_zero": -0.0, "gone": None},
        "categorical": {"format": "hyper", "city": "Zürich ☕", "closed_reason": None},
        "source": "erp-v7",
        "sequence": -9007199254740993,
        "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
    }),
    ("sfu_v2_minimal", "StoreFeatureUpdate", 2, {
        "store_id": "s",
        "event_time": 1,
        "numeric": {},
        "categorical": {},
        "source": None,
        "sequence": None,
        "trace_id": None,
    }),
    ("sfu_v1", "StoreFeatureUpdate", 1, {
        "store_id": "store-v1",
        "event_time": 1700000000000,
        "numeric": {"sales": 99.25},
        "categorical": {"format": "express"},
        "source": "legacy",
        "sequence": 7,
    }),
    ("sfu_nan", "StoreFeatureUpdate", 2, {
        "store_id": "store-nan",
        "event_time": 1700000000000,
        "numeric": {"sales": math.nan},
        "categorical": {},
        "source": None,
        "sequence": None,
        "trace_id": None,
    }),
    ("store_state", "StoreState", 1, {
        "store_id": "store-0042",
        "numeric": {
            "sales": {"value": 1234.5, "event_time": 1767225600123},
            "gone": {"value": None, "event_time": 1767225600000},
        },
        "categorical": {"format": {"value": "hyper", "event_time": 1767225500000}},
        "updated_at": 1767225600123,
        "source": "erp-v7",
        "sequence": 3,
    }),
    ("assignment_first", "SegmentAssignment", 1, {
        "store_id": "store-0042",
        "segment_id": 3,
        "segment_name": "urban convenience",
        "confidence": 0.875,
        "source": "predicted",
        "novelty": False,
        "outlier_score": 0.125,
        "cluster": -1,
        "model_version": "20260101-abc",
        "feature_event_time": 1767225600123,
        "assigned_at": 1767225601000,
        "previous_segment_id": None,
    }),
    ("assignment_changed", "SegmentAssignment", 1, {
        "store_id": "store-7",
        "segment_id": 0,
        "segment_name": "",
        "confidence": 1.0,
        "source": "core",
        "novelty": True,
        "outlier_score": 0.0,
        "cluster": 2147483647,
        "model_version": "v1",
        "feature_event_time": 1,
        "assigned_at": 2,
        "previous_segment_id": 12,
    }),
    ("model_inline", "ModelPublished", 1, {
        "model_name": "segmentation",
        "model_version": "20260101-abc",
        "created_at": 1767225600000,
        "bundle_format": "storeseg-bundle/v1",
        "bundle_size": len(BUNDLE),
        "bundle_sha256": hashlib.sha256(BUNDLE).digest(),
        "chunk_size": 0,
        "chunk_sha256": [],
        "bundle": BUNDLE,
        "run_id": "0123abcd",
        "metadata": {"dbcv": "0.41", "stores": "1115"},
    }),
    ("model_chunk", "ModelChunk", 1, {
        "model_name": "segmentation",
        "model_version": "20260101-abc",
        "index": 1,
        "count": 3,
        "sha256": hashlib.sha256(CHUNK).digest(),
        "data": CHUNK,
    }),
]


def jsonable(v):
    if isinstance(v, bytes):
        return {"hex": v.hex()}
    if isinstance(v, float):
        if math.isnan(v):
            return "NaN"
        return {"float_hex": v.hex()}
    if isinstance(v, dict):
        return {k: jsonable(x) for k, x in v.items()}
    if isinstance(v, list):
        return [jsonable(x) for x in v]
    return v


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    index = []
    for case, name, version, record in CASES:
        text = (ROOT / "avro" / name / f"v{version}.avsc").read_text()
        parsed = fastavro.parse_schema(json.loads(text))
        canonical = to_parsing_canonical_form(parsed)
        # fastavro returns the fingerprint's bytes in little-endian order, as hex.
        fp_le = bytes.fromhex(fingerprint(canonical, "CRC-64-AVRO"))
        fp = int.from_bytes(fp_le, "little")
        buf = io.BytesIO()
        fastavro.schemaless_writer(buf, parsed, record)
        body = buf.getvalue()
        (OUT / f"{case}.soe").write_bytes(b"\xc3\x01" + fp_le + body)
        sid = SCHEMA_IDS[(name, version)]
        (OUT / f"{case}.confluent").write_bytes(b"\x00" + struct.pack(">I", sid) + body)
        index.append({"case": case, "schema": name, "version": version, "schema_id": sid,
                      "fingerprint": f"{fp:016x}", "canonical": canonical, "record": jsonable(record)})
    meta = {"generator": "schemas/testdata/gen_python.py", "fastavro": fastavro.__version__, "cases": index}
    (OUT / "cases.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
