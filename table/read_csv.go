package table

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/storeseg/storeseg/model/frame"
)

// ctxCheckRows is how often (in rows) readers look at their context.
const ctxCheckRows = 1 << 14

// csvRole is what the reader does with one field of a record.
type csvRole struct {
	field int   // index of the field in the record
	kind  uint8 // roleID, roleNum or roleCat
	index int   // numeric or categorical column index
}

const (
	roleID uint8 = iota
	roleNum
	roleCat
)

// ReadCSV reads a store table in CSV form from r. name labels errors (usually the file name).
func ReadCSV(ctx context.Context, r io.Reader, name string, s Schema) (*frame.Frame, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	sc := newCSVScanner(r)
	header, err := readHeader(sc, name)
	if err != nil {
		return nil, err
	}
	roles, err := csvRoles(name, header, s)
	if err != nil {
		return nil, err
	}
	b := newBuilder(name, s)
	for {
		if b.rows%ctxCheckRows == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		err := sc.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvSyntax(name, b.rows+1, sc, err)
		}
		if sc.fields() != len(header) {
			return nil, &Error{File: name, Row: b.rows + 1, Line: sc.start, Kind: ErrRaggedRow,
				Detail: fmt.Sprintf("%d fields, the header has %d", sc.fields(), len(header))}
		}
		if err := b.addCSV(sc, roles); err != nil {
			return nil, err
		}
	}
	return b.frame()
}

func csvSyntax(name string, row int, sc *csvScanner, err error) error {
	if errors.Is(err, errUnterminated) || errors.Is(err, errAfterQuote) {
		return &Error{File: name, Row: row, Line: sc.start, Kind: ErrSyntax, Detail: err.Error()}
	}
	return fmt.Errorf("table: reading %s: %w", name, err)
}

// readHeader reads the header record and returns the column names.
func readHeader(sc *csvScanner, name string) ([]string, error) {
	err := sc.next()
	if errors.Is(err, io.EOF) {
		return nil, &Error{File: name, Kind: ErrSyntax, Detail: "empty file (no header)"}
	}
	if err != nil {
		return nil, csvSyntax(name, 0, sc, err)
	}
	header := make([]string, sc.fields())
	for i := range header {
		header[i] = string(bytes.TrimSpace(sc.field(i)))
	}
	return header, nil
}

// csvRoles maps the schema's columns to header fields.
func csvRoles(name string, header []string, s Schema) ([]csvRole, error) {
	pos := make(map[string]int, len(header))
	for i, h := range header {
		if _, dup := pos[h]; dup {
			pos[h] = -1
		} else {
			pos[h] = i
		}
	}
	find := func(col string) (int, error) {
		i, ok := pos[col]
		if !ok {
			return 0, missingColumn(name, col, header)
		}
		if i < 0 {
			return 0, &Error{File: name, Line: 1, Column: col, Kind: ErrSyntax, Detail: "column appears twice in the header"}
		}
		return i, nil
	}
	roles := make([]csvRole, 0, 1+len(s.Numeric)+len(s.Categorical))
	i, err := find(s.ID)
	if err != nil {
		return nil, err
	}
	roles = append(roles, csvRole{field: i, kind: roleID})
	for j, c := range s.Numeric {
		if i, err = find(c); err != nil {
			return nil, err
		}
		roles = append(roles, csvRole{field: i, kind: roleNum, index: j})
	}
	for q, c := range s.Categorical {
		if i, err = find(c); err != nil {
			return nil, err
		}
		roles = append(roles, csvRole{field: i, kind: roleCat, index: q})
	}
	return roles, nil
}

func missingColumn(name, col string, available []string) error {
	const show = 30
	list := available
	more := ""
	if len(list) > show {
		list, more = list[:show], fmt.Sprintf(" and %d more", len(available)-show)
	}
	return &Error{File: name, Column: col, Kind: ErrNoColumn,
		Detail: fmt.Sprintf("column not found; available: %s%s", strings.Join(list, ", "), more)}
}

// addCSV converts the fields of the scanner's current record.
func (b *builder) addCSV(sc *csvScanner, roles []csvRole) error {
	row := b.rows + 1
	for _, r := range roles {
		cell := sc.field(r.field)
		switch r.kind {
		case roleID:
			if isMissing(cell) {
				return &Error{File: b.file, Row: row, Line: sc.start, Column: b.schema.ID, Kind: ErrMissingID}
			}
			b.ids.add(cell)
		case roleNum:
			v, err := parseNumber(cell)
			if err != nil {
				return &Error{File: b.file, Row: row, Line: sc.start, Column: b.schema.Numeric[r.index],
					Kind: ErrBadNumber, Detail: "value " + quoteCell(cell) + " is not a number"}
			}
			b.num[r.index].add(v)
		case roleCat:
			d := &b.cat[r.index]
			if isMissing(cell) {
				d.col.add(frame.Missing)
			} else {
				d.col.add(d.code(cell))
			}
		}
	}
	b.rows++
	return nil
}

// parseNumber parses a numeric cell: surrounding spaces are ignored; a missing marker gives
// NaN; out-of-range values give ±Inf (which the preprocessor rejects with its own message).
func parseNumber(cell []byte) (float64, error) {
	cell = bytes.TrimSpace(cell)
	if isMissingNumber(cell) {
		return nan, nil
	}
	v, err := strconv.ParseFloat(string(cell), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, err
	}
	return v, nil
}
