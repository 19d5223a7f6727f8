package statestore

import (
	"encoding/binary"
	"fmt"
	"math"
	"unicode/utf8"
	"unsafe"
)

// Value encoding. Every value starts with a format byte so the layout can evolve; a value
// that does not decode is ErrCorrupt, never a panic.
//
// Record (format 2, written since the string dictionary; format 1 is still read):
//
//	u8 format=2 | uvarint flags (1 = HasSequence) | varint DeletedAt | uvarint Revision
//	| string StoreID | varint UpdatedAt | dstring Source | [varint Sequence]
//	| uvarint len(Num) | { dstring Name | u8 Missing | [f64le Value] | uvarint UpdatedAt-EventTime }
//	| uvarint len(Cat) | { dstring Name | u8 Missing | [dstring Value] | uvarint UpdatedAt-EventTime }
//
// Strings are uvarint length + bytes. A dstring is uvarint 0 + a string, or uvarint id+1 for
// the string with that id in the store's dictionary (dict.go). Format 1 has a string where
// format 2 has a dstring. Event times are stored as their distance below UpdatedAt, which
// is small and so short. Emission (format 1):
//
//	u8 format=1 | uvarint Revision | string ModelVersion | varint SegmentID | u8 Acked
//
// Offset: 8-byte big-endian Next.
const (
	formatV1    = 1
	formatV2    = 2
	flagHasSeq  = 1
	maxFeatures = 1 << 20
)

func appendUvarint(dst []byte, v uint64) []byte { return binary.AppendUvarint(dst, v) }
func appendVarint(dst []byte, v int64) []byte   { return binary.AppendVarint(dst, v) }
func appendStr(dst []byte, s string) []byte {
	return append(binary.AppendUvarint(dst, uint64(len(s))), s...)
}

// appendDictStr appends v as a dstring: its id in snap when it has one, else inline.
func appendDictStr(dst []byte, v string, snap *dictSnap) []byte {
	if id, ok := snap.ids[v]; ok {
		return appendUvarint(dst, uint64(id)+1)
	}
	return appendStr(append(dst, 0), v)
}

// encodeRecord appends rec in format 2, with the ids snap has (nil: every string inline).
func encodeRecord(dst []byte, rec *Record, snap *dictSnap) []byte {
	if snap == nil {
		snap = &dictSnap{}
	}
	s := &rec.State
	var flags uint64
	if s.HasSequence {
		flags |= flagHasSeq
	}
	dst = append(dst, formatV2)
	dst = appendUvarint(dst, flags)
	dst = appendVarint(dst, rec.DeletedAt)
	dst = appendUvarint(dst, rec.Revision)
	dst = appendStr(dst, s.StoreID)
	dst = appendVarint(dst, s.UpdatedAt)
	dst = appendDictStr(dst, s.Source, snap)
	if s.HasSequence {
		dst = appendVarint(dst, s.Sequence)
	}
	dst = appendUvarint(dst, uint64(len(s.Num)))
	for _, f := range s.Num {
		dst = appendDictStr(dst, f.Name, snap)
		if f.Missing {
			dst = append(dst, 1)
		} else {
			dst = binary.LittleEndian.AppendUint64(append(dst, 0), math.Float64bits(f.Value))
		}
		dst = appendUvarint(dst, uint64(s.UpdatedAt-f.EventTime))
	}
	dst = appendUvarint(dst, uint64(len(s.Cat)))
	for _, f := range s.Cat {
		dst = appendDictStr(dst, f.Name, snap)
		if f.Missing {
			dst = append(dst, 1)
		} else {
			dst = appendDictStr(append(dst, 0), f.Value, snap)
		}
		dst = appendUvarint(dst, uint64(s.UpdatedAt-f.EventTime))
	}
	return dst
}

// decoder reads a value; the first error sticks.
type decoder struct {
	buf  []byte
	off  int
	err  error
	strs string    // one copy of buf, which decoded strings are substrings of
	dict *dictSnap // for format 2's dstrings
	v2   bool      // the record is in format 2
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s at byte %d", ErrCorrupt, what, d.off)
	}
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.buf[d.off:])
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.off += n
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.buf[d.off:])
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.off += n
	return v
}

func (d *decoder) byte() byte {
	if d.err != nil {
		return 0
	}
	if d.off >= len(d.buf) {
		d.fail("truncated")
		return 0
	}
	d.off++
	return d.buf[d.off-1]
}

func (d *decoder) flag() bool {
	switch d.byte() {
	case 0:
		return false
	case 1:
		return true
	}
	d.fail("bad flag")
	return false
}

func (d *decoder) f64() float64 {
	if d.err == nil && len(d.buf)-d.off < 8 {
		d.fail("truncated")
	}
	if d.err != nil {
		return 0
	}
	d.off += 8
	return math.Float64frombits(binary.LittleEndian.Uint64(d.buf[d.off-8:]))
}

func (d *decoder) str() string {
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.buf)-d.off) {
		d.fail("bad string length")
	}
	if d.err != nil || n == 0 {
		return ""
	}
	if d.strs == "" {
		d.strs = string(d.buf)
	}
	s := d.strs[d.off : d.off+int(n)]
	if !utf8.ValidString(s) {
		d.fail("invalid UTF-8")
		return ""
	}
	d.off += int(n)
	return s
}

// dstr reads a dstring in format 2, a string in format 1.
func (d *decoder) dstr() string {
	if !d.v2 {
		return d.str()
	}
	tag := d.uvarint()
	if d.err != nil {
		return ""
	}
	if tag == 0 {
		return d.str()
	}
	if tag-1 >= uint64(len(d.dict.strs)) {
		d.fail("unknown dictionary id")
		return ""
	}
	return d.dict.strs[tag-1]
}

// count reads a list length, bounded by the bytes left (every item takes at least two).
func (d *decoder) count() int {
	n := d.uvarint()
	if d.err == nil && (n > maxFeatures || n > uint64(len(d.buf)-d.off)/2) {
		d.fail("bad count")
	}
	if d.err != nil {
		return 0
	}
	return int(n)
}

func (d *decoder) done() error {
	if d.err == nil && d.off != len(d.buf) {
		d.fail("trailing bytes")
	}
	return d.err
}

// decodeRecord decodes a record of either format; snap resolves format 2's ids (nil: none).
func decodeRecord(buf []byte, snap *dictSnap) (Record, error) {
	return decodeRecordFrom(decoder{buf: buf, dict: snap})
}

// decodeRecordString decodes a record held in an immutable string; its strings share the
// string's memory (or the dictionary's) instead of copying it.
func decodeRecordString(val string, snap *dictSnap) (Record, error) {
	if val == "" {
		return decodeRecord(nil, snap)
	}
	// The bytes are only read, and strs keeps val alive.
	return decodeRecordFrom(decoder{buf: unsafe.Slice(unsafe.StringData(val), len(val)), strs: val, dict: snap})
}

func decodeRecordFrom(d decoder) (Record, error) {
	switch f := d.byte(); {
	case d.err != nil:
	case f == formatV2:
		d.v2 = true
		if d.dict == nil {
			d.dict = &dictSnap{}
		}
	case f != formatV1:
		return Record{}, fmt.Errorf("%w: unknown format %d", ErrCorrupt, f)
	}
	var rec Record
	flags := d.uvarint()
	rec.DeletedAt = d.varint()
	rec.Revision = d.uvarint()
	s := &rec.State
	s.StoreID = d.str()
	s.UpdatedAt = d.varint()
	s.Source = d.dstr()
	if flags&flagHasSeq != 0 {
		s.Sequence, s.HasSequence = d.varint(), true
	}
	if n := d.count(); n > 0 {
		s.Num = make([]NumFeature, n)
		for i := range s.Num {
			f := &s.Num[i]
			f.Name, f.Missing = d.dstr(), d.flag()
			if !f.Missing {
				f.Value = d.f64()
			}
			f.EventTime = s.UpdatedAt - int64(d.uvarint())
		}
	}
	if n := d.count(); n > 0 {
		s.Cat = make([]CatFeature, n)
		for i := range s.Cat {
			f := &s.Cat[i]
			f.Name, f.Missing = d.dstr(), d.flag()
			if !f.Missing {
				f.Value = d.dstr()
			}
			f.EventTime = s.UpdatedAt - int64(d.uvarint())
		}
	}
	if flags&^flagHasSeq != 0 {
		d.fail("unknown flags")
	}
	if d.err == nil && (!strictlySorted(s.Num, func(f NumFeature) string { return f.Name }) ||
		!strictlySorted(s.Cat, func(f CatFeature) string { return f.Name })) {
		d.fail("features not sorted")
	}
	return rec, d.done()
}

func encodeEmission(dst []byte, e *Emission) []byte {
	dst = append(dst, formatV1)
	dst = appendUvarint(dst, e.Revision)
	dst = appendStr(dst, e.ModelVersion)
	dst = appendVarint(dst, int64(e.SegmentID))
	if e.Acked {
		return append(dst, 1)
	}
	return append(dst, 0)
}

func decodeEmission(storeID string, buf []byte) (Emission, error) {
	d := decoder{buf: buf}
	if f := d.byte(); d.err == nil && f != formatV1 {
		return Emission{}, fmt.Errorf("%w: unknown emission format %d", ErrCorrupt, f)
	}
	e := Emission{StoreID: storeID, Revision: d.uvarint(), ModelVersion: d.str()}
	seg := d.varint()
	if seg < math.MinInt32 || seg > math.MaxInt32 {
		d.fail("segment id out of range")
	}
	e.SegmentID, e.Acked = int32(seg), d.flag()
	return e, d.done()
}

func strictlySorted[T any](s []T, name func(T) string) bool {
	for i := 1; i < len(s); i++ {
		if name(s[i-1]) >= name(s[i]) {
			return false
		}
	}
	return true
}
