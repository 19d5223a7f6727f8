// Package table reads and writes store tables: CSV (RFC 4180) and Parquet files with one row
// per store.
//
// # Reading
//
// [Read] is spec-aware: the caller names the id column, the numeric columns and the
// categorical columns in a [Schema], and gets a raw [frame.Frame] back. Only the named columns
// are decoded; any other column is skipped (in CSV it is still split into fields, so it must
// not break the quoting, but it is never converted or stored). Numeric cells become float64
// with NaN for a missing value; categorical cells are dictionary-encoded, levels numbered in
// order of first appearance, with [frame.Missing] for a missing value.
//
// Missing values: an empty cell or NA marks a missing value in every column; numeric columns
// also accept NaN and nan. Parquet nulls are missing values. In Parquet, integer, float and
// double columns may be read as numeric; strings, booleans and integers may be read as
// categorical (an integer becomes its decimal text, a boolean "true" or "false", a float its
// shortest round-trip text).
//
// Errors are [*Error] values naming the file, the column and the row. Rows are numbered from 1
// for the first data row (the CSV header is not a data row); for CSV the error also gives the
// 1-based line of the file where the record starts, which differs from row+1 when quoted
// fields span lines. Use [errors.Is] with the Err* sentinels to tell the cases apart.
//
// [ReadMatrix] reads a purely numeric table (id first, then only numeric columns), such as a
// coordinates file, into a gonum matrix.
//
// # Writing
//
// A [Writer] writes rows of typed columns (string, float64, int64, bool; any cell may be null)
// to CSV or Parquet. It streams: CSV goes through a buffered writer and Parquet is cut into row
// groups of [RowGroupRows] rows, so a million rows need no more memory than one row group.
// [Create] writes to a temporary file next to the target and renames it into place on Close,
// so a reader never sees a half-written table.
package table
