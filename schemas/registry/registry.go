// Package registry is a small client for the Confluent Schema Registry REST API (also served
// by Karapace, Redpanda and Apicurio's compatibility endpoint): register a schema under a
// subject, look one up, fetch a schema by id and check compatibility. It caches ids in both
// directions, and implements schemas.SchemaSource for schemas.Decoder.
package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/storeseg/storeseg/schemas"
)

const (
	contentType = "application/vnd.schemaregistry.v1+json"
	// maxResponse bounds a response body.
	maxResponse = 8 << 20
)

// Config configures a [Client].
type Config struct {
	// URL is the registry's base URL, e.g. http://localhost:8081; required.
	URL string
	// Timeout bounds each request when New builds the HTTP client. Default 10 s; 0 means
	// the default.
	Timeout time.Duration
	// Username and Password enable HTTP basic authentication when Username is set.
	Username, Password string
}

// DefaultConfig returns a Config for url with the documented defaults.
func DefaultConfig(url string) Config { return Config{URL: url, Timeout: 10 * time.Second} }

// Validate checks the configuration.
func (c Config) Validate() error {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("registry: URL %q must be an absolute http(s) URL", c.URL)
	}
	if c.Timeout < 0 {
		return errors.New("registry: timeout must not be negative")
	}
	return nil
}

// Error is an error response of the registry.
type Error struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Code is the registry's error_code, e.g. 40403; 0 when the body had none.
	Code int
	// Message is the registry's message.
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("registry: %d %s (error code %d): %s", e.StatusCode, http.StatusText(e.StatusCode), e.Code, e.Message)
}

// Is makes error code 40403 (schema not found) match schemas.ErrUnknownSchemaID and 40401
// (subject not found) match ErrSubjectNotFound.
func (e *Error) Is(target error) bool {
	switch target {
	case schemas.ErrUnknownSchemaID:
		return e.Code == 40403
	case ErrSubjectNotFound:
		return e.Code == 40401
	}
	return false
}

// LogValue groups the error's fields for slog.
func (e *Error) LogValue() slog.Value {
	return slog.GroupValue(slog.Int("status", e.StatusCode), slog.Int("code", e.Code), slog.String("message", e.Message))
}

// ErrSubjectNotFound matches an [*Error] with code 40401.
var ErrSubjectNotFound = errors.New("registry: subject not found")

// Subject returns the subject of a topic's values under the default TopicNameStrategy:
// topic + "-value".
func Subject(topic string) string { return topic + "-value" }

// Client talks to one Schema Registry. It is safe for concurrent use.
type Client struct {
	cfg  Config
	base string
	hc   *http.Client

	mu     sync.RWMutex
	byID   map[int]string    // id → schema text
	bySubj map[[2]string]int // (subject, schema text) → id
}

// New returns a Client. hc nil means an http.Client with cfg.Timeout.
func New(cfg Config, hc *http.Client) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultConfig("").Timeout
	}
	if hc == nil {
		hc = &http.Client{Timeout: cfg.Timeout}
	}
	return &Client{cfg: cfg, base: strings.TrimRight(cfg.URL, "/"), hc: hc,
		byID: map[int]string{}, bySubj: map[[2]string]int{}}, nil
}

var _ schemas.SchemaSource = (*Client)(nil)

type schemaRequest struct {
	Schema string `json:"schema"`
}

// Register registers an Avro schema under subject (a no-op returning the existing id if it
// is already there) and returns its id. The registry rejects a schema incompatible with
// the subject's compatibility setting with a 409 [*Error].
func (c *Client) Register(ctx context.Context, subject, schema string) (int, error) {
	if id, ok := c.cachedID(subject, schema); ok {
		return id, nil
	}
	var resp struct {
		ID int `json:"id"`
	}
	path := "/subjects/" + url.PathEscape(subject) + "/versions"
	if err := c.do(ctx, http.MethodPost, path, schemaRequest{schema}, &resp); err != nil {
		return 0, fmt.Errorf("registering schema under %s: %w", subject, err)
	}
	c.remember(subject, schema, resp.ID)
	return resp.ID, nil
}

// LookUp returns the id and version under which schema is registered in subject; an
// unregistered schema gives an error matching schemas.ErrUnknownSchemaID (code 40403), an
// unknown subject one matching ErrSubjectNotFound.
func (c *Client) LookUp(ctx context.Context, subject, schema string) (id, version int, err error) {
	var resp struct {
		ID      int `json:"id"`
		Version int `json:"version"`
	}
	if err := c.do(ctx, http.MethodPost, "/subjects/"+url.PathEscape(subject), schemaRequest{schema}, &resp); err != nil {
		return 0, 0, fmt.Errorf("looking up schema in %s: %w", subject, err)
	}
	c.remember(subject, schema, resp.ID)
	return resp.ID, resp.Version, nil
}

// SchemaByID returns the schema registered under id; an unknown id gives an error matching
// schemas.ErrUnknownSchemaID, a schema that is not Avro one matching
// schemas.ErrIncompatible.
func (c *Client) SchemaByID(ctx context.Context, id int) (string, error) {
	c.mu.RLock()
	text, ok := c.byID[id]
	c.mu.RUnlock()
	if ok {
		return text, nil
	}
	var resp struct {
		Schema     string `json:"schema"`
		SchemaType string `json:"schemaType"`
	}
	if err := c.do(ctx, http.MethodGet, "/schemas/ids/"+strconv.Itoa(id), nil, &resp); err != nil {
		return "", fmt.Errorf("fetching schema %d: %w", id, err)
	}
	if resp.SchemaType != "" && resp.SchemaType != "AVRO" {
		return "", &schemas.IncompatibleError{Path: fmt.Sprintf("schema id %d", id), Reason: resp.SchemaType + " schema, not AVRO"}
	}
	c.mu.Lock()
	c.byID[id] = resp.Schema
	c.mu.Unlock()
	return resp.Schema, nil
}

// Compatibility is the registry's verdict on a schema.
type Compatibility struct {
	Compatible bool
	// Messages explains an incompatibility when the registry gives reasons.
	Messages []string
}

// CheckCompatibility asks whether schema may be registered under subject, against the
// subject's latest version and compatibility setting. A subject with no versions accepts
// any schema.
func (c *Client) CheckCompatibility(ctx context.Context, subject, schema string) (Compatibility, error) {
	var resp struct {
		IsCompatible bool     `json:"is_compatible"`
		Messages     []string `json:"messages"`
	}
	path := "/compatibility/subjects/" + url.PathEscape(subject) + "/versions/latest?verbose=true"
	err := c.do(ctx, http.MethodPost, path, schemaRequest{schema}, &resp)
	var re *Error
	if errors.As(err, &re) && (re.Code == 40401 || re.Code == 40402) {
		return Compatibility{Compatible: true}, nil // nothing to be compatible with yet
	}
	if err != nil {
		return Compatibility{}, fmt.Errorf("checking compatibility in %s: %w", subject, err)
	}
	return Compatibility{Compatible: resp.IsCompatible, Messages: resp.Messages}, nil
}

func (c *Client) cachedID(subject, schema string) (int, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	id, ok := c.bySubj[[2]string{subject, schema}]
	return id, ok
}

func (c *Client) remember(subject, schema string, id int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.bySubj[[2]string{subject, schema}] = id
	if _, ok := c.byID[id]; !ok {
		c.byID[id] = schema
	}
}

// do sends one request and decodes a 2xx JSON response into out, or returns an *Error.
func (c *Client) do(ctx context.Context, method, path string, in, out any) (err error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", contentType+", application/json")
	if in != nil {
		req.Header.Set("Content-Type", contentType)
	}
	if c.cfg.Username != "" {
		req.SetBasicAuth(c.cfg.Username, c.cfg.Password)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, resp.Body.Close()) }()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return fmt.Errorf("reading response: %w", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := &Error{StatusCode: resp.StatusCode}
		var payload struct {
			Code    int    `json:"error_code"`
			Message string `json:"message"`
		}
		if json.Unmarshal(data, &payload) == nil {
			e.Code, e.Message = payload.Code, payload.Message
		} else {
			e.Message = strings.TrimSpace(string(data))
		}
		return e
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decoding response: %w", err)
	}
	return nil
}
