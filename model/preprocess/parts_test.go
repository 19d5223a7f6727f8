package preprocess_test

import (
	"archive/zip"
	"bytes"
	"io"
	"testing"

	"github.com/storeseg/storeseg/model/preprocess"
)

// splitParts returns meta.json and the raw numeric_fill.npy entry of a marshaled
// preprocessor, read with archive/zip as any other language would.
func splitParts(t *testing.T, p *preprocess.Preprocessor) (string, []byte) {
	t.Helper()
	b, err := p.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		parts[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	return string(parts["meta.json"]), parts["numeric_fill.npy"]
}

func joinParts(t *testing.T, meta string, fill []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range []struct {
		name string
		data []byte
	}{{"meta.json", []byte(meta)}, {"numeric_fill.npy", fill}} {
		w, err := zw.Create(e.name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(e.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
