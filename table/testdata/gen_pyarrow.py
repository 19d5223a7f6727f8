"""Writes pyarrow_types.parquet, the Parquet fixture for table's reader tests.

Provenance: pyarrow 26.0.1 (bench/requirements.txt), run as
    python3 table/testdata/gen_pyarrow.py
from the repository root. The file exercises what other writers produce and the Go writer
does not: dictionary-encoded columns (pyarrow's default), data page v1, float32, int32,
unsigned and boolean columns, nulls everywhere, two row groups and a REQUIRED column. The
expected values are spelled out in read_parquet_test.go; they are exact (no tolerance).
"""
import pathlib

import pyarrow as pa
import pyarrow.parquet as pq

HERE = pathlib.Path(__file__).parent

table = pa.table({
    "store_id": pa.array(["a1", "a2", "a3", "a4", "a5", "a6"], pa.string()),
    "num_id": pa.array([101, 102, 103, 104, 105, 106], pa.int64()),
    "revenue": pa.array([1.5, None, 3.25, -4.0, 1e300, 0.0], pa.float64()),
    "area": pa.array([10.5, 20.25, None, 40.0, 50.0, 60.0], pa.float32()),
    "staff": pa.array([3, None, 5, 7, 11, 13], pa.int32()),
    "big": pa.array([4000000000, 1, 2, 3, 4, 5], pa.uint32()),
    "format": pa.array(["super", "hyper", None, "super", "kiosk", "hyper"], pa.string()),
    "open24": pa.array([True, False, None, True, True, False], pa.bool_()),
    "size_class": pa.array([3, 1, 3, None, 2, 1], pa.int64()),
    "ignored": pa.array([[1], [2], [3], [4], [5], [6]], pa.list_(pa.int64())),
})
schema = table.schema.set(0, pa.field("store_id", pa.string(), nullable=False))
table = table.cast(schema)
pq.write_table(table, HERE / "pyarrow_types.parquet", row_group_size=4,
               use_dictionary=True, data_page_version="1.0", compression="snappy")
print("wrote", HERE / "pyarrow_types.parquet")
