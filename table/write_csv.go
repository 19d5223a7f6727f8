package table

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

type csvEncoder struct {
	w     *bufio.Writer
	types []Type
	line  []byte
}

func newCSVEncoder(w io.Writer, cols []Column) (*csvEncoder, error) {
	e := &csvEncoder{w: bufio.NewWriterSize(w, 1<<16), types: make([]Type, len(cols))}
	for i, c := range cols {
		e.types[i] = c.Type
		if i > 0 {
			e.line = append(e.line, ',')
		}
		e.line = appendCSVString(e.line, c.Name)
	}
	e.line = append(e.line, '\n')
	if _, err := e.w.Write(e.line); err != nil {
		return nil, fmt.Errorf("table: writing csv header: %w", err)
	}
	return e, nil
}

func (e *csvEncoder) writeRow(cells []cell) error {
	b := e.line[:0]
	for i := range cells {
		if i > 0 {
			b = append(b, ',')
		}
		x := &cells[i]
		if x.null {
			continue
		}
		switch e.types[i] {
		case String:
			b = appendCSVString(b, x.s)
		case Float64:
			b = AppendFloat(b, x.f)
		case Int64:
			b = strconv.AppendInt(b, x.i, 10)
		case Bool:
			b = strconv.AppendBool(b, x.b)
		}
	}
	b = append(b, '\n')
	e.line = b
	if _, err := e.w.Write(b); err != nil {
		return fmt.Errorf("table: writing csv: %w", err)
	}
	return nil
}

func (e *csvEncoder) close() error {
	if err := e.w.Flush(); err != nil {
		return fmt.Errorf("table: writing csv: %w", err)
	}
	return nil
}

// appendCSVString appends s, quoted if it holds a comma, a quote, a line break or leading or
// trailing spaces.
func appendCSVString(b []byte, s string) []byte {
	if !strings.ContainsAny(s, ",\"\r\n") && strings.TrimSpace(s) == s {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

// AppendFloat appends v in its shortest round-trip form, in plain notation when its decimal
// exponent is in [-4, 16) and in exponent notation otherwise (like Python's repr, without the
// trailing ".0").
func AppendFloat(b []byte, v float64) []byte {
	if v == 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return strconv.AppendFloat(b, v, 'g', -1, 64)
	}
	if a := math.Abs(v); a >= 1e-4 && a < 1e16 {
		return strconv.AppendFloat(b, v, 'f', -1, 64)
	}
	return strconv.AppendFloat(b, v, 'e', -1, 64)
}
