package stream

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl"
	"github.com/segmentio/kafka-go/sasl/plain"
	"github.com/segmentio/kafka-go/sasl/scram"
)

// KafkaConfig says how to reach the Kafka cluster.
type KafkaConfig struct {
	// Brokers lists bootstrap brokers as host:port; at least one is required.
	Brokers []string
	// ClientID identifies the process to the brokers. Default "storeseg".
	ClientID string
	// DialTimeout bounds establishing a connection, TLS and SASL included. Default 10 s.
	DialTimeout time.Duration
	// TLS enables TLS when Enable is set.
	TLS TLSConfig
	// SASL enables SASL authentication when Mechanism is set.
	SASL SASLConfig
}

// TLSConfig configures TLS to the brokers.
type TLSConfig struct {
	// Enable turns TLS on; the other fields are ignored without it.
	Enable bool
	// CAFile is a PEM file of CA certificates to trust; "" trusts the system pool.
	CAFile string
	// CertFile and KeyFile are a PEM client certificate and key for mutual TLS; both or
	// neither.
	CertFile, KeyFile string
	// ServerName overrides the name checked against the brokers' certificates.
	ServerName string
	// InsecureSkipVerify disables certificate verification (tests only).
	InsecureSkipVerify bool
}

// SASL mechanisms.
const (
	SASLPlain       = "PLAIN"
	SASLScramSHA256 = "SCRAM-SHA-256"
	SASLScramSHA512 = "SCRAM-SHA-512"
)

// SASLConfig configures SASL authentication.
type SASLConfig struct {
	// Mechanism is "" (no SASL), SASLPlain, SASLScramSHA256 or SASLScramSHA512.
	Mechanism string
	// Username and Password are the credentials; Username is required with a mechanism.
	Username, Password string
}

// DefaultKafkaConfig returns the defaults documented on KafkaConfig.
func DefaultKafkaConfig(brokers ...string) KafkaConfig {
	return KafkaConfig{Brokers: brokers, ClientID: "storeseg", DialTimeout: 10 * time.Second}
}

// Validate checks the configuration without touching files; TLSConfig and Mechanism do.
func (c KafkaConfig) Validate() error {
	var errs []error
	if len(c.Brokers) == 0 {
		errs = append(errs, fmt.Errorf("%w: no kafka brokers", ErrConfig))
	}
	for _, b := range c.Brokers {
		if b == "" || !strings.Contains(b, ":") {
			errs = append(errs, fmt.Errorf("%w: broker %q is not host:port", ErrConfig, b))
		}
	}
	if c.DialTimeout <= 0 {
		errs = append(errs, fmt.Errorf("%w: dial timeout %s is not positive", ErrConfig, c.DialTimeout))
	}
	if c.TLS.Enable && (c.TLS.CertFile == "") != (c.TLS.KeyFile == "") {
		errs = append(errs, fmt.Errorf("%w: tls cert file and key file must be set together", ErrConfig))
	}
	switch c.SASL.Mechanism {
	case "":
	case SASLPlain, SASLScramSHA256, SASLScramSHA512:
		if c.SASL.Username == "" {
			errs = append(errs, fmt.Errorf("%w: sasl %s needs a username", ErrConfig, c.SASL.Mechanism))
		}
	default:
		errs = append(errs, fmt.Errorf("%w: sasl mechanism %q (want %s, %s or %s)", ErrConfig,
			c.SASL.Mechanism, SASLPlain, SASLScramSHA256, SASLScramSHA512))
	}
	return errors.Join(errs...)
}

// TLSConfig builds the TLS configuration, reading the certificate files; nil when TLS is off.
func (c KafkaConfig) TLSConfig() (*tls.Config, error) {
	t := c.TLS
	if !t.Enable {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: t.ServerName, InsecureSkipVerify: t.InsecureSkipVerify} //nolint:gosec // opt-in, documented as tests only
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("reading tls ca file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%w: tls ca file %s holds no PEM certificate", ErrConfig, t.CAFile)
		}
		cfg.RootCAs = pool
	}
	if t.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("loading tls client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// Mechanism builds the SASL mechanism; nil when SASL is off.
func (c KafkaConfig) Mechanism() (sasl.Mechanism, error) {
	s := c.SASL
	switch s.Mechanism {
	case "":
		return nil, nil
	case SASLPlain:
		return plain.Mechanism{Username: s.Username, Password: s.Password}, nil
	case SASLScramSHA256, SASLScramSHA512:
		algo := scram.SHA256
		if s.Mechanism == SASLScramSHA512 {
			algo = scram.SHA512
		}
		m, err := scram.Mechanism(algo, s.Username, s.Password)
		if err != nil {
			return nil, fmt.Errorf("%w: sasl %s: %w", ErrConfig, s.Mechanism, err)
		}
		return m, nil
	}
	return nil, fmt.Errorf("%w: sasl mechanism %q", ErrConfig, s.Mechanism)
}

// clients holds what every kafka-go client of one process is built from.
type clients struct {
	cfg  KafkaConfig
	tls  *tls.Config
	sasl sasl.Mechanism
}

func newClients(cfg KafkaConfig) (*clients, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	t, err := cfg.TLSConfig()
	if err != nil {
		return nil, err
	}
	m, err := cfg.Mechanism()
	if err != nil {
		return nil, err
	}
	return &clients{cfg: cfg, tls: t, sasl: m}, nil
}

// transport returns a new Transport: every Writer and admin client gets its own, so a stale
// metadata cache of one never hides a topic from another.
func (c *clients) transport() *kafka.Transport {
	return &kafka.Transport{
		ClientID:    c.cfg.ClientID,
		DialTimeout: c.cfg.DialTimeout,
		TLS:         c.tls,
		SASL:        c.sasl,
		MetadataTTL: 2 * time.Second,
	}
}

// dialer returns the Dialer readers connect with.
func (c *clients) dialer() *kafka.Dialer {
	return &kafka.Dialer{
		ClientID:      c.cfg.ClientID,
		Timeout:       c.cfg.DialTimeout,
		DualStack:     true,
		TLS:           c.tls,
		SASLMechanism: c.sasl,
	}
}

// withAdmin runs fn with a client for metadata and topic administration, then closes the
// client's connections.
func (c *clients) withAdmin(timeout time.Duration, fn func(*kafka.Client) error) error {
	t := c.transport()
	defer t.CloseIdleConnections()
	return fn(&kafka.Client{Addr: kafka.TCP(c.cfg.Brokers...), Timeout: timeout, Transport: t})
}

// closeWriter closes w within d and then its Transport's connections.
func closeWriter(d time.Duration, what string, w *kafka.Writer) error {
	err := closeWithin(d, what, w.Close)
	if t, ok := w.Transport.(*kafka.Transport); ok {
		t.CloseIdleConnections()
	}
	return err
}

// writerBatchSize bounds the messages of one produce request per partition. kafka-go
// allocates a slice of this many Messages (about 150 bytes each) for every partition batch,
// however few it holds: 10,000 made 1.5 MB of garbage per partition batch, and 512 still
// 3.5 KB per event at 10,000 events/s (a third of the consumer's allocations). 128 keeps one
// to three requests per partition for a full 2,000-message batch.
const writerBatchSize = 128

// writer returns a synchronous keyed writer to topic: murmur2 partitioning (the Java
// client's), acknowledgement by all in-sync replicas, small batch timeout, own Transport,
// batches compressed with codec (0: none), sent after linger unless full.
func (c *clients) writer(topic string, writeTimeout, linger time.Duration, codec kafka.Compression) *kafka.Writer {
	return &kafka.Writer{
		Addr:         kafka.TCP(c.cfg.Brokers...),
		Topic:        topic,
		Balancer:     &kafka.Murmur2Balancer{},
		RequiredAcks: kafka.RequireAll,
		BatchTimeout: linger,
		BatchSize:    writerBatchSize,
		BatchBytes:   1 << 20, // the broker's default message.max.bytes is a little more
		WriteTimeout: writeTimeout,
		ReadTimeout:  writeTimeout,
		MaxAttempts:  3,
		Compression:  codec,
		Transport:    c.transport(),
	}
}

// NewWriter returns a synchronous keyed writer to topic set up like the consumer's own
// (murmur2 partitioning as Java clients, acks from all in-sync replicas, small batch
// timeout, its own Transport), compressing with LZ4. Close it with CloseWriter.
func NewWriter(cfg KafkaConfig, topic string) (*kafka.Writer, error) {
	kc, err := newClients(cfg)
	if err != nil {
		return nil, err
	}
	return kc.writer(topic, 30*time.Second, 2*time.Millisecond, kafka.Lz4), nil
}

// CloseWriter flushes and closes w, giving up after d, then closes its Transport's
// connections.
func CloseWriter(w *kafka.Writer, d time.Duration) error { return closeWriter(d, "writer", w) }
