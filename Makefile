# storeseg — developer entry points. Every target here works; none is a placeholder.
# `make test` is the single test command: it runs exactly what CI (.ci/run) runs.
GO      ?= go
PKGS    ?= ./...
# Packages with integration tests: test files carrying //go:build integration.
INTEGRATION_PKGS = $(shell grep -rlE --include='*_test.go' --exclude-dir=.git --exclude-dir=.cache \
	--exclude-dir=testdata '^//go:build .*\bintegration\b' . | xargs -r -n1 dirname | sort -u)

GOLANGCI_LINT_VERSION ?= v2.15.0
GOLANGCI_LINT ?= $(or $(shell command -v golangci-lint),$(shell $(GO) env GOPATH)/bin/golangci-lint)

.PHONY: test test-unit test-integration test-integration-run vet fmt lint demo deploy-check bench bench-compare \
	services-up services-down services-status

## test: everything CI runs: vet, gofmt check, race-enabled unit tests, then the integration
## tests against real Kafka and MLflow (started before and stopped after, see docs/services.md).
test: vet fmt test-unit test-integration

## test-unit: race-enabled unit tests; no external services needed.
test-unit:
	$(GO) test -race -count=1 $(PKGS)

## test-integration: start the test services, run the integration tests, stop the services.
test-integration:
	scripts/with-services $(MAKE) --no-print-directory test-integration-run

## test-integration-run: the integration tests against services that are already up
## (eval "$$(scripts/test-services up)" first).
test-integration-run:
	@if [ -z "$(INTEGRATION_PKGS)" ]; then echo "no integration tests found"; exit 1; fi
	$(GO) test -race -count=1 -timeout 20m -tags integration $(INTEGRATION_PKGS)

## vet: go vet, with and without the integration build tag.
vet:
	$(GO) vet $(PKGS)
	$(if $(INTEGRATION_PKGS),$(GO) vet -tags integration $(INTEGRATION_PKGS))

## fmt: fail if any tracked Go file is not gofmt-formatted.
fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

## lint: golangci-lint with .golangci.yml (package boundaries, errorlint, revive, ...); installs
## the pinned version from the Go module proxy if missing. Not part of `make test` yet.
lint:
	@test -x "$(GOLANGCI_LINT)" || $(GO) install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
	$(GOLANGCI_LINT) run --build-tags integration $(PKGS)

## bench: the Go benchmarks of every package, allocations included (a few minutes); for
## before/after comparisons use BENCH_FLAGS=-count=6 and benchstat, as docs/BENCHMARKS.md says.
BENCH_FLAGS ?=
bench:
	$(GO) test -run '^$$' -bench . -benchmem $(BENCH_FLAGS) $(PKGS)

## bench-compare: the side-by-side comparisons against the Python/R reference stack
## (needs scripts/setup-reference; about an hour on 2 cores). See bench/compare-all.
bench-compare:
	bench/compare-all

## deploy-check: static checks of deploy/ (promtool rules and unit tests, dashboards, compose,
## Kubernetes); `deploy/check live` also runs a real Prometheus against a dev-mode consumer.
deploy-check:
	deploy/check

## demo: the main job on embedded defaults, no external services (scripts/demo).
demo:
	scripts/demo

services-up:
	scripts/test-services up

services-down:
	scripts/test-services down

services-status:
	scripts/test-services status
