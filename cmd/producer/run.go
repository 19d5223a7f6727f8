package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/storeseg/storeseg/schemas"
	"github.com/storeseg/storeseg/schemas/registry"
	"github.com/storeseg/storeseg/stream"
	"github.com/storeseg/storeseg/stream/loadgen"
)

type options struct {
	brokers, topic       string
	stores               int
	seed                 uint64
	snapshots            bool
	steps                int
	fromStep             int
	rate                 float64
	duration             time.Duration
	batch                int
	workers              int
	partitions           int
	registryURL          string
	tls                  bool
	tlsCA, saslMechanism string
	saslUser, saslPass   string
	reportEvery          time.Duration
	timestampNow         bool
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	return runEnv(ctx, args, os.Getenv, stdout)
}

func parseFlags(args []string, getenv func(string) string, stdout io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("producer", flag.ContinueOnError)
	fs.SetOutput(stdout)
	fs.StringVar(&o.brokers, "brokers", "", "Kafka bootstrap brokers, comma-separated (also $KAFKA_BROKERS)")
	fs.StringVar(&o.topic, "topic", "store-features", "input topic of the consumer")
	fs.IntVar(&o.stores, "stores", 10000, "number of generated stores")
	fs.Uint64Var(&o.seed, "seed", 1, "generator seed (the same seed a refit used gives the same stores)")
	fs.BoolVar(&o.snapshots, "snapshots", true, "send a full snapshot of every store first")
	fs.IntVar(&o.steps, "steps", 1, "rounds of partial updates after the snapshots; -1 runs until stopped")
	fs.IntVar(&o.fromStep, "from-step", 1, "first update step (event time start + step hours); continue a previous run with its last step + 1")
	fs.Float64Var(&o.rate, "rate", 0, "target events per second; 0 sends as fast as possible")
	fs.DurationVar(&o.duration, "duration", 0, "stop after this long (0: when the rounds are done)")
	fs.IntVar(&o.batch, "batch", 1000, "events per write call")
	fs.IntVar(&o.workers, "workers", 2, "concurrent write calls")
	fs.IntVar(&o.partitions, "partitions", 6, "partitions of the topic if it must be created")
	fs.StringVar(&o.registryURL, "registry-url", "", "Schema Registry URL: register the schema and use Confluent framing")
	fs.BoolVar(&o.tls, "tls", false, "connect with TLS")
	fs.StringVar(&o.tlsCA, "tls-ca", "", "PEM file of CAs to trust")
	fs.StringVar(&o.saslMechanism, "sasl-mechanism", "", "SASL mechanism: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512")
	fs.StringVar(&o.saslUser, "sasl-user", "", "SASL user")
	fs.StringVar(&o.saslPass, "sasl-password", "", "SASL password")
	fs.DurationVar(&o.reportEvery, "report-every", 5*time.Second, "progress report interval (0: only the final report)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		name := "STORESEG_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(name); v != "" && !set[f.Name] {
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %w", name, v, err))
			}
		}
	})
	if o.brokers == "" {
		o.brokers = getenv("KAFKA_BROKERS")
	}
	if o.brokers == "" {
		errs = append(errs, errors.New("no brokers: set --brokers or KAFKA_BROKERS (the dev consumer logs its broker address)"))
	}
	if o.stores < 1 || o.batch < 1 || o.workers < 1 || o.rate < 0 || o.steps < -1 || o.fromStep < 1 || (!o.snapshots && o.steps == 0) {
		errs = append(errs, fmt.Errorf("stores %d, batch %d and workers %d must be positive, rate %g not negative, steps %d at least -1, and something to send",
			o.stores, o.batch, o.workers, o.rate, o.steps))
	}
	return o, errors.Join(errs...)
}

func (o *options) kafkaConfig() stream.KafkaConfig {
	kc := stream.DefaultKafkaConfig(strings.Split(o.brokers, ",")...)
	kc.ClientID = "storeseg-producer"
	kc.TLS = stream.TLSConfig{Enable: o.tls, CAFile: o.tlsCA}
	kc.SASL = stream.SASLConfig{Mechanism: strings.ToUpper(o.saslMechanism), Username: o.saslUser, Password: o.saslPass}
	return kc
}

func runEnv(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	o, err := parseFlags(args, getenv, stdout)
	if err != nil {
		return err
	}
	kc := o.kafkaConfig()
	if err := stream.EnsureTopics(ctx, kc, []kafka.TopicConfig{{Topic: o.topic, NumPartitions: o.partitions, ReplicationFactor: 1}}); err != nil {
		return err
	}
	schemaID := 0
	if o.registryURL != "" {
		rc, err := registry.New(registry.DefaultConfig(o.registryURL), nil)
		if err != nil {
			return err
		}
		if schemaID, err = rc.Register(ctx, registry.Subject(o.topic), schemas.SchemaOf(&schemas.StoreFeatureUpdate{}).Text); err != nil {
			return err
		}
	}
	if o.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.duration)
		defer cancel()
	}
	w, err := stream.NewWriter(kc, o.topic)
	if err != nil {
		return err
	}
	p := &producer{o: o, w: w, schemaID: schemaID, out: stdout, start: time.Now()}
	err = p.produce(ctx)
	err = errors.Join(err, stream.CloseWriter(w, 30*time.Second))
	p.report("done")
	if errors.Is(err, context.DeadlineExceeded) && o.duration > 0 || errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// producer sends the events of every round, rate-limited, from several workers.
type producer struct {
	o        *options
	w        *kafka.Writer
	schemaID int
	out      io.Writer
	start    time.Time
	sent     atomic.Int64
	mu       sync.Mutex
}

// produce sends round 0 (snapshots) and then the update steps.
func (p *producer) produce(ctx context.Context) error {
	jobs := make(chan [2]int) // step, first store of a batch
	errc := make(chan error, p.o.workers)
	var wg sync.WaitGroup
	for range p.o.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.work(ctx, jobs); err != nil {
				errc <- err
			}
		}()
	}
	stopReport := p.reportLoop()
	err := p.feed(ctx, jobs, errc)
	close(jobs)
	wg.Wait()
	stopReport()
	close(errc)
	for e := range errc {
		err = errors.Join(err, e)
	}
	return err
}

func (p *producer) feed(ctx context.Context, jobs chan<- [2]int, errc <-chan error) error {
	if p.o.snapshots {
		if err := p.round(ctx, jobs, errc, 0); err != nil {
			return err
		}
	}
	for k := 0; p.o.steps < 0 || k < p.o.steps; k++ {
		if err := p.round(ctx, jobs, errc, p.o.fromStep+k); err != nil {
			return err
		}
	}
	return nil
}

// round queues every store's event of one step (0: the snapshots).
func (p *producer) round(ctx context.Context, jobs chan<- [2]int, errc <-chan error, step int) error {
	for i := 0; i < p.o.stores; i += p.o.batch {
		if err := p.pace(ctx); err != nil {
			return err
		}
		select {
		case jobs <- [2]int{step, i}:
		case err := <-errc:
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// pace sleeps until sending another batch keeps the target rate.
func (p *producer) pace(ctx context.Context) error {
	if p.o.rate <= 0 {
		return ctx.Err()
	}
	due := p.start.Add(time.Duration(float64(p.sent.Load()) / p.o.rate * float64(time.Second)))
	if d := time.Until(due); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func (p *producer) work(ctx context.Context, jobs <-chan [2]int) error {
	cfg := loadgen.DefaultConfig()
	cfg.Synth.Stores, cfg.Synth.Seed, cfg.SchemaID, cfg.Source = p.o.stores, p.o.seed, p.schemaID, "producer"
	g, err := loadgen.New(cfg)
	if err != nil {
		return err
	}
	for job := range jobs {
		step, from := job[0], job[1]
		to := min(from+p.o.batch, p.o.stores)
		msgs := make([]kafka.Message, 0, to-from)
		for i := from; i < to; i++ {
			var v []byte
			if step == 0 {
				v, err = g.Snapshot(nil, i)
			} else {
				v, err = g.Update(nil, i, step)
			}
			if err != nil {
				return fmt.Errorf("encoding store %d step %d: %w", i, step, err)
			}
			msgs = append(msgs, kafka.Message{Key: g.Key(i), Value: v, Time: time.Now()})
		}
		if err := p.w.WriteMessages(ctx, msgs...); err != nil {
			return fmt.Errorf("writing: %w", err)
		}
		p.sent.Add(int64(len(msgs)))
	}
	return nil
}

func (p *producer) reportLoop() (stop func()) {
	if p.o.reportEvery <= 0 {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(p.o.reportEvery)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				p.report("progress")
			case <-done:
				return
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

func (p *producer) report(what string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n, d := p.sent.Load(), time.Since(p.start)
	fmt.Fprintf(p.out, "%s: %d events in %.2fs = %.0f events/s (target %s)\n", what, n, d.Seconds(), float64(n)/d.Seconds(), target(p.o.rate))
}

func target(rate float64) string {
	if rate <= 0 {
		return "as fast as possible"
	}
	return fmt.Sprintf("%.0f/s", rate)
}
