package schemas

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync"
)

// Message framings. A Confluent message is magic byte 0, the 4-byte big-endian Schema
// Registry id of the writer schema and the Avro binary body. An Avro single-object message
// (Avro 1.12 specification, "Single-object encoding") is the marker C3 01, the 8-byte
// little-endian CRC-64-AVRO fingerprint of the writer schema's Parsing Canonical Form and the
// body. Both identify their writer schema, so a [Decoder] accepts either.
const (
	// ConfluentHeaderSize is the size of the Confluent header: magic byte and schema id.
	ConfluentHeaderSize = 5
	// SingleObjectHeaderSize is the size of the single-object header: marker and fingerprint.
	SingleObjectHeaderSize = 10

	confluentMagic  = 0x00
	confluentHeader = ConfluentHeaderSize
	soeHeader       = SingleObjectHeaderSize
)

// SingleObjectHeader returns the single-object header of a schema version: C3 01 and its
// fingerprint.
func SingleObjectHeader(s Schema) [SingleObjectHeaderSize]byte {
	var h [SingleObjectHeaderSize]byte
	h[0], h[1] = 0xC3, 0x01
	binary.LittleEndian.PutUint64(h[2:], s.Fingerprint)
	return h
}

// AppendSingleObject validates rec and appends it in Avro single-object encoding under the
// newest schema version. On error dst is returned unchanged.
func AppendSingleObject(dst []byte, rec Record) ([]byte, error) {
	h := SingleObjectHeader(*latest(rec.AvroName()))
	out, err := AppendBinary(append(dst, h[:]...), rec)
	if err != nil {
		return dst, err
	}
	return out, nil
}

// AppendConfluent validates rec and appends it in the Confluent wire format with the given
// Schema Registry id, which must be the id the newest schema version (SchemaOf(rec).Text)
// is registered under. On error dst is returned unchanged.
func AppendConfluent(dst []byte, schemaID int, rec Record) ([]byte, error) {
	if schemaID < 0 || schemaID > 1<<31-1 {
		return dst, fmt.Errorf("schemas: schema id %d out of range", schemaID)
	}
	out := append(dst, confluentMagic)
	out = binary.BigEndian.AppendUint32(out, uint32(schemaID))
	out, err := AppendBinary(out, rec)
	if err != nil {
		return dst, err
	}
	return out, nil
}

// SchemaSource looks up writer schemas by Confluent Schema Registry id. An id the registry
// does not know must give an error matching [ErrUnknownSchemaID]; any other error is
// treated as transient. registry.Client implements it.
type SchemaSource interface {
	SchemaByID(ctx context.Context, id int) (string, error)
}

// Decoder decodes framed messages into records, resolving the writer schema of each message
// against the newest schema version of the record type (Avro schema resolution), so data
// written with older versions, or with any compatible schema registered by another
// producer, is read correctly. A Decoder caches one compiled resolution per writer schema
// and record type. It is safe for concurrent use.
type Decoder struct {
	src   SchemaSource
	mu    sync.RWMutex
	plans map[planKey]*resolution
	bufs  sync.Pool
}

type planKey struct {
	writer uint64 // fingerprint, or Confluent id when byID
	byID   bool
	record string
}

// resolution is a compiled writer → reader transcoder; run is nil when the writer schema is
// the reader schema, err is set when the two are incompatible.
type resolution struct {
	run step
	err error
}

// NewDecoder returns a Decoder. src resolves Confluent schema ids; with a nil src,
// Confluent-framed messages fail with [ErrUnknownSchemaID].
func NewDecoder(src SchemaSource) *Decoder {
	return &Decoder{src: src, plans: map[planKey]*resolution{}}
}

// Decode decodes msg, in either framing, into rec and validates it. rec does not retain
// msg. Errors for bad input match one of the package's sentinel errors (see [Reason]); an
// error from the SchemaSource other than ErrUnknownSchemaID is returned wrapped as is.
func (d *Decoder) Decode(ctx context.Context, msg []byte, rec Record) error {
	name := rec.AvroName()
	var res *resolution
	var body []byte
	var err error
	switch {
	case len(msg) >= 2 && msg[0] == 0xC3 && msg[1] == 0x01:
		if len(msg) < soeHeader {
			return fmt.Errorf("%w: single-object header truncated", ErrBadHeader)
		}
		body = msg[soeHeader:]
		res, err = d.byFingerprint(binary.LittleEndian.Uint64(msg[2:soeHeader]), name)
	case len(msg) >= 1 && msg[0] == confluentMagic:
		if len(msg) < confluentHeader {
			return fmt.Errorf("%w: confluent header truncated", ErrBadHeader)
		}
		body = msg[confluentHeader:]
		res, err = d.byID(ctx, int(binary.BigEndian.Uint32(msg[1:confluentHeader])), name)
	default:
		return fmt.Errorf("%w: neither magic byte 0 nor marker C3 01", ErrBadHeader)
	}
	if err != nil {
		return err
	}
	if res.err != nil {
		return res.err
	}
	if res.run == nil {
		return DecodeBinary(body, rec)
	}
	return d.transcode(res.run, body, rec)
}

func (d *Decoder) transcode(run step, body []byte, rec Record) error {
	bp, _ := d.bufs.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	defer d.bufs.Put(bp)
	r := reader{buf: body}
	*bp = run(&r, (*bp)[:0])
	if err := r.done(); err != nil {
		return fmt.Errorf("decoding %s: %w", rec.AvroName(), err)
	}
	return DecodeBinary(*bp, rec)
}

func (d *Decoder) cached(k planKey) *resolution {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.plans[k]
}

func (d *Decoder) store(k planKey, res *resolution) *resolution {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.plans[k] = res
	return res
}

func (d *Decoder) byFingerprint(fp uint64, name string) (*resolution, error) {
	k := planKey{writer: fp, record: name}
	if res := d.cached(k); res != nil {
		return res, nil
	}
	w, ok := loadCatalog().byFP[fp]
	if !ok {
		return nil, fmt.Errorf("%w: %016x", ErrUnknownFingerprint, fp)
	}
	return d.store(k, resolve(latest(name), w.tree, w.Fingerprint)), nil
}

func (d *Decoder) byID(ctx context.Context, id int, name string) (*resolution, error) {
	k := planKey{writer: uint64(id), byID: true, record: name}
	if res := d.cached(k); res != nil {
		return res, nil
	}
	if d.src == nil {
		return nil, fmt.Errorf("%w: %d (no schema registry configured)", ErrUnknownSchemaID, id)
	}
	text, err := d.src.SchemaByID(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("looking up schema id %d: %w", id, err)
	}
	tree, err := parseSchema(text)
	if err != nil {
		return d.store(k, &resolution{err: &IncompatibleError{Path: fmt.Sprintf("schema id %d", id), Reason: "unparsable writer schema: " + err.Error()}}), nil
	}
	return d.store(k, resolve(latest(name), tree, fingerprint64(canonicalForm(tree)))), nil
}

// resolve compiles the resolution of a writer schema against the reader schema.
func resolve(rd *Schema, writer *node, fp uint64) *resolution {
	if fp == rd.Fingerprint {
		return &resolution{}
	}
	run, err := compile(rd.tree, writer)
	if err != nil {
		return &resolution{err: err}
	}
	return &resolution{run: run}
}
