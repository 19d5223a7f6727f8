"""Checks that pyarrow reads the tables storeseg's table.Writer writes.

Run from the repository root after `go test ./table/ -run TestRoundTrip -update`:
    python3 table/testdata/check_pyarrow.py
Tool versions: pyarrow 26.0.1, pandas 3.1.1 (bench/requirements.txt). Comparison is exact
(no tolerance): the files hold the sample of write_test.go (writeSample).
"""
import math
import pathlib
import sys

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

HERE = pathlib.Path(__file__).parent

EXPECTED = {
    "store_id": ["s1", "s2", "s3", "s4", "s5", "s6"],
    "revenue": [1234567.25, None, 1e-07, 0.0, 2.5e20, -0.1],
    "staff": [12, None, -3, 5, 7, 1 << 40],
    "open24": [True, False, None, True, False, True],
    "format": ["super", "hyper, large", 'say "hi"', None, "multi\nline", " padded "],
}
TYPES = {"store_id": pa.string(), "revenue": pa.float64(), "staff": pa.int64(),
         "open24": pa.bool_(), "format": pa.string()}


def same(a, b):
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    return a == b


def check_parquet():
    t = pq.read_table(HERE / "go_written.parquet")
    assert t.column_names == list(EXPECTED), t.column_names
    for name, want in EXPECTED.items():
        assert t.schema.field(name).type == TYPES[name], (name, t.schema.field(name).type)
        got = t.column(name).to_pylist()
        assert all(same(g, w) for g, w in zip(got, want)) and len(got) == len(want), (name, got)
    meta = pq.ParquetFile(HERE / "go_written.parquet").metadata
    print(f"parquet ok: {meta.num_rows} rows, {meta.num_row_groups} row group(s), created_by {meta.created_by!r}")


def check_csv():
    df = pd.read_csv(HERE / "go_written.csv", keep_default_na=False, na_values=[""])
    assert list(df.columns) == list(EXPECTED), list(df.columns)
    for name, want in EXPECTED.items():
        got = [None if (isinstance(v, float) and math.isnan(v)) or v is pd.NA else v for v in df[name]]
        if name == "staff":
            got = [None if v is None else int(v) for v in got]
        if name == "open24":
            got = [None if v is None else (v if isinstance(v, bool) else v == "true") for v in got]
        assert all(same(g, w) for g, w in zip(got, want)), (name, got, want)
    print(f"csv ok: {len(df)} rows")


if __name__ == "__main__":
    check_parquet()
    check_csv()
    sys.exit(0)
