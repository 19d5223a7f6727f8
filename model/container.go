package model

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// ErrCorrupt reports a bundle whose bytes do not form a valid bundle: not a zip, a missing or
// unreadable manifest, a part missing, or a part whose sha256 differs from the manifest's.
var ErrCorrupt = errors.New("model: corrupt bundle")

// ErrFormat reports a bundle written in a format version this code cannot read.
var ErrFormat = errors.New("model: unsupported bundle format")

// manifestFile is the first entry of every bundle.
const manifestFile = "manifest.json"

// epoch is the modification time on every entry, for reproducible bytes.
var epoch = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// PartInfo describes one part of a bundle in its manifest.
type PartInfo struct {
	// Name is the part's role, e.g. "famd_model".
	Name string `json:"name"`
	// File is the entry name inside the bundle, e.g. "famd_model.npz".
	File string `json:"file"`
	// SHA256 is the hex digest of the part's bytes.
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// part is a part's bytes before it is written.
type part struct {
	name, file string
	data       []byte
}

// writeContainer writes the manifest and the parts as a zip archive: manifest.json first,
// then each part uncompressed (parts are npz archives or small JSON documents already).
// The manifest's Parts list is filled in from the parts.
func writeContainer(w io.Writer, m *Manifest, parts []part) error {
	m.Parts = m.Parts[:0]
	for _, p := range parts {
		sum := sha256.Sum256(p.data)
		m.Parts = append(m.Parts, PartInfo{Name: p.name, File: p.file, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(p.data))})
	}
	mb, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding manifest: %w", err)
	}
	zw := zip.NewWriter(w)
	entries := append([]part{{file: manifestFile, data: mb}}, parts...)
	for _, p := range entries {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: p.file, Method: zip.Store, Modified: epoch})
		if err != nil {
			return fmt.Errorf("writing %s: %w", p.file, err)
		}
		if _, err := fw.Write(p.data); err != nil {
			return fmt.Errorf("writing %s: %w", p.file, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("closing bundle: %w", err)
	}
	return nil
}

// readContainer opens a bundle, decodes its manifest and returns every part's bytes by name
// after checking each part's size and sha256 against the manifest.
func readContainer(data []byte) (*Manifest, map[string][]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	files := make(map[string]*zip.File, len(zr.File))
	for _, f := range zr.File {
		files[f.Name] = f
	}
	mb, err := readEntry(files, manifestFile, int64(len(data)))
	if err != nil {
		return nil, nil, err
	}
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(mb))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, nil, fmt.Errorf("%w: decoding manifest: %w", ErrCorrupt, err)
	}
	if m.Format != BundleFormat {
		return nil, nil, fmt.Errorf("%w: format %d, this build reads %d", ErrFormat, m.Format, BundleFormat)
	}
	parts := make(map[string][]byte, len(m.Parts))
	for _, p := range m.Parts {
		if p.Size < 0 || p.Size > int64(len(data)) {
			return nil, nil, fmt.Errorf("%w: part %s claims %d bytes", ErrCorrupt, p.Name, p.Size)
		}
		b, err := readEntry(files, p.File, p.Size)
		if err != nil {
			return nil, nil, err
		}
		sum := sha256.Sum256(b)
		if int64(len(b)) != p.Size || hex.EncodeToString(sum[:]) != p.SHA256 {
			return nil, nil, fmt.Errorf("%w: part %s fails its checksum", ErrCorrupt, p.Name)
		}
		parts[p.Name] = b
	}
	return &m, parts, nil
}

func readEntry(files map[string]*zip.File, name string, limit int64) ([]byte, error) {
	f, ok := files[name]
	if !ok {
		return nil, fmt.Errorf("%w: %s missing", ErrCorrupt, name)
	}
	if f.UncompressedSize64 > uint64(limit) {
		return nil, fmt.Errorf("%w: %s is larger than the bundle", ErrCorrupt, name)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%w: opening %s: %w", ErrCorrupt, name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%w: reading %s: %w", ErrCorrupt, name, err)
	}
	return b, nil
}
