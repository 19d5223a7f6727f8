package registry_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/storeseg/storeseg/schemas"
	"github.com/storeseg/storeseg/schemas/registry"
)

// fakeRegistry implements the subset of the Confluent Schema Registry API the client uses,
// with BACKWARD compatibility checked by schemas.CheckCompatible.
type fakeRegistry struct {
	mu       sync.Mutex
	schemas  []string         // id-1 → schema
	subjects map[string][]int // subject → ids by version
	requests atomic.Int64
	user     string
}

func newFake(t *testing.T) (*fakeRegistry, *httptest.Server) {
	f := &fakeRegistry{subjects: map[string][]int{}}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	return f, srv
}

func fail(w http.ResponseWriter, status, code int, msg string) {
	w.WriteHeader(status)
	writeJSON(w, map[string]any{"error_code": code, "message": msg})
}

func (f *fakeRegistry) serve(w http.ResponseWriter, r *http.Request) {
	f.requests.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.user != "" {
		if u, _, ok := r.BasicAuth(); !ok || u != f.user {
			fail(w, 401, 40101, "unauthorized")
			return
		}
	}
	var req struct{ Schema string }
	if r.Method == http.MethodPost {
		if r.Header.Get("Content-Type") != "application/vnd.schemaregistry.v1+json" {
			fail(w, 415, 415, "bad content type")
			return
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			fail(w, 422, 42201, "bad request body")
			return
		}
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case len(parts) == 3 && parts[0] == "schemas" && parts[1] == "ids":
		f.byID(w, parts[2])
	case len(parts) == 3 && parts[0] == "subjects" && parts[2] == "versions":
		f.register(w, parts[1], req.Schema)
	case len(parts) == 2 && parts[0] == "subjects":
		f.lookUp(w, parts[1], req.Schema)
	case len(parts) == 5 && parts[0] == "compatibility":
		f.compatibility(w, parts[2], req.Schema)
	default:
		fail(w, 500, 50001, "boom")
	}
}

func (f *fakeRegistry) byID(w http.ResponseWriter, idText string) {
	id, _ := strconv.Atoi(idText)
	if id < 1 || id > len(f.schemas) {
		fail(w, 404, 40403, "Schema not found")
		return
	}
	writeJSON(w, map[string]any{"schema": f.schemas[id-1]})
}

func (f *fakeRegistry) register(w http.ResponseWriter, subject, schema string) {
	ids := f.subjects[subject]
	if len(ids) > 0 && schemas.CheckCompatible(schema, f.schemas[ids[len(ids)-1]-1]) != nil {
		fail(w, 409, 409, "Schema being registered is incompatible with an earlier schema")
		return
	}
	id := slices.Index(f.schemas, schema) + 1
	if id == 0 {
		f.schemas = append(f.schemas, schema)
		id = len(f.schemas)
	}
	f.subjects[subject] = append(ids, id)
	writeJSON(w, map[string]any{"id": id})
}

func (f *fakeRegistry) lookUp(w http.ResponseWriter, subject, schema string) {
	ids, ok := f.subjects[subject]
	if !ok {
		fail(w, 404, 40401, "Subject not found")
		return
	}
	for v, id := range ids {
		if f.schemas[id-1] == schema {
			writeJSON(w, map[string]any{"id": id, "version": v + 1, "subject": subject, "schema": schema})
			return
		}
	}
	fail(w, 404, 40403, "Schema not found")
}

func (f *fakeRegistry) compatibility(w http.ResponseWriter, subject, schema string) {
	ids, ok := f.subjects[subject]
	if !ok {
		fail(w, 404, 40401, "Subject not found")
		return
	}
	err := schemas.CheckCompatible(schema, f.schemas[ids[len(ids)-1]-1])
	resp := map[string]any{"is_compatible": err == nil}
	if err != nil {
		resp["messages"] = []string{err.Error()}
	}
	writeJSON(w, resp)
}

func newClient(t *testing.T, url string) *registry.Client {
	t.Helper()
	c, err := registry.New(registry.DefaultConfig(url), nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRegisterAndDecode(t *testing.T) {
	f, srv := newFake(t)
	c := newClient(t, srv.URL)
	ctx := context.Background()
	subject := registry.Subject("store-features")
	v1, v2 := schemas.Versions("StoreFeatureUpdate")[0].Text, schemas.Versions("StoreFeatureUpdate")[1].Text
	id1, err := c.Register(ctx, subject, v1)
	if err != nil {
		t.Fatalf("Register(v1) error: %v", err)
	}
	comp, err := c.CheckCompatibility(ctx, subject, v2)
	if err != nil || !comp.Compatible {
		t.Fatalf("CheckCompatibility(v2) = %+v, %v; want compatible", comp, err)
	}
	id2, err := c.Register(ctx, subject, v2)
	if err != nil || id2 == id1 {
		t.Fatalf("Register(v2) = %d, %v; want a new id", id2, err)
	}
	before := f.requests.Load()
	if again, err := c.Register(ctx, subject, v2); err != nil || again != id2 {
		t.Fatalf("Register(v2) again = %d, %v; want %d", again, err, id2)
	}
	if text, err := c.SchemaByID(ctx, id2); err != nil || text != v2 {
		t.Fatalf("SchemaByID(%d) = %.40q, %v; want v2", id2, text, err)
	}
	if n := f.requests.Load() - before; n != 0 {
		t.Errorf("cached calls made %d requests; want 0", n)
	}
	if id, version, err := c.LookUp(ctx, subject, v1); err != nil || id != id1 || version != 1 {
		t.Errorf("LookUp(v1) = %d, %d, %v; want %d, 1", id, version, err, id1)
	}

	// A message framed with v1's id decodes through a fresh client (cold cache).
	u := schemas.StoreFeatureUpdate{StoreID: "s", EventTime: 1, Numeric: []schemas.NumericValue{{Name: "x", Value: 1}}}
	msg, err := schemas.AppendConfluent(nil, id2, &u)
	if err != nil {
		t.Fatal(err)
	}
	var got schemas.StoreFeatureUpdate
	if err := schemas.NewDecoder(newClient(t, srv.URL)).Decode(ctx, msg, &got); err != nil || got.StoreID != "s" {
		t.Fatalf("Decode via registry = %+v, %v", got, err)
	}
}

func TestErrors(t *testing.T) {
	_, srv := newFake(t)
	c := newClient(t, srv.URL)
	ctx := context.Background()
	_, err := c.SchemaByID(ctx, 99)
	if !errors.Is(err, schemas.ErrUnknownSchemaID) {
		t.Errorf("SchemaByID(99) error = %v; want ErrUnknownSchemaID", err)
	}
	var re *registry.Error
	if !errors.As(err, &re) || re.StatusCode != 404 || re.Code != 40403 {
		t.Errorf("SchemaByID(99) error = %#v; want *Error 404/40403", err)
	}
	if _, _, err := c.LookUp(ctx, "nope-value", "{}"); !errors.Is(err, registry.ErrSubjectNotFound) {
		t.Errorf("LookUp(unknown subject) error = %v; want ErrSubjectNotFound", err)
	}
	if comp, err := c.CheckCompatibility(ctx, "nope-value", `"string"`); err != nil || !comp.Compatible {
		t.Errorf("CheckCompatibility(new subject) = %+v, %v; want compatible", comp, err)
	}
	state := schemas.Versions("StoreState")[0].Text
	if _, err := c.Register(ctx, "x-value", schemas.Versions("StoreFeatureUpdate")[0].Text); err != nil {
		t.Fatal(err)
	}
	if comp, err := c.CheckCompatibility(ctx, "x-value", state); err != nil || comp.Compatible || len(comp.Messages) == 0 {
		t.Errorf("CheckCompatibility(incompatible) = %+v, %v; want incompatible with messages", comp, err)
	}
	if _, err := c.Register(ctx, "x-value", state); !errors.As(err, &re) || re.StatusCode != 409 {
		t.Errorf("Register(incompatible) error = %v; want a 409 *Error", err)
	}
	// A transport failure is not a data error: the stream retries instead of dead-lettering.
	srv.Close()
	err = schemas.NewDecoder(c).Decode(ctx, []byte{0, 0, 0, 0, 42, 2, 'x', 2}, new(schemas.StoreFeatureUpdate))
	if err == nil || schemas.Reason(err) != "" {
		t.Errorf("Decode with registry down = %v (reason %q); want a transient error", err, schemas.Reason(err))
	}
}

func TestBasicAuthAndConfig(t *testing.T) {
	f, srv := newFake(t)
	f.user = "svc"
	cfg := registry.DefaultConfig(srv.URL)
	cfg.Username, cfg.Password = "svc", "secret"
	c, err := registry.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Register(context.Background(), "a-value", `"string"`); err != nil {
		t.Errorf("Register with auth error: %v", err)
	}
	anon := newClient(t, srv.URL)
	var re *registry.Error
	if _, err := anon.Register(context.Background(), "a-value", `"string"`); !errors.As(err, &re) || re.StatusCode != 401 {
		t.Errorf("Register without auth error = %v; want 401", err)
	}
	for _, url := range []string{"", "localhost:8081", "ftp://x", "http://"} {
		if _, err := registry.New(registry.DefaultConfig(url), nil); err == nil {
			t.Errorf("New(%q) succeeded; want an error", url)
		}
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	if err := json.NewEncoder(w).Encode(v); err != nil {
		panic(err) // the test client is gone: nothing to report to
	}
}
