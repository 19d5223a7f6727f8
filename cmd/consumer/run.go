package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/storeseg/storeseg/model"
	"github.com/storeseg/storeseg/schemas"
	"github.com/storeseg/storeseg/schemas/registry"
	"github.com/storeseg/storeseg/statestore"
	"github.com/storeseg/storeseg/stream"
)

var _ stream.StateStore = (*statestore.Store)(nil)

// run parses args (and the environment) and runs the consumer until ctx is cancelled.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	return runEnv(ctx, args, os.Getenv, stdout)
}

func runEnv(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) (err error) {
	o, err := parseFlags(args, getenv, stdout)
	if err != nil {
		return err
	}
	log, err := o.logger(stdout)
	if err != nil {
		return err
	}
	brokers := splitList(o.brokers)
	if o.dev || len(brokers) == 0 {
		cluster, err := startDevBroker(o.devPort)
		if err != nil {
			return err
		}
		defer cluster.Close()
		brokers = cluster.ListenAddrs()
		log.Info("dev mode: in-process Kafka-protocol broker started", "brokers", strings.Join(brokers, ","))
	}
	cfg, err := o.streamConfig(brokers)
	if err != nil {
		return err
	}
	if o.model != "" {
		if err := publishModelFile(ctx, cfg, o.model, log); err != nil {
			return err
		}
	}
	scfg, err := o.stateConfig()
	if err != nil {
		return err
	}
	store, err := statestore.Open(scfg, log.With("component", "statestore"))
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, store.Close()) }()
	return serve(ctx, o, cfg, store, log)
}

// serve runs the consumer and its HTTP server until ctx ends or either fails.
func serve(ctx context.Context, o *options, cfg stream.Config, store *statestore.Store, log *slog.Logger) error {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	var sr stream.SchemaRegistry
	if o.registryURL != "" {
		rc := registry.DefaultConfig(o.registryURL)
		rc.Username, rc.Password = o.registryUser, o.registryPassword
		client, err := registry.New(rc, nil)
		if err != nil {
			return err
		}
		sr = client
	}
	c, err := stream.New(cfg, store, sr, log.With("component", "stream"), reg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.httpAddr)
	if err != nil {
		return fmt.Errorf("listening for HTTP: %w", err)
	}
	handler := c.Handler(reg)
	if o.pprof {
		mux := http.NewServeMux()
		mux.Handle("/", handler)
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		handler = mux
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	log.Info("HTTP API listening", "addr", "http://"+ln.Addr().String())
	httpErr := make(chan error, 1)
	go func() { httpErr <- srv.Serve(ln) }()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	runErr := make(chan error, 1)
	go func() { runErr <- c.Run(ctx) }()
	select {
	case err = <-runErr:
	case err = <-httpErr:
		cancel()
		err = errors.Join(fmt.Errorf("serving HTTP: %w", err), <-runErr)
	}
	sctx, scancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer scancel()
	if serr := srv.Shutdown(sctx); serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, fmt.Errorf("stopping HTTP: %w", serr))
	}
	log.Info("consumer stopped")
	return err
}

// startDevBroker starts an in-process Kafka-protocol broker on 127.0.0.1.
func startDevBroker(port int) (*kfake.Cluster, error) {
	opts := []kfake.Opt{kfake.NumBrokers(1), kfake.ListenFn(func(network, _ string) (net.Listener, error) {
		return net.Listen(network, fmt.Sprintf("127.0.0.1:%d", port))
	})}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("starting the dev broker: %w", err)
	}
	return c, nil
}

// publishModelFile publishes a bundle file onto the models topic through the publisher refit
// uses, so the consumer's subscription loads it like any published model.
func publishModelFile(ctx context.Context, cfg stream.Config, path string, log *slog.Logger) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading the model bundle: %w", err)
	}
	b, err := model.Load(data)
	if err != nil {
		return fmt.Errorf("model bundle %s: %w", path, err)
	}
	pcfg := stream.DefaultPublisherConfig()
	pcfg.Kafka, pcfg.Topic = cfg.Kafka, cfg.Topics.Models
	p, err := stream.NewPublisher(pcfg)
	if err != nil {
		return err
	}
	name := cfg.ModelName
	if name == "" {
		name = "storeseg"
	}
	_, err = p.Publish(ctx, schemas.ModelPublished{ModelName: name, ModelVersion: b.Version(),
		BundleFormat: fmt.Sprintf("storeseg-bundle/v%d", model.BundleFormat),
		Metadata:     map[string]string{"source": "consumer --model " + filepath.Base(path)}}, data)
	err = errors.Join(err, p.Close())
	if err != nil {
		return err
	}
	log.Info("model bundle published", "file", path, "model", name, "version", b.Version(), "topic", cfg.Topics.Models)
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
