package tracking

import (
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// Config configures a Client. Start from DefaultConfig; the zero value of every field except
// TrackingURI is usable and documented.
type Config struct {
	// TrackingURI is the server's base URL, e.g. http://127.0.0.1:5000 or
	// https://mlflow.example.com/prefix. Required; the cmd layer usually takes it from
	// MLFLOW_TRACKING_URI.
	TrackingURI string
	// Token, when set, is sent as "Authorization: Bearer <Token>" (MLFLOW_TRACKING_TOKEN).
	Token string
	// Username and Password, when Username is set, are sent as HTTP basic auth
	// (MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD). Ignored if Token is set.
	Username, Password string
	// RequestTimeout bounds one attempt of one API request. Default 30s; 0 means 30s.
	RequestTimeout time.Duration
	// UploadTimeout bounds one attempt of one artifact file upload, which streams the file.
	// Default 10m; 0 means 10m.
	UploadTimeout time.Duration
	// MaxRetries is how many times a request is retried after a connection error, a
	// timeout, HTTP 429 or HTTP 500/502/503/504. Default 3; 0 means no retries.
	MaxRetries int
	// RetryBackoff is the wait before the first retry; it doubles for each later retry up to
	// MaxBackoff. A Retry-After header from the server is honoured up to MaxBackoff.
	// Default 500ms; 0 means 500ms.
	RetryBackoff time.Duration
	// MaxBackoff caps a single wait between retries. Default 8s; 0 means 8s.
	MaxBackoff time.Duration
	// HTTPClient sends the requests. Nil means a client with its own Transport and no
	// overall timeout (attempts are bounded by RequestTimeout and UploadTimeout).
	HTTPClient *http.Client
	// UserAgent is sent with every request. Empty means "storeseg-tracking".
	UserAgent string
}

// Defaults used when a Config field is zero.
const (
	defaultRequestTimeout = 30 * time.Second
	defaultUploadTimeout  = 10 * time.Minute
	defaultMaxRetries     = 3
	defaultRetryBackoff   = 500 * time.Millisecond
	defaultMaxBackoff     = 8 * time.Second
	defaultUserAgent      = "storeseg-tracking"
)

// DefaultConfig returns the recommended settings for trackingURI.
func DefaultConfig(trackingURI string) Config {
	return Config{
		TrackingURI:    trackingURI,
		RequestTimeout: defaultRequestTimeout,
		UploadTimeout:  defaultUploadTimeout,
		MaxRetries:     defaultMaxRetries,
		RetryBackoff:   defaultRetryBackoff,
		MaxBackoff:     defaultMaxBackoff,
		UserAgent:      defaultUserAgent,
	}
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	if c.TrackingURI == "" {
		return invalidf("config: TrackingURI is empty (set MLFLOW_TRACKING_URI)")
	}
	u, err := url.Parse(c.TrackingURI)
	if err != nil {
		return invalidf("config: TrackingURI %q: %v", c.TrackingURI, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return invalidf("config: TrackingURI %q is not an http(s) URL (use FileStore for a local mlruns/ directory)", c.TrackingURI)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return invalidf("config: TrackingURI %q must not have a query or fragment", c.TrackingURI)
	}
	for name, d := range map[string]time.Duration{
		"RequestTimeout": c.RequestTimeout, "UploadTimeout": c.UploadTimeout,
		"RetryBackoff": c.RetryBackoff, "MaxBackoff": c.MaxBackoff,
	} {
		if d < 0 {
			return invalidf("config: %s is negative (%s)", name, d)
		}
	}
	if c.MaxRetries < 0 {
		return invalidf("config: MaxRetries is negative (%d)", c.MaxRetries)
	}
	return nil
}

// withDefaults fills zero fields.
func (c Config) withDefaults() Config {
	if c.RequestTimeout == 0 {
		c.RequestTimeout = defaultRequestTimeout
	}
	if c.UploadTimeout == 0 {
		c.UploadTimeout = defaultUploadTimeout
	}
	if c.RetryBackoff == 0 {
		c.RetryBackoff = defaultRetryBackoff
	}
	if c.MaxBackoff == 0 {
		c.MaxBackoff = defaultMaxBackoff
	}
	if c.UserAgent == "" {
		c.UserAgent = defaultUserAgent
	}
	return c
}

// String describes the config without secrets.
func (c Config) String() string {
	auth := "none"
	switch {
	case c.Token != "":
		auth = "bearer"
	case c.Username != "":
		auth = "basic"
	}
	return fmt.Sprintf("tracking.Config{TrackingURI: %q, auth: %s, RequestTimeout: %s, MaxRetries: %d}",
		c.TrackingURI, auth, c.RequestTimeout, c.MaxRetries)
}
