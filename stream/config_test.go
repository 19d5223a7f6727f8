package stream

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/storeseg/storeseg/config"
	"github.com/storeseg/storeseg/model"
	"github.com/storeseg/storeseg/schemas"
	"github.com/storeseg/storeseg/statestore"
	"github.com/storeseg/storeseg/statestore/statestoretest"
)

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig("localhost:9092").Validate(); err != nil {
		t.Fatalf("default config: %v", err)
	}
	tests := []struct {
		name   string
		change func(*Config)
	}{
		{"no brokers", func(c *Config) { c.Kafka.Brokers = nil }},
		{"broker without port", func(c *Config) { c.Kafka.Brokers = []string{"kafka"} }},
		{"empty group", func(c *Config) { c.GroupID = "" }},
		{"same topic twice", func(c *Config) { c.Topics.DLQ = c.Topics.Input }},
		{"empty topic", func(c *Config) { c.Topics.Segments = "" }},
		{"zero batch size", func(c *Config) { c.BatchSize = 0 }},
		{"zero batch wait", func(c *Config) { c.BatchMaxWait = 0 }},
		{"retry max below min", func(c *Config) { c.RetryMax = c.RetryMin / 2 }},
		{"unknown emit policy", func(c *Config) { c.Emit = 7 }},
		{"unknown compression", func(c *Config) { c.Compression = 9 }},
		{"negative commit interval", func(c *Config) { c.CommitInterval = -time.Second }},
		{"zero produce linger", func(c *Config) { c.ProduceLinger = 0 }},
		{"model name with slash", func(c *Config) { c.ModelName = "a/b" }},
		{"small model messages", func(c *Config) { c.Setup.ModelMaxMessageBytes = 1000 }},
		{"unknown sasl mechanism", func(c *Config) { c.Kafka.SASL = SASLConfig{Mechanism: "GSSAPI", Username: "u"} }},
		{"sasl without user", func(c *Config) { c.Kafka.SASL = SASLConfig{Mechanism: SASLPlain} }},
		{"tls cert without key", func(c *Config) { c.Kafka.TLS = TLSConfig{Enable: true, CertFile: "c.pem"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig("localhost:9092")
			tt.change(&c)
			if err := c.Validate(); !errors.Is(err, ErrConfig) {
				t.Errorf("Validate() = %v; want an error matching ErrConfig", err)
			}
		})
	}
}

func TestParseCompression(t *testing.T) {
	for _, c := range []Compression{CompressionNone, CompressionLZ4, CompressionSnappy, CompressionZstd, CompressionGzip} {
		got, err := ParseCompression(c.String())
		if err != nil || got != c {
			t.Errorf("ParseCompression(%q) = %v, %v; want %v", c.String(), got, err, c)
		}
	}
	if _, err := ParseCompression("brotli"); !errors.Is(err, ErrConfig) {
		t.Errorf("ParseCompression(brotli) error = %v; want ErrConfig", err)
	}
	if got := Compression(42).String(); got != "Compression(42)" {
		t.Errorf("Compression(42).String() = %q", got)
	}
}

func TestParseEmitPolicy(t *testing.T) {
	for _, p := range []EmitPolicy{EmitOnChange, EmitAlways} {
		got, err := ParseEmitPolicy(p.String())
		if err != nil || got != p {
			t.Errorf("ParseEmitPolicy(%q) = %v, %v; want %v", p.String(), got, err, p)
		}
	}
	if _, err := ParseEmitPolicy("sometimes"); !errors.Is(err, ErrConfig) {
		t.Errorf("ParseEmitPolicy(sometimes) = %v; want ErrConfig", err)
	}
}

func TestSASLMechanisms(t *testing.T) {
	for _, name := range []string{SASLPlain, SASLScramSHA256, SASLScramSHA512} {
		c := DefaultKafkaConfig("k:9092")
		c.SASL = SASLConfig{Mechanism: name, Username: "user", Password: "pw"}
		m, err := c.Mechanism()
		if err != nil || m == nil || m.Name() != name {
			t.Errorf("Mechanism(%s) = %v, %v; want a mechanism named %s", name, m, err, name)
		}
	}
	if m, err := DefaultKafkaConfig("k:9092").Mechanism(); m != nil || err != nil {
		t.Errorf("Mechanism() without SASL = %v, %v; want nil, nil", m, err)
	}
}

// writeCert writes a self-signed CA certificate and its key as PEM files.
func writeCert(t *testing.T, dir string) (certFile, keyFile string, cert tls.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "storeseg-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
	if err := os.WriteFile(certFile, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err = tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile, cert
}

func TestTLSConfig(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, _ := writeCert(t, dir)
	c := DefaultKafkaConfig("k:9092")
	if tc, err := c.TLSConfig(); tc != nil || err != nil {
		t.Errorf("TLSConfig() without TLS = %v, %v; want nil, nil", tc, err)
	}
	c.TLS = TLSConfig{Enable: true, CAFile: certFile, CertFile: certFile, KeyFile: keyFile, ServerName: "localhost"}
	tc, err := c.TLSConfig()
	if err != nil || tc.RootCAs == nil || len(tc.Certificates) != 1 || tc.ServerName != "localhost" || tc.MinVersion != tls.VersionTLS12 {
		t.Fatalf("TLSConfig() = %+v, %v; want the CA pool, the client certificate and the server name", tc, err)
	}
	bad := filepath.Join(dir, "bad.pem")
	if err := os.WriteFile(bad, []byte("not pem"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, tl := range map[string]TLSConfig{
		"missing ca":  {Enable: true, CAFile: filepath.Join(dir, "none.pem")},
		"ca not pem":  {Enable: true, CAFile: bad},
		"bad keypair": {Enable: true, CertFile: certFile, KeyFile: bad},
	} {
		c.TLS = tl
		if _, err := c.TLSConfig(); err == nil {
			t.Errorf("%s: TLSConfig() succeeded; want an error", name)
		}
	}
}

// TestSASLAndTLSAgainstBroker connects to in-process brokers that require SCRAM-SHA-256 or
// PLAIN over TLS: the right credentials create the topics, wrong ones fail.
func TestSASLAndTLSAgainstBroker(t *testing.T) {
	dir := t.TempDir()
	certFile, _, cert := writeCert(t, dir)
	tests := []struct {
		name      string
		mechanism string
		tls       bool
	}{
		{"scram-sha-256", SASLScramSHA256, false},
		{"scram-sha-512", SASLScramSHA512, false},
		{"plain over tls", SASLPlain, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := []kfake.Opt{kfake.NumBrokers(1), kfake.EnableSASL(), kfake.Superuser(tt.mechanism, "admin", "s3cret")}
			if tt.tls {
				opts = append(opts, kfake.TLS(&tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}))
			}
			cl, err := kfake.NewCluster(opts...)
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Close()
			kc := DefaultKafkaConfig(cl.ListenAddrs()...)
			kc.DialTimeout = 3 * time.Second
			kc.TLS = TLSConfig{Enable: tt.tls, CAFile: certFile, ServerName: "localhost"}
			kc.SASL = SASLConfig{Mechanism: tt.mechanism, Username: "admin", Password: "s3cret"}
			topics := []kafka.TopicConfig{{Topic: "secured", NumPartitions: 1, ReplicationFactor: 1}}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := EnsureTopics(ctx, kc, topics); err != nil {
				t.Fatalf("with the right credentials: %v", err)
			}
			kc.SASL.Password = "wrong"
			ctx2, cancel2 := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel2()
			if err := EnsureTopics(ctx2, kc, topics); err == nil {
				t.Error("with a wrong password: no error")
			}
		})
	}
}

// TestMurmur2MatchesJava checks that the writers' partitioner puts keys where Kafka's Java
// producer does (testdata/java_partitions.tsv, made by testdata/gen_java_partitions.sh).
func TestMurmur2MatchesJava(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "java_partitions.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	bal := newClientsForTest(t).writer("x", time.Second, time.Millisecond, 0).Balancer
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Split(line, "\t")
		for k, parts := range []int{6, 7} {
			want, _ := strconv.Atoi(fields[k+1])
			ps := make([]int, parts)
			for i := range ps {
				ps[i] = i
			}
			if got := bal.Balance(kafka.Message{Key: []byte(fields[0])}, ps...); got != want {
				t.Errorf("key %q in %d partitions: partition %d; Java picks %d", fields[0], parts, got, want)
			}
		}
		n++
	}
	if n < 40 {
		t.Fatalf("only %d keys in the fixture", n)
	}
}

func newClientsForTest(t *testing.T) *clients {
	t.Helper()
	kc, err := newClients(DefaultKafkaConfig("localhost:9092"))
	if err != nil {
		t.Fatal(err)
	}
	return kc
}

func TestFeatureKinds(t *testing.T) {
	k := featureKinds{}
	spec := model.FeatureSpec{Numeric: []string{"a", "b"}, Categorical: []string{"c"}}
	if err := k.check(spec); err != nil {
		t.Errorf("empty state: %v; want any model accepted", err)
	}
	k.addState(&statestore.State{Num: []statestore.NumFeature{{Name: "a"}, {Name: "b"}}, Cat: []statestore.CatFeature{{Name: "c"}}})
	if err := k.check(spec); err != nil {
		t.Errorf("matching state: %v", err)
	}
	for name, s := range map[string]model.FeatureSpec{
		"unseen numeric":     {Numeric: []string{"a", "z"}, Categorical: []string{"c"}},
		"numeric as cat":     {Numeric: []string{"a"}, Categorical: []string{"b"}},
		"cat as numeric":     {Numeric: []string{"c"}},
		"unseen categorical": {Categorical: []string{"zz"}},
	} {
		if err := k.check(s); !errors.Is(err, ErrIncompatibleModel) {
			t.Errorf("%s: check = %v; want ErrIncompatibleModel", name, err)
		}
	}
	k.addUpdate(&statestore.Update{Num: []statestore.NumValue{{Name: "z"}}})
	if err := k.check(model.FeatureSpec{Numeric: []string{"z"}}); err != nil {
		t.Errorf("after an update carrying z: %v", err)
	}
}

func TestBounds(t *testing.T) {
	b := newBounds(config.Default().PreprocessSpec())
	tests := []struct {
		name  string
		value float64
		null  bool
		ok    bool
	}{
		{"zero revenue", 0, false, true},
		{"negative revenue", -0.5, false, false},
		{"null revenue", -1, true, true},
	}
	for _, tt := range tests {
		u := &schemas.StoreFeatureUpdate{StoreID: "s", Numeric: []schemas.NumericValue{{Name: "revenue_12m", Value: tt.value, Null: tt.null}}}
		err := b.check(u)
		var ie *inputError
		if (err == nil) != tt.ok || (err != nil && (!errors.As(err, &ie) || ie.Reason != ReasonOutOfRange)) {
			t.Errorf("%s: check = %v; want ok=%v", tt.name, err, tt.ok)
		}
	}
	u := &schemas.StoreFeatureUpdate{StoreID: "s", Numeric: []schemas.NumericValue{{Name: "opening_hours_week", Value: 169}}}
	if err := b.check(u); err == nil || !strings.Contains(err.Error(), "maximum 168") {
		t.Errorf("169 opening hours: %v; want above the maximum", err)
	}
}

func TestShouldEmit(t *testing.T) {
	prev := statestore.Emission{SegmentID: 3, ModelVersion: "m1", Acked: true}
	tests := []struct {
		name    string
		policy  EmitPolicy
		has     bool
		prev    statestore.Emission
		version string
		seg     int32
		changed bool
		want    bool
	}{
		{"first assignment", EmitOnChange, false, statestore.Emission{}, "m1", 3, true, true},
		{"same segment", EmitOnChange, true, prev, "m1", 3, true, false},
		{"same segment, new model", EmitOnChange, true, prev, "m2", 3, false, false},
		{"segment changed", EmitOnChange, true, prev, "m1", 4, true, true},
		{"after a removal", EmitOnChange, true, statestore.Emission{SegmentID: -1, Acked: true}, "m1", 3, true, true},
		{"not acknowledged", EmitOnChange, true, statestore.Emission{SegmentID: 3, ModelVersion: "m1"}, "m1", 3, true, true},
		{"always, state changed", EmitAlways, true, prev, "m1", 3, true, true},
		{"always, rescore by the same model", EmitAlways, true, prev, "m1", 3, false, false},
		{"always, rescore by a new model", EmitAlways, true, prev, "m2", 3, false, true},
	}
	for _, tt := range tests {
		c := &Consumer{cfg: Config{Emit: tt.policy}}
		if got := c.shouldEmit(tt.has, tt.prev, tt.version, tt.seg, tt.changed); got != tt.want {
			t.Errorf("%s: shouldEmit = %v; want %v", tt.name, got, tt.want)
		}
	}
}

func TestRetry(t *testing.T) {
	c := &Consumer{cfg: Config{RetryMin: time.Millisecond, RetryMax: 4 * time.Millisecond}, m: newMetrics(nil, nil, nil),
		log: slog.New(slog.DiscardHandler)}
	calls := 0
	err := c.retry(context.Background(), "op", func(ctx context.Context) error {
		calls++
		if calls < 4 {
			return fmt.Errorf("attempt %d: %w", calls, context.DeadlineExceeded) // one attempt timed out
		}
		return nil
	})
	if err != nil || calls != 4 {
		t.Errorf("retry = %v after %d calls; want success after 4 (an attempt's timeout is transient)", err, calls)
	}
	calls = 0
	err = c.retry(context.Background(), "op", func(context.Context) error { calls++; return statestore.ErrCorrupt })
	if !errors.Is(err, statestore.ErrCorrupt) || calls != 1 {
		t.Errorf("retry of a permanent error = %v after %d calls; want it returned at once", err, calls)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.retry(ctx, "op", func(context.Context) error { return errors.New("broker away") }); !errors.Is(err, context.Canceled) {
		t.Errorf("retry with a cancelled context = %v; want context.Canceled", err)
	}
}

// TestWritersUseCompression checks the output writers get Config.Compression and the
// publisher keeps LZ4.
func TestWritersUseCompression(t *testing.T) {
	for _, comp := range []Compression{CompressionNone, CompressionZstd} {
		cfg := DefaultConfig("localhost:9092")
		cfg.Compression = comp
		c, err := New(cfg, statestoretest.New(), nil, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		w := c.newWriters()
		for _, wr := range []*kafka.Writer{w.dlq, w.state, w.segs} {
			if wr.Compression != comp.codec() {
				t.Errorf("%s: writer to %s compresses with %v; want %v", comp, wr.Topic, wr.Compression, comp.codec())
			}
		}
		if err := w.close(time.Second); err != nil {
			t.Error(err)
		}
	}
}
