package tracking

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
)

// maxResponseBytes bounds a decoded response body (a run with very many metrics is the
// largest expected answer).
const maxResponseBytes = 64 << 20

// Client is an MLflow tracking-server client. It is safe for concurrent use.
type Client struct {
	cfg  Config
	base string // TrackingURI without trailing slashes
	hc   *http.Client
	log  *slog.Logger
	now  func() time.Time

	mu           sync.Mutex
	artifactURIs map[string]string // run id → artifact URI, filled by CreateRun and Run
}

// NewClient returns a client for cfg. log receives a warning for each retried request;
// nil discards.
func NewClient(cfg Config, log *slog.Logger) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	base := strings.TrimRight(cfg.TrackingURI, "/")
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Client{cfg: cfg, base: base, hc: hc, log: log, now: time.Now, artifactURIs: map[string]string{}}, nil
}

// request is one API call; body is re-created for every attempt.
type request struct {
	method      string
	path        string // absolute API path, already escaped
	query       url.Values
	contentType string
	body        func() (io.ReadCloser, int64, error) // nil for no body
	timeout     time.Duration
}

// callJSON sends in (nil for none) as JSON and decodes the answer into out (nil to discard).
func (c *Client) callJSON(ctx context.Context, method, apiPath string, query url.Values, in, out any) error {
	r := request{method: method, path: apiPath, query: query, timeout: c.cfg.RequestTimeout}
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("tracking: encoding %s %s: %w", method, apiPath, err)
		}
		r.contentType = "application/json"
		r.body = func() (io.ReadCloser, int64, error) {
			return io.NopCloser(bytes.NewReader(b)), int64(len(b)), nil
		}
	}
	resp, err := c.do(ctx, r)
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(resp, out); err != nil {
		return fmt.Errorf("tracking: decoding the answer to %s %s: %w", method, apiPath, err)
	}
	return nil
}

// do runs r with retries and returns the response body of a 2xx answer.
func (c *Client) do(ctx context.Context, r request) ([]byte, error) {
	op := r.method + " " + r.path
	var lastErr error
	for attempt := 0; ; attempt++ {
		body, retryAfter, err := c.attempt(ctx, r, op)
		if err == nil {
			return body, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("tracking: %s: %w", op, ctx.Err())
		}
		var re *retryable
		if !errors.As(err, &re) {
			return nil, err
		}
		lastErr = re.err
		if attempt >= c.cfg.MaxRetries {
			break
		}
		wait := c.backoff(attempt, retryAfter)
		c.log.Warn("retrying MLflow request", "op", op, "attempt", attempt+1, "wait", wait, "err", re.err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("tracking: %s: %w (while retrying after: %w)", op, ctx.Err(), lastErr)
		case <-t.C:
		}
	}
	var apiErr *Error
	if errors.As(lastErr, &apiErr) {
		return nil, fmt.Errorf("giving up after %d attempts: %w", c.cfg.MaxRetries+1, lastErr)
	}
	return nil, fmt.Errorf("tracking: %s %s: server unreachable after %d attempts: %w",
		r.method, c.redacted(r), c.cfg.MaxRetries+1, lastErr)
}

// retryable marks an attempt's error as worth another try.
type retryable struct{ err error }

func (r *retryable) Error() string { return r.err.Error() }
func (r *retryable) Unwrap() error { return r.err }

// backoff is the wait before retry number attempt+1.
func (c *Client) backoff(attempt int, retryAfter time.Duration) time.Duration {
	d := c.cfg.RetryBackoff << attempt
	if d <= 0 || d > c.cfg.MaxBackoff {
		d = c.cfg.MaxBackoff
	}
	if retryAfter > d {
		d = min(retryAfter, c.cfg.MaxBackoff)
	}
	return d
}

// endpoint is the full URL of r.
func (c *Client) endpoint(r request) string {
	s := c.base + r.path
	if len(r.query) > 0 {
		s += "?" + r.query.Encode()
	}
	return s
}

// redacted is endpoint without a password, for error messages.
func (c *Client) redacted(r request) string {
	u, err := url.Parse(c.endpoint(r))
	if err != nil {
		return r.path
	}
	return u.Redacted()
}

// attempt sends r once. A retryable failure comes back as *retryable, with the server's
// Retry-After if any.
func (c *Client) attempt(ctx context.Context, r request, op string) ([]byte, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	req, err := c.newRequest(ctx, r)
	if err != nil {
		return nil, 0, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, 0, err
		}
		return nil, 0, &retryable{err: err}
	}
	defer func() { _ = resp.Body.Close() }() // read to the end or limit below; nothing to flush
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return nil, 0, &retryable{err: fmt.Errorf("reading the answer to %s: %w", op, err)}
	}
	if len(body) > maxResponseBytes {
		return nil, 0, fmt.Errorf("tracking: %s: answer larger than %d bytes", op, maxResponseBytes)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return body, 0, nil
	}
	apiErr := parseError(op, resp.StatusCode, body)
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return nil, retryAfter(resp.Header.Get("Retry-After")), &retryable{err: apiErr}
	}
	return nil, 0, apiErr
}

func (c *Client) newRequest(ctx context.Context, r request) (*http.Request, error) {
	var body io.ReadCloser
	var n int64
	if r.body != nil {
		var err error
		if body, n, err = r.body(); err != nil {
			return nil, err
		}
	}
	req, err := http.NewRequestWithContext(ctx, r.method, c.endpoint(r), body)
	if err != nil {
		if body != nil {
			_ = body.Close() // never sent
		}
		return nil, fmt.Errorf("tracking: building %s %s: %w", r.method, r.path, err)
	}
	if body != nil {
		req.ContentLength = n
		req.Header.Set("Content-Type", r.contentType)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	switch {
	case c.cfg.Token != "":
		req.Header.Set("Authorization", "Bearer "+c.cfg.Token)
	case c.cfg.Username != "":
		req.SetBasicAuth(c.cfg.Username, c.cfg.Password)
	}
	return req, nil
}

// parseError turns a non-2xx answer into an *Error.
func parseError(op string, status int, body []byte) *Error {
	var we wireError
	if json.Unmarshal(body, &we) == nil && we.ErrorCode != "" {
		return &Error{Code: we.ErrorCode, Message: we.Message, HTTPStatus: status, Op: op}
	}
	msg := strings.TrimSpace(string(body))
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	if msg == "" {
		msg = http.StatusText(status)
	}
	// No MLflow error code: a 404 page here means a wrong URL (prefix, no artifact proxy),
	// never "no such experiment", so it must not match ErrNotFound.
	return &Error{Message: msg, HTTPStatus: status, Op: op}
}

// retryAfter parses a Retry-After header given in seconds; dates and junk give 0.
func retryAfter(h string) time.Duration {
	s, err := strconv.Atoi(strings.TrimSpace(h))
	if err != nil || s < 0 {
		return 0
	}
	return time.Duration(s) * time.Second
}

// apiPath joins MLflow's REST prefix and an endpoint.
func apiPath(endpoint string) string { return "/api/2.0/mlflow/" + endpoint }
