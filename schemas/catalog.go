package schemas

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/linkedin/goavro/v2"
)

// avroFS holds every committed schema version as avro/<Name>/v<N>.avsc.
//
//go:embed avro
var avroFS embed.FS

// Schema is one committed version of an Avro schema.
type Schema struct {
	// Name is the record's short name, e.g. StoreFeatureUpdate.
	Name string
	// FullName is the record's full name, e.g. dev.storeseg.v1.StoreFeatureUpdate.
	FullName string
	// Version is N of avro/<Name>/vN.avsc, from 1.
	Version int
	// Text is the schema JSON as committed, with its doc fields; register this text.
	Text string
	// Canonical is the schema's Parsing Canonical Form.
	Canonical string
	// Fingerprint is the CRC-64-AVRO (Rabin) fingerprint of Canonical, the one
	// single-object encoding writes after C3 01.
	Fingerprint uint64

	tree *node
}

// catalog indexes the embedded schemas.
type catalog struct {
	byName map[string][]*Schema // versions in ascending order
	byFP   map[uint64]*Schema
	all    []*Schema
}

// loadCatalog parses the embedded schemas once. A schema that fails to parse is a bug in
// this package (the tests parse every one), hence the panic.
var loadCatalog = sync.OnceValue(func() *catalog {
	c, err := buildCatalog(avroFS)
	if err != nil {
		panic("schemas: embedded schema: " + err.Error())
	}
	return c
})

func buildCatalog(fsys fs.FS) (*catalog, error) {
	c := &catalog{byName: map[string][]*Schema{}, byFP: map[uint64]*Schema{}}
	files, err := fs.Glob(fsys, "avro/*/v*.avsc")
	if err != nil {
		return nil, err
	}
	for _, file := range files {
		s, err := loadSchema(fsys, file)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if prev, dup := c.byFP[s.Fingerprint]; dup {
			return nil, fmt.Errorf("%s: same canonical form as %s v%d", file, prev.Name, prev.Version)
		}
		c.byFP[s.Fingerprint] = s
		c.byName[s.Name] = append(c.byName[s.Name], s)
		c.all = append(c.all, s)
	}
	for name, vs := range c.byName {
		slices.SortFunc(vs, func(a, b *Schema) int { return a.Version - b.Version })
		for i, s := range vs {
			if s.Version != i+1 {
				return nil, fmt.Errorf("%s: versions must be v1, v2, ... without gaps", name)
			}
		}
	}
	return c, nil
}

func loadSchema(fsys fs.FS, file string) (*Schema, error) {
	text, err := fs.ReadFile(fsys, file)
	if err != nil {
		return nil, err
	}
	dir, base := path.Base(path.Dir(file)), path.Base(file)
	v, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(base, "v"), ".avsc"))
	if err != nil || v < 1 {
		return nil, fmt.Errorf("file name must be v<N>.avsc")
	}
	// goavro parses the schema too, as a second opinion on its validity.
	if _, err := goavro.NewCodec(string(text)); err != nil {
		return nil, err
	}
	tree, err := parseSchema(string(text))
	if err != nil {
		return nil, err
	}
	if tree.kind != kRecord || shortName(tree.name) != dir {
		return nil, fmt.Errorf("schema is %s, want record %s", tree.label(), dir)
	}
	canonical := canonicalForm(tree)
	return &Schema{Name: dir, FullName: tree.name, Version: v, Text: string(text),
		Canonical: canonical, Fingerprint: fingerprint64(canonical), tree: tree}, nil
}

// Versions returns every committed version of the named schema (e.g. "StoreFeatureUpdate"),
// oldest first, or nil for an unknown name.
func Versions(name string) []Schema {
	var out []Schema
	for _, s := range loadCatalog().byName[name] {
		out = append(out, *s)
	}
	return out
}

// All returns every committed schema version, ordered by name and version.
func All() []Schema {
	all := slices.Clone(loadCatalog().all)
	slices.SortFunc(all, func(a, b *Schema) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return a.Version - b.Version
	})
	out := make([]Schema, len(all))
	for i, s := range all {
		out[i] = *s
	}
	return out
}

// ByFingerprint returns the committed schema with the given CRC-64-AVRO fingerprint.
func ByFingerprint(fp uint64) (Schema, bool) {
	s, ok := loadCatalog().byFP[fp]
	if !ok {
		return Schema{}, false
	}
	return *s, true
}

// latest returns the newest version of the named schema: the one records encode with and
// decode into.
func latest(name string) *Schema {
	vs := loadCatalog().byName[name]
	if len(vs) == 0 {
		panic("schemas: no embedded schema " + name)
	}
	return vs[len(vs)-1]
}

// SchemaOf returns the schema version rec encodes with (the newest committed one).
func SchemaOf(rec Record) Schema { return *latest(rec.AvroName()) }
