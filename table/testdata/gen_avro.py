"""Writes the Avro object container fixtures of table's Avro reader tests, and their CSV twin.

Provenance: fastavro 1.13.1 (bench/requirements.txt), Python 3.11, run as
    python3 table/testdata/gen_avro.py
from the repository root. Output (deterministic: fixed seed, fixed sync marker):

  avro_stores.avro          60 stores, deflate codec, small blocks (several block boundaries)
  avro_stores_null.avro     the same records with the null codec and one block
  avro_stores.csv           the same table as CSV (the reader tests compare the Avro read with
                            the CSV read of this file; the comparison is exact, no tolerance)
  avro_empty.avro           the same schema and no record

The schema exercises what producers write: the id as string; numeric fields as double, float,
int and long, plain and in unions with null (null first and null last); categorical fields as
string, enum (named, then referenced by name), boolean and int, plain and nullable; and fields
the reader must skip (array, map, nested record, bytes, a timestamp and a decimal). Numeric
values are chosen so that their float32 (for "float" fields) and decimal text are exact, so
the CSV twin holds exactly the values the Avro reader must return; a NaN double is written as
NaN in the CSV (both mean missing).
"""
import csv
import decimal
import math
import pathlib
import random

import fastavro

HERE = pathlib.Path(__file__).parent
SYNC = bytes(range(16))  # fixed sync marker: the same bytes on every run

FORMAT = {"type": "enum", "name": "Format", "namespace": "storeseg.test",
          "symbols": ["hyper", "super", "convenience", "discount"]}

SCHEMA = {
    "type": "record", "name": "Store", "namespace": "storeseg.test",
    "fields": [
        {"name": "store_id", "type": "string"},
        {"name": "tags", "type": {"type": "array", "items": "int"}},
        {"name": "revenue_12m", "type": ["null", "double"]},
        {"name": "sales_area_m2", "type": "float"},
        {"name": "staff_count", "type": ["int", "null"]},
        {"name": "footfall_weekly", "type": "long"},
        {"name": "online_share", "type": "double"},
        {"name": "parking_spaces", "type": ["null", "long"]},
        {"name": "avg_basket", "type": ["null", "float"]},
        {"name": "format", "type": FORMAT},
        {"name": "prev_format", "type": ["null", "storeseg.test.Format"]},
        {"name": "placement", "type": ["null", "string"]},
        {"name": "region", "type": "string"},
        {"name": "open_24h", "type": "boolean"},
        {"name": "has_pharmacy", "type": ["null", "boolean"]},
        {"name": "size_class", "type": "int"},
        {"name": "attrs", "type": {"type": "map", "values": "string"}},
        {"name": "address", "type": {"type": "record", "name": "Address",
                                     "fields": [{"name": "city", "type": "string"},
                                                {"name": "zip", "type": ["null", "string"]}]}},
        {"name": "blob", "type": "bytes"},
        {"name": "updated_at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "price", "type": {"type": "bytes", "logicalType": "decimal",
                                   "precision": 9, "scale": 2}},
    ],
}

COLUMNS = ["store_id", "revenue_12m", "sales_area_m2", "staff_count", "footfall_weekly",
           "online_share", "parking_spaces", "avg_basket", "format", "prev_format",
           "placement", "region", "open_24h", "has_pharmacy", "size_class"]


def maybe(rng, value, p=0.15):
    return None if rng.random() < p else value


def make_records(n=60, seed=7):
    rng = random.Random(seed)
    out = []
    for i in range(n):
        revenue = maybe(rng, rng.randrange(200_000, 9_000_000) + rng.randrange(4) / 4)
        if i == 5:
            revenue = math.nan  # a NaN double is a missing value too
        out.append({
            "store_id": f"S{i + 1:04d}" if i != 7 else "store ünïcode 8",
            "tags": [rng.randrange(100) for _ in range(rng.randrange(4))],
            "revenue_12m": revenue,
            "sales_area_m2": rng.randrange(80, 12_000) + rng.randrange(8) / 8,  # exact in float32
            "staff_count": maybe(rng, rng.randrange(2, 300)),
            "footfall_weekly": rng.randrange(500, 90_000) if i != 11 else 2**53,
            "online_share": rng.randrange(0, 1000) / 1024,
            "parking_spaces": maybe(rng, rng.randrange(0, 800), 0.3),
            "avg_basket": maybe(rng, rng.randrange(5, 120) + rng.randrange(4) / 4),
            "format": rng.choice(FORMAT["symbols"]),
            "prev_format": maybe(rng, rng.choice(FORMAT["symbols"]), 0.4),
            "placement": maybe(rng, rng.choice(["high street", "mall", "retail park", "station, hall 2",
                                                'say "hi"']), 0.2),
            "region": rng.choice(["north", "south", "east", "west"]),
            "open_24h": rng.random() < 0.2,
            "has_pharmacy": maybe(rng, rng.random() < 0.5, 0.25),
            "size_class": rng.randrange(-1, 4),
            "attrs": {"k": str(i)} if i % 3 else {},
            "address": {"city": rng.choice(["Lyon", "Oslo", "Porto"]), "zip": maybe(rng, f"{i:05d}")},
            "blob": bytes([i % 256]) * (i % 5),
            "updated_at": 1_700_000_000_000 + i,
            "price": decimal.Decimal(i) / 4,
        })
    return out


def cell(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "NaN" if math.isnan(v) else repr(v)
    return str(v)


def main():
    records = make_records()
    schema = fastavro.parse_schema(SCHEMA)
    with open(HERE / "avro_stores.avro", "wb") as f:
        fastavro.writer(f, schema, records, codec="deflate", sync_interval=600, sync_marker=SYNC)
    with open(HERE / "avro_stores_null.avro", "wb") as f:
        fastavro.writer(f, schema, records, codec="null", sync_marker=SYNC)
    with open(HERE / "avro_empty.avro", "wb") as f:
        fastavro.writer(f, schema, [], codec="null", sync_marker=SYNC)
    with open(HERE / "avro_stores.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(COLUMNS)
        for r in records:
            w.writerow([cell(r[c]) for c in COLUMNS])
    with open(HERE / "avro_stores.avro", "rb") as f:  # check what was written
        back = list(fastavro.reader(f))
    assert len(back) == len(records)
    print("wrote", len(records), "records to", HERE)


if __name__ == "__main__":
    main()
