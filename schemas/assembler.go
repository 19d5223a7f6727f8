package schemas

import (
	"bytes"
	"crypto/sha256"
	"fmt"
)

func (a *Assembler) entry(id string) *pendingBundle {
	p := a.pending[id]
	if p == nil {
		p = &pendingBundle{chunks: map[int][]byte{}}
		a.pending[id] = p
	}
	a.clock++
	p.seen = a.clock
	return p
}

func (a *Assembler) addManifest(k ModelKey, m *ModelPublished) (*Bundle, error) {
	const rec = "ModelPublished"
	if m.ModelName != k.Model {
		return nil, &FieldError{Record: rec, Field: "model_name", Reason: fmt.Sprintf("%q does not match key model %q", m.ModelName, k.Model)}
	}
	if m.BundleSize > a.cfg.MaxBundleSize {
		return nil, &FieldError{Record: rec, Field: "bundle_size", Reason: fmt.Sprintf("%d bytes exceeds the limit of %d", m.BundleSize, a.cfg.MaxBundleSize)}
	}
	// A newer manifest supersedes every other version of the model: compaction keeps only
	// it. A repeated manifest of the same version keeps the chunks gathered so far.
	for id, p := range a.pending {
		if p.manifest != nil && p.manifest.ModelName == m.ModelName && p.manifest.ModelVersion != m.ModelVersion {
			a.drop(id)
		}
	}
	if m.Bundle != nil {
		return &Bundle{Manifest: *m, Data: m.Bundle}, nil
	}
	id := m.ModelName + "/" + m.ModelVersion
	p := a.entry(id)
	p.manifest = m
	for i, data := range p.chunks {
		if i >= len(m.ChunkSHA256) || sha256.Sum256(data) != m.ChunkSHA256[i] {
			a.dropChunk(id, i) // a stale chunk: it will not complete this bundle
		}
	}
	return a.complete(id)
}

func (a *Assembler) addChunk(id string, c *ModelChunk) (*Bundle, error) {
	p := a.entry(id)
	i := int(c.Index)
	if m := p.manifest; m != nil && (int(c.Count) != len(m.ChunkSHA256) || c.SHA256 != m.ChunkSHA256[min(i, len(m.ChunkSHA256)-1)]) {
		return nil, &FieldError{Record: "ModelChunk", Field: "sha256", Reason: fmt.Sprintf("chunk %s does not match its manifest", c.Key())}
	}
	a.dropChunk(id, i)
	p = a.entry(id)
	p.chunks[i] = c.Data
	p.bytes += int64(len(c.Data))
	a.held += int64(len(c.Data))
	a.evict()
	return a.complete(id)
}

// complete returns the bundle of id when its manifest and every chunk are present.
func (a *Assembler) complete(id string) (*Bundle, error) {
	p := a.pending[id]
	if p == nil || p.manifest == nil || len(p.chunks) < len(p.manifest.ChunkSHA256) {
		return nil, nil
	}
	m := p.manifest
	a.drop(id)
	var buf bytes.Buffer
	buf.Grow(int(m.BundleSize))
	for i := range m.ChunkSHA256 {
		buf.Write(p.chunks[i])
	}
	data := buf.Bytes()
	if int64(len(data)) != m.BundleSize {
		return nil, &FieldError{Record: "ModelPublished", Field: "bundle_size", Reason: fmt.Sprintf("chunks add up to %d bytes, manifest says %d", len(data), m.BundleSize)}
	}
	if sha256.Sum256(data) != m.BundleSHA256 {
		return nil, &FieldError{Record: "ModelPublished", Field: "bundle_sha256", Reason: "does not match the reassembled bundle"}
	}
	return &Bundle{Manifest: *m, Data: data}, nil
}

// evict drops the least recently touched incomplete bundles while the chunks held exceed
// the limit. Since MaxPendingBytes >= MaxBundleSize, a bundle that is dropped last could
// not have been valid.
func (a *Assembler) evict() {
	for a.held > a.cfg.MaxPendingBytes {
		oldest, at := "", int64(-1)
		for id, p := range a.pending {
			if at < 0 || p.seen < at {
				oldest, at = id, p.seen
			}
		}
		if oldest == "" {
			return
		}
		a.drop(oldest)
	}
}

func (a *Assembler) dropChunk(id string, i int) {
	p := a.pending[id]
	if p == nil {
		return
	}
	if data, ok := p.chunks[i]; ok {
		delete(p.chunks, i)
		p.bytes -= int64(len(data))
		a.held -= int64(len(data))
	}
	if len(p.chunks) == 0 && p.manifest == nil {
		delete(a.pending, id)
	}
}

func (a *Assembler) drop(id string) {
	if p := a.pending[id]; p != nil {
		a.held -= p.bytes
		delete(a.pending, id)
	}
}

// Pending returns the number of incomplete bundles held and the chunk bytes they hold.
func (a *Assembler) Pending() (bundles int, bytes int64) { return len(a.pending), a.held }
