// Package integration holds storeseg's cross-component integration tests. They run against
// real services (Apache Kafka in KRaft mode and an MLflow tracking server) and are compiled
// only with the build tag "integration":
//
//	make test-integration                      # starts the services, runs, stops them
//	eval "$(scripts/test-services up)"         # or by hand
//	go test -race -tags integration ./integration/...
//
// Service addresses come from the environment that scripts/test-services prints:
// KAFKA_BROKERS (comma-separated host:port), MLFLOW_TRACKING_URI, and for cross-checks
// against the reference implementations STORESEG_KAFKA_LIBS (the Kafka jars, for the Java
// client's partitioner) and MLFLOW_PYTHON (MLflow's Python client). A test whose service is
// not configured skips with a message saying so. docs/services.md describes the services.
//
// Tests isolate themselves with random topic, group and experiment names, so they can share
// one broker and one server with each other and with other developers' runs.
package integration
