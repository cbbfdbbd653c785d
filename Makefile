# respanexporter developer and CI targets. `make test` is the test command
# the README quotes; .ci/run runs `make lint test compat`.

GO ?= go
export GOPROXY ?= https://proxy.golang.org

# staticcheck 2026.2.2 (v0.8.2) is the first release line that supports Go 1.26.
STATICCHECK_VERSION ?= v0.8.2
STATICCHECK ?= $(shell $(GO) env GOPATH)/bin/staticcheck

# The race detector needs cgo and a C compiler; fall back to plain tests
# where either is missing. Override with RACE= or RACE=-race.
RACE ?= $(shell [ "$$($(GO) env CGO_ENABLED)" = 1 ] && command -v "$$($(GO) env CC)" >/dev/null 2>&1 && echo -race)

# Fuzz time per target: brief in `make test`, longer in `make fuzz`.
# FUZZTIME=0 skips the fuzz runs of `make test`.
FUZZTIME ?= 15s
LONG_FUZZTIME ?= 5m
FUZZ_TARGETS := FuzzTranslate FuzzAttributes FuzzParseJSON FuzzAppendString

# Go files under version control or about to be (not ignored ones such as an
# ocb build in dist/); every .go file when this is not a git checkout.
GOFILES = $(shell git ls-files -co --exclude-standard -- '*.go' 2>/dev/null || find . -name '*.go' -not -path './.git/*')

.PHONY: all test unit fuzz-brief fuzz lint staticcheck-install bench bench-ratio compat generate

all: lint test

# The README's test command: unit tests, brief fuzzing of the translator, and
# the end-to-end tests against the real otelcol-respan binary (built once by
# dist.mk, minutes the first time). E2E=0 skips the end-to-end part.
E2E ?= 1
test: unit fuzz-brief
ifneq ($(E2E),0)
test: e2e
endif

unit:
	$(GO) test $(RACE) ./...

fuzz-brief:
ifneq ($(FUZZTIME),0)
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "$(GO) test -run='^\$$' -fuzz='^$$t\$$' -fuzztime=$(FUZZTIME) ./internal/translator"; \
		$(GO) test -run='^$$' -fuzz="^$$t\$$" -fuzztime=$(FUZZTIME) ./internal/translator; \
	done
endif

fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "$(GO) test -run='^\$$' -fuzz='^$$t\$$' -fuzztime=$(LONG_FUZZTIME) ./internal/translator"; \
		$(GO) test -run='^$$' -fuzz="^$$t\$$" -fuzztime=$(LONG_FUZZTIME) ./internal/translator; \
	done

staticcheck-install:
	@if ! "$(STATICCHECK)" -version 2>/dev/null | grep -q '($(STATICCHECK_VERSION:v%=%))'; then \
		echo "$(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)"; \
		$(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION); \
	fi

lint: staticcheck-install
	@unformatted="$$(gofmt -l $(or $(GOFILES),/dev/null))"; if [ -n "$$unformatted" ]; then \
		echo "gofmt -l: these files need gofmt -w:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	"$(STATICCHECK)" ./...

# COUNT, BENCHTIME and MAX (e.g. MAX=1.5) are passed through.
bench-ratio:
	bash .ci/bench-ratio.sh

compat:
	bash .ci/compat.sh

generate:
	$(GO) generate ./...

include dist.mk
include bench.mk
include reliability.mk
