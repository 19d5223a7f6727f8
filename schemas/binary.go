package schemas

import (
	"encoding/binary"
	"math"
	"unicode/utf8"
)

// This file holds the Avro binary encoding of primitive values (Avro 1.12 specification,
// "Binary Encoding"): zig-zag varints for int and long, little-endian IEEE 754 for float and
// double, length-prefixed bytes and strings, and block-encoded maps and arrays.

func appendLong(dst []byte, v int64) []byte {
	return binary.AppendUvarint(dst, uint64(v<<1)^uint64(v>>63))
}

func appendInt(dst []byte, v int32) []byte { return appendLong(dst, int64(v)) }

func appendBool(dst []byte, v bool) []byte {
	if v {
		return append(dst, 1)
	}
	return append(dst, 0)
}

func appendDouble(dst []byte, v float64) []byte {
	return binary.LittleEndian.AppendUint64(dst, math.Float64bits(v))
}

func appendString(dst []byte, s string) []byte {
	return append(appendLong(dst, int64(len(s))), s...)
}

func appendBytes(dst []byte, b []byte) []byte {
	return append(appendLong(dst, int64(len(b))), b...)
}

// appendOptString appends a ["null","string"] union: null when ok is false.
func appendOptString(dst []byte, s string, ok bool) []byte {
	if !ok {
		return append(dst, 0)
	}
	return appendString(append(dst, 2), s)
}

// appendOptLong appends a ["null","long"] (or ["null","int"]) union: null when ok is false.
func appendOptLong(dst []byte, v int64, ok bool) []byte {
	if !ok {
		return append(dst, 0)
	}
	return appendLong(append(dst, 2), v)
}

// reader decodes Avro binary values from buf. The first error sticks: later reads return
// zero values, and err says what failed first and where.
type reader struct {
	buf []byte
	off int
	err error
}

func (r *reader) fail(what string) {
	if r.err == nil {
		r.err = malformed(r.off, what)
	}
}

func (r *reader) long() int64 {
	if r.err != nil {
		return 0
	}
	u, n := binary.Uvarint(r.buf[r.off:])
	if n <= 0 {
		r.fail("bad varint")
		return 0
	}
	r.off += n
	return int64(u>>1) ^ -int64(u&1)
}

func (r *reader) int() int32 {
	v := r.long()
	if v < math.MinInt32 || v > math.MaxInt32 {
		r.fail("int out of range")
		return 0
	}
	return int32(v)
}

func (r *reader) boolean() bool {
	b := r.take(1)
	if b == nil {
		return false
	}
	if b[0] > 1 {
		r.off--
		r.fail("bad boolean")
		return false
	}
	return b[0] == 1
}

func (r *reader) double() float64 {
	b := r.take(8)
	if b == nil {
		return 0
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(b))
}

func (r *reader) float() float32 {
	b := r.take(4)
	if b == nil {
		return 0
	}
	return math.Float32frombits(binary.LittleEndian.Uint32(b))
}

// take returns the next n bytes of buf (aliasing it), or nil after an error.
func (r *reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.buf)-r.off {
		r.fail("truncated data")
		return nil
	}
	b := r.buf[r.off : r.off+n : r.off+n]
	r.off += n
	return b
}

// rawBytes returns the next length-prefixed bytes, aliasing buf.
func (r *reader) rawBytes() []byte {
	n := r.long()
	if r.err == nil && (n < 0 || n > int64(len(r.buf)-r.off)) {
		r.fail("bad length")
		return nil
	}
	return r.take(int(n))
}

// bytes returns a copy of the next length-prefixed bytes.
func (r *reader) bytes() []byte {
	b := r.rawBytes()
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}

// str returns the next string as a new Go string; it must be valid UTF-8.
func (r *reader) str() string {
	start := r.off
	b := r.rawBytes()
	if b == nil {
		return ""
	}
	if !utf8.Valid(b) {
		r.off = start
		r.fail("invalid UTF-8 in string")
		return ""
	}
	return string(b)
}

// union reads a union branch index and checks it is below n.
func (r *reader) union(n int) int {
	start := r.off
	i := r.long()
	if r.err == nil && (i < 0 || i >= int64(n)) {
		r.off = start
		r.fail("bad union index")
		return 0
	}
	return int(i)
}

// blockCount reads the item count of the next map or array block, skipping the byte size a
// negative count is followed by. It returns 0 at the end of the map or array.
func (r *reader) blockCount() int {
	n := r.long()
	if n < 0 {
		if n == math.MinInt64 {
			r.fail("bad block count")
			return 0
		}
		n = -n
		if size := r.long(); size < 0 {
			r.fail("bad block size")
			return 0
		}
	}
	// Every item takes at least one byte, which bounds n by what is left.
	if r.err != nil || n > int64(len(r.buf)-r.off) {
		r.fail("bad block count")
		return 0
	}
	return int(n)
}

// done checks that the whole buffer was consumed and returns the first error.
func (r *reader) done() error {
	if r.err == nil && r.off != len(r.buf) {
		r.fail("trailing bytes")
	}
	return r.err
}

// maxZeroSizeBlock bounds the item count of one block of a map or array whose items can take
// no bytes (an array of null), where the remaining input cannot bound it.
const maxZeroSizeBlock = 1 << 10

// blockCountFor is blockCount for items that may take zero bytes when zeroSize is set.
func (r *reader) blockCountFor(zeroSize bool) int {
	if !zeroSize {
		return r.blockCount()
	}
	n := r.long()
	if n < 0 && n != math.MinInt64 {
		n = -n
		if size := r.long(); size < 0 {
			r.fail("bad block size")
			return 0
		}
	}
	if r.err != nil || n < 0 || n > maxZeroSizeBlock {
		r.fail("bad block count")
		return 0
	}
	return int(n)
}
