package table

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// Schema says which columns of a table to read and how.
type Schema struct {
	// ID names the store id column. Ids must be present and unique.
	ID string
	// Numeric names the columns read as float64, in the order of the frame's NumNames.
	Numeric []string
	// Categorical names the columns read as levels, in the order of the frame's CatNames.
	Categorical []string
}

// Validate checks that the id is named and that no column is named twice.
func (s Schema) Validate() error {
	if s.ID == "" {
		return errors.New("table: schema has no id column")
	}
	seen := map[string]bool{s.ID: true}
	for _, names := range [][]string{s.Numeric, s.Categorical} {
		for _, n := range names {
			if n == "" {
				return errors.New("table: schema has an empty column name")
			}
			if seen[n] {
				return fmt.Errorf("table: schema names column %q twice", n)
			}
			seen[n] = true
		}
	}
	return nil
}

// Format is a table file format.
type Format int

// Formats. FormatAuto means "choose by file extension".
const (
	FormatAuto Format = iota
	CSV
	Parquet
	Avro // Avro object container file; read only
)

// String returns "csv", "parquet", "avro" or "auto".
func (f Format) String() string {
	switch f {
	case CSV:
		return "csv"
	case Parquet:
		return "parquet"
	case Avro:
		return "avro"
	case FormatAuto:
		return "auto"
	}
	return "Format(" + strconv.Itoa(int(f)) + ")"
}

// FormatOf returns the format of a file by its extension: .csv is CSV; .parquet and .pq are
// Parquet; .avro is Avro (case-insensitive).
func FormatOf(path string) (Format, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return CSV, nil
	case ".parquet", ".pq":
		return Parquet, nil
	case ".avro":
		return Avro, nil
	}
	return FormatAuto, fmt.Errorf("%w: %q (want .csv, .parquet, .pq or .avro)", ErrFormat, path)
}

// Sentinel errors; an [*Error] unwraps to one of them.
var (
	ErrFormat        = errors.New("table: unknown file format")
	ErrNoColumn      = errors.New("table: column not found")
	ErrBadNumber     = errors.New("table: not a number")
	ErrNotNumeric    = errors.New("table: column is not numeric")
	ErrMissingID     = errors.New("table: missing id")
	ErrDuplicateID   = errors.New("table: duplicate id")
	ErrRaggedRow     = errors.New("table: wrong number of fields")
	ErrSyntax        = errors.New("table: malformed csv")
	ErrUnsupported   = errors.New("table: unsupported column type")
	ErrMissingNumber = errors.New("table: missing value in a numeric matrix")
)

// Error is a problem with a table's contents. Kind is one of the Err* sentinels and is what
// errors.Is matches.
type Error struct {
	File   string // file name, or the name given to a reader
	Row    int    // 1-based data row (the first row after the CSV header is 1); 0 if none
	Line   int    // CSV only: 1-based line where the record starts (the header is line 1); 0 if none
	Column string // column name; "" if none
	Kind   error  // the sentinel
	Detail string // what was wrong, e.g. `value "12,5" is not a number`
}

// Error formats the problem as "table: FILE: row R (line L), column "C": DETAIL".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("table: ")
	b.WriteString(e.File)
	sep := ": "
	if e.Row > 0 {
		b.WriteString(sep + "row " + strconv.Itoa(e.Row))
		if e.Line > 0 {
			b.WriteString(" (line " + strconv.Itoa(e.Line) + ")")
		}
		sep = ", "
	} else if e.Line > 0 {
		b.WriteString(sep + "line " + strconv.Itoa(e.Line))
		sep = ", "
	}
	if e.Column != "" {
		b.WriteString(sep + "column " + strconv.Quote(e.Column))
	}
	b.WriteString(": ")
	if e.Detail != "" {
		b.WriteString(e.Detail)
	} else {
		b.WriteString(strings.TrimPrefix(e.Kind.Error(), "table: "))
	}
	return b.String()
}

// Unwrap returns the sentinel.
func (e *Error) Unwrap() error { return e.Kind }

// isMissing reports whether a cell marks a missing value in any column.
func isMissing(b []byte) bool {
	return len(b) == 0 || (len(b) == 2 && b[0] == 'N' && b[1] == 'A')
}

// isMissingNumber reports whether a numeric cell (already trimmed) is missing.
func isMissingNumber(b []byte) bool {
	return isMissing(b) || string(b) == "NaN" || string(b) == "nan"
}

// quoteCell quotes a cell for an error message, shortening long ones.
func quoteCell(b []byte) string {
	const max = 40
	if len(b) > max {
		return strconv.Quote(string(b[:max])) + "…"
	}
	return strconv.Quote(string(b))
}
