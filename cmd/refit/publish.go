package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/storeseg/storeseg/model"
	"github.com/storeseg/storeseg/schemas"
	"github.com/storeseg/storeseg/stream"
)

// bundleFormat names the bundle format on the models topic.
var bundleFormat = fmt.Sprintf("storeseg-bundle/v%d", model.BundleFormat)

// publish publishes a model that passed its gate onto the compacted models topic, where
// every consumer (including one starting with an empty disk) finds it. A failure is recorded
// in o; the model stays on disk and in MLflow.
func (j *refitJob) publish(ctx context.Context, o *runOutcome) {
	if j.opts.noPublish || j.opts.brokers == "" {
		return
	}
	pcfg := stream.DefaultPublisherConfig()
	pcfg.Kafka = j.kafka()
	pcfg.Topic = j.opts.modelsTopic
	pcfg.WriteTimeout = j.opts.kafkaTimeout
	p, err := stream.NewPublisher(pcfg)
	if err != nil {
		o.publishErr = err
		return
	}
	defer func() {
		if err := p.Close(); err != nil && o.publishErr == nil {
			o.publishErr = err
		}
	}()
	m := o.result.Bundle.Manifest()
	_, err = p.Publish(ctx, schemas.ModelPublished{
		ModelName: j.opts.modelName, ModelVersion: m.ModelVersion, CreatedAt: time.Now().UnixMilli(),
		BundleFormat: bundleFormat, RunID: o.runID,
		Metadata: map[string]string{"code_version": m.CodeVersion, "config_hash": m.ConfigHash, "snapshot_source": o.source},
	}, o.artifacts.bundleBytes)
	o.publishErr = err
	o.published = err == nil
}

// latestPublished reads the models topic and returns the newest complete bundle published
// under modelName, or nil when there is none.
func latestPublished(ctx context.Context, kcfg stream.KafkaConfig, topic, modelName string, timeout time.Duration) (*model.Bundle, error) {
	tlsCfg, err := kcfg.TLSConfig()
	if err != nil {
		return nil, err
	}
	mech, err := kcfg.Mechanism()
	if err != nil {
		return nil, err
	}
	admin := &kafka.Client{Addr: kafka.TCP(kcfg.Brokers...), Timeout: timeout,
		Transport: &kafka.Transport{ClientID: kcfg.ClientID, DialTimeout: kcfg.DialTimeout, TLS: tlsCfg, SASL: mech}}
	ranges, err := partitionRanges(ctx, admin, topic)
	if err != nil {
		if errors.Is(err, errNoTopic) {
			return nil, nil
		}
		return nil, err
	}
	asm, err := schemas.NewAssembler(schemas.DefaultAssemblerConfig(), schemas.NewDecoder(nil))
	if err != nil {
		return nil, err
	}
	dialer := &kafka.Dialer{ClientID: kcfg.ClientID, Timeout: kcfg.DialTimeout, DualStack: true, TLS: tlsCfg, SASLMechanism: mech}
	var latest *schemas.Bundle
	for p, r := range ranges { // the models topic has one partition; order matters within it
		if r[1] <= r[0] {
			continue
		}
		err := readPartition(ctx, dialer, kcfg.Brokers, topic, p, r, timeout, func(key string, value []byte) error {
			b, err := asm.Add(ctx, key, value)
			if err != nil {
				return nil // a bad record on the topic does not hide the good ones
			}
			if b != nil && b.Manifest.ModelName == modelName {
				latest = b
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if latest == nil {
		return nil, nil
	}
	return model.Load(latest.Data)
}
