package table

import (
	"bufio"
	"bytes"
	"compress/flate"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"slices"
	"strconv"

	"github.com/golang/snappy"
	"github.com/linkedin/goavro/v2"

	"github.com/storeseg/storeseg/model/frame"
)

// Limits that keep a damaged or hostile Avro file from exhausting memory or the stack. Real
// files are far inside them. (goavro's own OCF reader sizes maps and slices by counts read
// from the file, up to 2³¹, which a single damaged byte can turn into an out-of-memory kill;
// that is why the framing and the records are read here, with these bounds.)
const (
	avroMaxMetaEntries = 1 << 12  // header metadata entries
	avroMaxMetaBytes   = 64 << 20 // one header metadata key or value (the schema)
	avroMaxBlockBytes  = 1 << 30  // one block, compressed or decompressed
	avroMaxDepth       = 512      // nesting of records, arrays, maps and unions in one value
	avroBufferBytes    = 64 << 10 // read buffer, and the step in which blocks are read
	avroSyncBytes      = 16
)

var avroMagic = []byte{'O', 'b', 'j', 1}

// avroColumn is a field of the file's records that the schema asks for.
type avroColumn struct {
	name  string
	role  uint8
	index int
	text  []byte // scratch for a value as text
}

// ReadAvro reads a store table from an Avro object container file (OCF) with the null,
// deflate or snappy codec. name labels errors.
//
// The file's schema must be a record; each record is a row and each field a column, found by
// its name. A numeric field may be a double, a float, an int or a long. The id and the
// categorical fields may be strings, enums, booleans, ints, longs, floats or doubles (numbers
// and booleans become text the way the Parquet reader formats them). Any of them may be a
// union with null. Null is a missing value, and so is a NaN double; an empty string is a level
// of its own (as in Parquet), but an empty id is a missing id. Fields the schema does not name
// are skipped, whatever their type. Logical types that change a value's meaning (dates, times,
// decimals) are refused in the columns read.
//
// Problems with the schema (a missing field, a type that cannot be read) or with an id
// (missing, duplicate) are [*Error] values naming the file and the column and, for an id, the
// 1-based record number as Row. A damaged file gives an error naming the file, the record and
// the field, never a panic; no count or length read from the file makes the reader allocate
// more than the bytes it then reads (decompressed).
func ReadAvro(ctx context.Context, r io.Reader, name string, s Schema) (f *frame.Frame, err error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	defer func() {
		// Every bound is checked, but a damaged file must never take the process down.
		if p := recover(); p != nil {
			f, err = nil, fmt.Errorf("table: reading %s: corrupt avro file: %v", name, p)
		}
	}()
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, avroBufferBytes)
	}
	h, err := readAvroHeader(br)
	if err != nil {
		return nil, fmt.Errorf("table: opening %s: not a readable avro object container file: %v", name, err)
	}
	top, cols, err := avroColumns(name, h.schema, s)
	if err != nil {
		return nil, err
	}
	b := newBuilder(name, s)
	blocks := &avroBlocks{r: br, codec: h.codec, sync: h.sync}
	for {
		count, data, err := blocks.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, b.corruptAvroFile(err)
		}
		if err := b.addAvroBlock(ctx, count, data, top, cols); err != nil {
			return nil, err
		}
	}
	return b.frame()
}

// addAvroBlock decodes the count records of a block.
func (b *builder) addAvroBlock(ctx context.Context, count int64, data []byte, top *avroType, cols []*avroColumn) error {
	if count > int64(len(data)) && top.width() != 0 {
		return b.corruptAvroFile(fmt.Errorf("block of %d bytes cannot hold %d records", len(data), count))
	}
	d := avroDecoder{buf: data}
	for k := range count {
		if k%ctxCheckRows == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := b.addAvro(&d, top, cols); err != nil {
			return err
		}
	}
	if d.pos != len(data) {
		return b.corruptAvroFile(fmt.Errorf("%d bytes left over in a block", len(data)-d.pos))
	}
	return nil
}

func (b *builder) corruptAvroFile(err error) error {
	return fmt.Errorf("table: reading %s after record %d: corrupt avro file: %v", b.file, b.rows, err)
}

// avroHeader is what the reader needs from an OCF header.
type avroHeader struct {
	codec  string
	schema []byte
	sync   [avroSyncBytes]byte
}

// readAvroHeader reads the header with bounded allocations, then has goavro validate it (the
// schema compiles, the codec is known).
func readAvroHeader(r *bufio.Reader) (*avroHeader, error) {
	rec := &recordingReader{r: r}
	magic, err := readN(rec, nil, len(avroMagic))
	if err != nil || !bytes.Equal(magic, avroMagic) {
		return nil, errors.New("no Avro magic bytes at the start")
	}
	for entries := 0; ; {
		n, err := blockCount(rec)
		if err != nil {
			return nil, fmt.Errorf("metadata: %w", err)
		}
		if n == 0 {
			break
		}
		if entries += int(min(n, avroMaxMetaEntries+1)); entries > avroMaxMetaEntries {
			return nil, fmt.Errorf("metadata has more than %d entries", avroMaxMetaEntries)
		}
		for range 2 * n { // key, value
			size, err := binary.ReadVarint(rec)
			if err != nil || size < 0 || size > avroMaxMetaBytes {
				return nil, fmt.Errorf("metadata: bad length %d (%v)", size, err)
			}
			if _, err := readN(rec, nil, int(size)); err != nil {
				return nil, fmt.Errorf("metadata: %w", err)
			}
		}
	}
	h := &avroHeader{}
	if _, err := io.ReadFull(rec, h.sync[:]); err != nil {
		return nil, fmt.Errorf("sync marker: %w", err)
	}
	ocf, err := goavro.NewOCFReader(bytes.NewReader(rec.buf))
	if err != nil {
		return nil, err
	}
	h.codec, h.schema = ocf.CompressionName(), ocf.MetaData()["avro.schema"]
	return h, nil
}

// blockCount reads the item count of an Avro block (of a map or array, or of the header
// metadata): a negative count is followed by the block's size in bytes.
func blockCount(r io.ByteReader) (int64, error) {
	n, err := binary.ReadVarint(r)
	if err != nil {
		return 0, err
	}
	if n < 0 {
		if n == math.MinInt64 {
			return 0, fmt.Errorf("bad block count %d", n)
		}
		n = -n
		if _, err := binary.ReadVarint(r); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// recordingReader keeps a copy of every byte read through it.
type recordingReader struct {
	r   *bufio.Reader
	buf []byte
}

func (r *recordingReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.buf = append(r.buf, p[:n]...)
	return n, err
}

func (r *recordingReader) ReadByte() (byte, error) {
	c, err := r.r.ReadByte()
	if err == nil {
		r.buf = append(r.buf, c)
	}
	return c, err
}

// readN reads exactly n bytes into dst[:0], growing dst as the bytes arrive, so that a
// damaged length costs no more memory than the bytes actually present.
func readN(r io.Reader, dst []byte, n int) ([]byte, error) {
	dst = dst[:0]
	for len(dst) < n {
		step := min(n-len(dst), avroBufferBytes)
		dst = slices.Grow(dst, step)
		m, err := io.ReadFull(r, dst[len(dst):len(dst)+step])
		dst = dst[:len(dst)+m]
		if err != nil {
			return dst, fmt.Errorf("%d of %d bytes: %w", len(dst), n, io.ErrUnexpectedEOF)
		}
	}
	return dst, nil
}

// avroBlocks reads the data blocks of an OCF, reusing its buffers.
type avroBlocks struct {
	r        *bufio.Reader
	codec    string
	sync     [avroSyncBytes]byte
	raw, out []byte
	inflate  io.ReadCloser
}

// next returns the record count and the decompressed bytes of the next block, or io.EOF at
// the end of the file. The bytes are valid until the next call.
func (a *avroBlocks) next() (int64, []byte, error) {
	count, err := binary.ReadVarint(a.r)
	if errors.Is(err, io.EOF) {
		return 0, nil, io.EOF
	}
	if err != nil || count <= 0 {
		return 0, nil, fmt.Errorf("bad block record count %d (%v)", count, err)
	}
	size, err := binary.ReadVarint(a.r)
	if err != nil || size <= 0 || size > avroMaxBlockBytes {
		return 0, nil, fmt.Errorf("bad block size %d (%v)", size, err)
	}
	if a.raw, err = readN(a.r, a.raw, int(size)); err != nil {
		return 0, nil, fmt.Errorf("block: %w", err)
	}
	data, err := a.decompress()
	if err != nil {
		return 0, nil, err
	}
	var sync [avroSyncBytes]byte
	if _, err := io.ReadFull(a.r, sync[:]); err != nil {
		return 0, nil, fmt.Errorf("sync marker: %w", err)
	}
	if sync != a.sync {
		return 0, nil, errors.New("sync marker does not match the header's")
	}
	return count, data, nil
}

func (a *avroBlocks) decompress() ([]byte, error) {
	switch a.codec {
	case goavro.CompressionNullLabel:
		return a.raw, nil
	case goavro.CompressionDeflateLabel:
		if a.inflate == nil {
			a.inflate = flate.NewReader(bytes.NewReader(a.raw))
		} else if err := a.inflate.(flate.Resetter).Reset(bytes.NewReader(a.raw), nil); err != nil {
			return nil, err
		}
		buf := bytes.NewBuffer(a.out[:0])
		n, err := buf.ReadFrom(io.LimitReader(a.inflate, avroMaxBlockBytes+1))
		if err != nil {
			return nil, fmt.Errorf("deflate: %w", err)
		}
		if n > avroMaxBlockBytes {
			return nil, fmt.Errorf("a block inflates to more than %d bytes", avroMaxBlockBytes)
		}
		a.out = buf.Bytes()
		return a.out, nil
	case goavro.CompressionSnappyLabel:
		if len(a.raw) < 4 {
			return nil, errors.New("snappy block without its checksum")
		}
		src := a.raw[:len(a.raw)-4]
		n, err := snappy.DecodedLen(src)
		if err != nil || n > avroMaxBlockBytes {
			return nil, fmt.Errorf("snappy: bad length %d (%v)", n, err)
		}
		if a.out, err = snappy.Decode(a.out[:cap(a.out)], src); err != nil {
			return nil, fmt.Errorf("snappy: %w", err)
		}
		if crc32.ChecksumIEEE(a.out) != binary.BigEndian.Uint32(a.raw[len(a.raw)-4:]) {
			return nil, errors.New("snappy block checksum mismatch")
		}
		return a.out, nil
	}
	return nil, fmt.Errorf("unsupported codec %q", a.codec)
}

// avroColumns finds the schema's columns among the fields of the file's record schema and
// checks that each can be read in its role. cols[k] is the column of field k, or nil.
func avroColumns(file string, schemaJSON []byte, s Schema) (*avroType, []*avroColumn, error) {
	var raw any
	if err := json.Unmarshal(schemaJSON, &raw); err != nil {
		return nil, nil, fmt.Errorf("table: reading %s: avro schema is not JSON: %v", file, err)
	}
	top, err := avroNames{}.parse(raw, "")
	if err != nil {
		return nil, nil, fmt.Errorf("table: reading %s: avro schema: %w", file, err)
	}
	if top.kind != "record" {
		return nil, nil, &Error{File: file, Kind: ErrUnsupported,
			Detail: "the file holds Avro values of type " + top.String() + ", not records"}
	}
	cols := make([]*avroColumn, len(top.fields))
	names := make([]string, len(top.fields))
	for k, fd := range top.fields {
		names[k] = fd.name
	}
	add := func(col string, role uint8, index int) error {
		k := slices.Index(names, col)
		if k < 0 {
			return missingColumn(file, col, names)
		}
		if detail, kind := top.fields[k].typ.check(role); kind != nil {
			return &Error{File: file, Column: col, Kind: kind, Detail: detail}
		}
		cols[k] = &avroColumn{name: col, role: role, index: index}
		return nil
	}
	if err := add(s.ID, roleID, 0); err != nil {
		return nil, nil, err
	}
	for j, c := range s.Numeric {
		if err := add(c, roleNum, j); err != nil {
			return nil, nil, err
		}
	}
	for q, c := range s.Categorical {
		if err := add(c, roleCat, q); err != nil {
			return nil, nil, err
		}
	}
	return top, cols, nil
}

// addAvro decodes one record: the fields with a column go into the builder, the others are
// skipped.
func (b *builder) addAvro(d *avroDecoder, top *avroType, cols []*avroColumn) error {
	row := b.rows + 1
	for k, fd := range top.fields {
		c := cols[k]
		if c == nil {
			if err := d.skip(fd.typ, 0); err != nil {
				return b.corruptAvro(row, fd.name, err)
			}
			continue
		}
		v, err := d.scalar(fd.typ)
		if err != nil {
			return b.corruptAvro(row, fd.name, err)
		}
		if c.role == roleNum {
			b.num[c.index].add(v.number())
			continue
		}
		t := c.textOf(v)
		switch {
		case c.role == roleID && len(t) == 0:
			return &Error{File: b.file, Row: row, Column: c.name, Kind: ErrMissingID}
		case c.role == roleID:
			b.ids.add(t)
		case t == nil:
			b.cat[c.index].col.add(frame.Missing)
		default:
			d := &b.cat[c.index]
			d.col.add(d.code(t))
		}
	}
	b.rows++
	return nil
}

func (b *builder) corruptAvro(row int, field string, err error) error {
	return fmt.Errorf("table: reading %s: record %d, field %q: corrupt avro data: %w", b.file, row, field, err)
}

// avroScalar is one decoded value of a column: its resolved type (a union's branch) and the
// value. A string aliases the block being decoded.
type avroScalar struct {
	t *avroType
	i int64   // boolean (0 or 1), int, long, enum index
	f float64 // float, double
	s []byte  // string
}

// number converts a value of a numeric column; null is NaN, a missing value.
func (v avroScalar) number() float64 {
	switch v.t.kind {
	case "int", "long":
		return float64(v.i)
	case "float", "double":
		return v.f
	}
	return nan
}

// textOf formats a value as an id or a level, in c's scratch buffer; null gives nil, an
// empty string an empty, non-nil slice.
func (c *avroColumn) textOf(v avroScalar) []byte {
	t := c.text[:0]
	switch v.t.kind {
	case "null":
		return nil
	case "string":
		if v.s == nil {
			return []byte{}
		}
		return v.s
	case "boolean":
		t = strconv.AppendBool(t, v.i == 1)
	case "int", "long":
		t = strconv.AppendInt(t, v.i, 10)
	case "float":
		t = strconv.AppendFloat(t, v.f, 'g', -1, 32)
	case "double":
		t = strconv.AppendFloat(t, v.f, 'g', -1, 64)
	case "enum":
		t = append(t, v.t.symbols[v.i]...)
	}
	c.text = t
	return t
}
