// Package npz reads and writes the language-neutral container every model part is stored in:
// a zip archive of NumPy .npy arrays (format 1.0, little-endian) and JSON documents.
//
// Python reads a part with numpy.load("famd_model.npz") for the arrays and zipfile + json for
// the metadata, so a bundle written by Go can be inspected, checked or used outside Go.
//
// Writing is deterministic: entries keep the order they were written in, every entry carries
// the same fixed modification time, and arrays are stored uncompressed (float arrays barely
// compress and storing them keeps loading fast). The same model therefore always gives the same
// bytes, which golden tests rely on.
//
// Reading never panics on corrupt input: a truncated archive, an array whose header disagrees
// with its length, or a missing entry is an error naming the entry.
package npz

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// ErrMissing reports an entry the reader was asked for that the archive does not hold.
var ErrMissing = errors.New("npz: entry not found")

// epoch is the modification time written on every entry, for reproducible bytes.
var epoch = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// maxEntry bounds how large a single entry may claim to be (4 GiB), so a tampered header
// cannot make the reader allocate without limit.
const maxEntry = 4 << 30

// Writer writes a container. Call Close to finish it.
type Writer struct {
	zw  *zip.Writer
	err error
}

// NewWriter returns a Writer that writes the archive to w.
func NewWriter(w io.Writer) *Writer { return &Writer{zw: zip.NewWriter(w)} }

func (w *Writer) create(name string, method uint16) io.Writer {
	if w.err != nil {
		return nil
	}
	fw, err := w.zw.CreateHeader(&zip.FileHeader{Name: name, Method: method, Modified: epoch})
	if err != nil {
		w.err = fmt.Errorf("npz: creating %s: %w", name, err)
		return nil
	}
	return fw
}

// JSON writes v as the JSON document name+".json".
func (w *Writer) JSON(name string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("npz: encoding %s: %w", name, err)
	}
	fw := w.create(name+".json", zip.Deflate)
	if fw == nil {
		return w.err
	}
	if _, err := fw.Write(b); err != nil {
		w.err = fmt.Errorf("npz: writing %s: %w", name, err)
	}
	return w.err
}

// Float64s writes data as the float64 array name+".npy" with the given shape (nil means a
// one-dimensional array of len(data)).
func (w *Writer) Float64s(name string, shape []int, data []float64) error {
	return writeArray(w, name, "<f8", shape, len(data), 8, func(b []byte, i int) {
		binary.LittleEndian.PutUint64(b, math.Float64bits(data[i]))
	})
}

// Float32s writes data as a float32 array.
func (w *Writer) Float32s(name string, shape []int, data []float32) error {
	return writeArray(w, name, "<f4", shape, len(data), 4, func(b []byte, i int) {
		binary.LittleEndian.PutUint32(b, math.Float32bits(data[i]))
	})
}

// Int32s writes data as an int32 array.
func (w *Writer) Int32s(name string, shape []int, data []int32) error {
	return writeArray(w, name, "<i4", shape, len(data), 4, func(b []byte, i int) {
		binary.LittleEndian.PutUint32(b, uint32(data[i]))
	})
}

// Int64s writes data as an int64 array.
func (w *Writer) Int64s(name string, shape []int, data []int64) error {
	return writeArray(w, name, "<i8", shape, len(data), 8, func(b []byte, i int) {
		binary.LittleEndian.PutUint64(b, uint64(data[i]))
	})
}

// Strings writes data as a fixed-width byte-string array (NumPy dtype |S<width>, UTF-8),
// which numpy.load returns as a bytes array. NumPy strips trailing NUL bytes, so a string
// ending in NUL cannot round-trip and is rejected.
func (w *Writer) Strings(name string, data []string) error {
	width := 1
	for i, s := range data {
		if strings.HasSuffix(s, "\x00") {
			return fmt.Errorf("npz: %s[%d]: string ends in a NUL byte", name, i)
		}
		width = max(width, len(s))
	}
	return writeArray(w, name, "|S"+strconv.Itoa(width), nil, len(data), width, func(b []byte, i int) {
		n := copy(b[:width], data[i])
		clear(b[n:width])
	})
}

func writeArray(w *Writer, name, descr string, shape []int, n, size int, put func([]byte, int)) error {
	if shape == nil {
		shape = []int{n}
	}
	if prod(shape) != n {
		panic(fmt.Sprintf("npz: %s: shape %v does not hold %d values", name, shape, n))
	}
	fw := w.create(name+".npy", zip.Store)
	if fw == nil {
		return w.err
	}
	if _, err := fw.Write(header(descr, shape)); err != nil {
		w.err = fmt.Errorf("npz: writing %s: %w", name, err)
		return w.err
	}
	const chunk = 8192
	buf := make([]byte, chunk*size)
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		for i := lo; i < hi; i++ {
			put(buf[(i-lo)*size:], i)
		}
		if _, err := fw.Write(buf[:(hi-lo)*size]); err != nil {
			w.err = fmt.Errorf("npz: writing %s: %w", name, err)
			return w.err
		}
	}
	return nil
}

// Close finishes the archive. It does not close the underlying writer.
func (w *Writer) Close() error {
	if err := w.zw.Close(); err != nil && w.err == nil {
		w.err = fmt.Errorf("npz: closing: %w", err)
	}
	return w.err
}

func prod(shape []int) int {
	p := 1
	for _, s := range shape {
		p *= s
	}
	return p
}

// header returns the .npy 1.0 preamble: magic, version, header length and a Python dict
// literal padded with spaces so the data starts on a 64-byte boundary.
func header(descr string, shape []int) []byte {
	var sb strings.Builder
	sb.WriteString("{'descr': '" + descr + "', 'fortran_order': False, 'shape': (")
	for i, s := range shape {
		sb.WriteString(strconv.Itoa(s))
		if i < len(shape)-1 || len(shape) == 1 {
			sb.WriteString(",")
		}
		if i < len(shape)-1 {
			sb.WriteString(" ")
		}
	}
	sb.WriteString("), }")
	h := sb.String()
	total := 10 + len(h) + 1
	pad := (64 - total%64) % 64
	h += strings.Repeat(" ", pad) + "\n"
	out := make([]byte, 10, 10+len(h))
	copy(out, "\x93NUMPY\x01\x00")
	binary.LittleEndian.PutUint16(out[8:], uint16(len(h)))
	return append(out, h...)
}

// Reader reads a container held in memory.
type Reader struct {
	size  int
	files map[string]*zip.File
	names []string
}

// NewReader opens the archive in data.
func NewReader(data []byte) (*Reader, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("npz: opening archive: %w", err)
	}
	r := &Reader{size: len(data), files: make(map[string]*zip.File, len(zr.File))}
	for _, f := range zr.File {
		r.files[f.Name] = f
		r.names = append(r.names, f.Name)
	}
	return r, nil
}

// Names returns the entry names in archive order.
func (r *Reader) Names() []string { return append([]string(nil), r.names...) }

// Has reports whether the archive holds the array or document name (without extension).
func (r *Reader) Has(name string) bool {
	_, a := r.files[name+".npy"]
	_, j := r.files[name+".json"]
	return a || j
}

func (r *Reader) read(file string) ([]byte, error) {
	f, ok := r.files[file]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrMissing, file)
	}
	if f.UncompressedSize64 > maxEntry {
		return nil, fmt.Errorf("npz: %s: entry of %d bytes is too large", file, f.UncompressedSize64)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("npz: opening %s: %w", file, err)
	}
	defer rc.Close()
	// Trust the declared size only as far as the archive could hold it (stored arrays fit
	// exactly; compressed documents grow as they are read).
	b := make([]byte, 0, min(f.UncompressedSize64, uint64(r.size)))
	b, err = readAll(rc, b)
	if err != nil {
		return nil, fmt.Errorf("npz: reading %s: %w", file, err)
	}
	return b, nil
}

func readAll(r io.Reader, b []byte) ([]byte, error) {
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// JSON decodes the document name+".json" into v, rejecting unknown fields.
func (r *Reader) JSON(name string, v any) error {
	b, err := r.read(name + ".json")
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("npz: decoding %s.json: %w", name, err)
	}
	return nil
}

// array reads name+".npy", checks its dtype and returns its shape and raw little-endian data.
func (r *Reader) array(name, descr string, size int) ([]int, []byte, error) {
	b, err := r.read(name + ".npy")
	if err != nil {
		return nil, nil, err
	}
	gotDescr, shape, data, err := parse(b)
	if err != nil {
		return nil, nil, fmt.Errorf("npz: %s.npy: %w", name, err)
	}
	if gotDescr != descr {
		return nil, nil, fmt.Errorf("npz: %s.npy: dtype %s, want %s", name, gotDescr, descr)
	}
	if n := prod(shape); n < 0 || n*size != len(data) {
		return nil, nil, fmt.Errorf("npz: %s.npy: shape %v needs %d bytes, have %d", name, shape, n*size, len(data))
	}
	return shape, data, nil
}

// Float64s reads a float64 array and its shape.
func (r *Reader) Float64s(name string) ([]float64, []int, error) {
	shape, b, err := r.array(name, "<f8", 8)
	if err != nil {
		return nil, nil, err
	}
	out := make([]float64, len(b)/8)
	for i := range out {
		out[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return out, shape, nil
}

// Float32s reads a float32 array and its shape.
func (r *Reader) Float32s(name string) ([]float32, []int, error) {
	shape, b, err := r.array(name, "<f4", 4)
	if err != nil {
		return nil, nil, err
	}
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out, shape, nil
}

// Int32s reads an int32 array and its shape.
func (r *Reader) Int32s(name string) ([]int32, []int, error) {
	shape, b, err := r.array(name, "<i4", 4)
	if err != nil {
		return nil, nil, err
	}
	out := make([]int32, len(b)/4)
	for i := range out {
		out[i] = int32(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out, shape, nil
}

// Strings reads a byte-string array written by Strings (or NumPy's |S dtype).
func (r *Reader) Strings(name string) ([]string, error) {
	b, err := r.read(name + ".npy")
	if err != nil {
		return nil, err
	}
	descr, shape, data, err := parse(b)
	if err != nil {
		return nil, fmt.Errorf("npz: %s.npy: %w", name, err)
	}
	width, err := strconv.Atoi(strings.TrimPrefix(descr, "|S"))
	if !strings.HasPrefix(descr, "|S") || err != nil || width <= 0 {
		return nil, fmt.Errorf("npz: %s.npy: dtype %s, want |S<width>", name, descr)
	}
	if len(shape) != 1 || shape[0] > len(data)/width || shape[0]*width != len(data) {
		return nil, fmt.Errorf("npz: %s.npy: shape %v of width %d does not match %d bytes", name, shape, width, len(data))
	}
	out := make([]string, shape[0])
	for i := range out {
		out[i] = string(bytes.TrimRight(data[i*width:(i+1)*width], "\x00"))
	}
	return out, nil
}

// Int64s reads an int64 array and its shape.
func (r *Reader) Int64s(name string) ([]int64, []int, error) {
	shape, b, err := r.array(name, "<i8", 8)
	if err != nil {
		return nil, nil, err
	}
	out := make([]int64, len(b)/8)
	for i := range out {
		out[i] = int64(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return out, shape, nil
}

// parse splits a .npy file into dtype, shape and data. It accepts versions 1.0 to 3.0 and
// C-ordered arrays only.
func parse(b []byte) (descr string, shape []int, data []byte, err error) {
	if len(b) < 10 || string(b[:6]) != "\x93NUMPY" {
		return "", nil, nil, errors.New("not a .npy array")
	}
	var hlen, start int
	switch b[6] {
	case 1:
		hlen, start = int(binary.LittleEndian.Uint16(b[8:])), 10
	case 2, 3:
		if len(b) < 12 {
			return "", nil, nil, errors.New("truncated header")
		}
		hlen, start = int(binary.LittleEndian.Uint32(b[8:])), 12
	default:
		return "", nil, nil, fmt.Errorf("unsupported .npy version %d", b[6])
	}
	if hlen < 0 || start+hlen > len(b) {
		return "", nil, nil, errors.New("truncated header")
	}
	h := string(b[start : start+hlen])
	descr, err = dictString(h, "descr")
	if err != nil {
		return "", nil, nil, err
	}
	if strings.Contains(h, "'fortran_order': True") {
		return "", nil, nil, errors.New("fortran-ordered arrays are not supported")
	}
	shape, err = dictShape(h)
	if err != nil {
		return "", nil, nil, err
	}
	return descr, shape, b[start+hlen:], nil
}

func dictString(h, key string) (string, error) {
	i := strings.Index(h, "'"+key+"':")
	if i < 0 {
		return "", fmt.Errorf("header lacks %s", key)
	}
	rest := strings.TrimLeft(h[i+len(key)+3:], " ")
	if len(rest) == 0 || rest[0] != '\'' {
		return "", fmt.Errorf("header %s is not a string", key)
	}
	j := strings.IndexByte(rest[1:], '\'')
	if j < 0 {
		return "", fmt.Errorf("header %s is not terminated", key)
	}
	return rest[1 : 1+j], nil
}

func dictShape(h string) ([]int, error) {
	i := strings.Index(h, "'shape':")
	if i < 0 {
		return nil, errors.New("header lacks shape")
	}
	rest := h[i+len("'shape':"):]
	lo, hi := strings.IndexByte(rest, '('), strings.IndexByte(rest, ')')
	if lo < 0 || hi < lo {
		return nil, errors.New("header shape is not a tuple")
	}
	shape, total := []int{}, 1
	for _, f := range strings.Split(rest[lo+1:hi], ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		v, err := strconv.Atoi(f)
		if err != nil || v < 0 {
			return nil, fmt.Errorf("header shape has bad dimension %q", f)
		}
		if v > 0 && total > maxEntry/v {
			return nil, fmt.Errorf("header shape is too large")
		}
		total *= max(v, 1)
		shape = append(shape, v)
	}
	return shape, nil
}
