# respanexporter: every developer and CI target. `make help` lists them.
# `make run` and `make test` are the two commands the README opens with;
# .ci/run (CI) runs `make lint test`, the bench smoke and the compat check.
#
# Go comes from the environment as it is: modules are fetched the way your
# own Go settings say. Every tool is pinned in internal/tools/go.mod (its
# `tool` block) and run the same way, with $(TOOL) <name>.

GO ?= go
TOOL := $(GO) tool -modfile=$(CURDIR)/internal/tools/go.mod

# The race detector needs cgo and a C compiler; fall back to plain tests
# where either is missing. Override with RACE= or RACE=-race.
RACE ?= $(shell [ "$$($(GO) env CGO_ENABLED)" = 1 ] && command -v "$$($(GO) env CC)" >/dev/null 2>&1 && echo -race)

# Fuzz budget per target: brief in `make test`, longer in `make fuzz`.
# The brief one is a count of executions, not a duration: with a duration,
# Go 1.26's fuzz coordinator can report a spurious "context deadline
# exceeded" as the time runs out (golang/go#75804, fixed in Go 1.27).
# 20,000 runs take 2-15 s a target. FUZZTIME=0 skips the fuzz runs.
FUZZTIME ?= 20000x
LONG_FUZZTIME ?= 5m
FUZZ_TARGETS := FuzzTranslate FuzzAttributes FuzzAttributesRedacted FuzzParseJSON FuzzAppendString FuzzFastMessages FuzzDeferredMatchesText FuzzMetaJSONMatchesTree FuzzContentStreams \
	FuzzInvocationParams FuzzToolChoiceAttr FuzzObjectMembers FuzzFastContent FuzzFastEvents FuzzContentEvents FuzzLangfuseInput FuzzTextBlocks FuzzFastValueMessages FuzzBedrockModelID FuzzStatusLabel FuzzLangfuseOutput

# Go files under version control or about to be (not ignored ones such as an
# ocb build in dist/); every .go file when this is not a git checkout.
GOFILES = $(shell git ls-files -co --exclude-standard -- '*.go' 2>/dev/null || find . -name '*.go' -not -path './.git/*' -not -path './dist/*')

# The SPDX header every Go file carries (addlicense writes and checks it).
LICENSE_HEADER := internal/tools/license-header.txt

.DEFAULT_GOAL := help
.PHONY: help all test unit fuzz-brief fuzz fuzz-long lint license generate compat \
	dist dist-clean run e2e validate-examples reliability \
	bench bench-micro bench-build bench-load bench-profile bench-soak bench-smoke bench-ratio bench-compare bench-instructions

help: ## list the targets
	@awk 'BEGIN { FS = ":.*## " } /^[a-z][a-z-]*:.*## / { printf "  make %-18s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

all: lint test ## lint, then every test

# ---------------------------------------------------------------- tests

# The README's test command: unit tests, brief fuzzing of the translator, and
# the end-to-end tests against the real otelcol-respan binary (built once,
# minutes the first time). E2E=0 skips the end-to-end part.
E2E ?= 1
test: unit fuzz-brief ## all tests: unit, brief fuzzing, distribution build and end-to-end (E2E=0 skips those)
ifneq ($(E2E),0)
test: e2e
endif

unit: ## unit tests of the exporter module (with -race where cgo is available)
	$(GO) test $(RACE) ./...

fuzz-brief:
ifneq ($(FUZZTIME),0)
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "$(GO) test -run='^\$$' -fuzz='^$$t\$$' -fuzztime=$(FUZZTIME) -fuzzminimizetime=100x ./internal/translator"; \
		$(GO) test -run='^$$' -fuzz="^$$t\$$" -fuzztime=$(FUZZTIME) -fuzzminimizetime=100x ./internal/translator; \
	done
endif

fuzz: ## fuzz every translator target for LONG_FUZZTIME (5m) each
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "$(GO) test -run='^\$$' -fuzz='^$$t\$$' -fuzztime=$(LONG_FUZZTIME) ./internal/translator"; \
		$(GO) test -run='^$$' -fuzz="^$$t\$$" -fuzztime=$(LONG_FUZZTIME) ./internal/translator; \
	done

FUZZ_LONG_TIME ?= 3m
fuzz-long: ## longer fuzzing of the translator and of otlp2respan's OTLP/JSON input
	@set -e; for t in FuzzTranslate FuzzAttributes; do \
		echo "$(GO) test -run='^\$$' -fuzz='^$$t\$$' -fuzztime=$(FUZZ_LONG_TIME) ./internal/translator"; \
		$(GO) test -run='^$$' -fuzz="^$$t\$$" -fuzztime=$(FUZZ_LONG_TIME) ./internal/translator; \
	done; \
	echo "$(GO) test -run='^\$$' -fuzz='^FuzzDecodeOTLPJSON\$$' -fuzztime=$(FUZZ_LONG_TIME) ./cmd/otlp2respan"; \
	$(GO) test -run='^$$' -fuzz='^FuzzDecodeOTLPJSON$$' -fuzztime=$(FUZZ_LONG_TIME) ./cmd/otlp2respan

# ---------------------------------------------------------------- lint and code generation

lint: ## gofmt, go vet, staticcheck and the SPDX license header of every Go file
	@unformatted="$$(gofmt -l $(or $(GOFILES),/dev/null))"; if [ -n "$$unformatted" ]; then \
		echo "gofmt -l: these files need gofmt -w:"; echo "$$unformatted"; exit 1; fi
	@missing="$$($(TOOL) addlicense -check $(GOFILES) 2>&1)" || { \
		echo "addlicense -check: these files lack the SPDX header (make license adds it):"; echo "$$missing"; exit 1; }
	@holder="$$(head -n1 $(LICENSE_HEADER))"; other="$$(for f in $(GOFILES); do head -n3 "$$f" | grep -q '^// Code generated' && continue; \
		[ "$$(head -n1 "$$f")" = "// $$holder" ] || echo "$$f"; done)"; if [ -n "$$other" ]; then \
		echo "these files' first line is not '// $$holder':"; echo "$$other"; exit 1; fi
	$(GO) vet ./...
	$(TOOL) staticcheck ./...

license: ## add the SPDX license header to every Go file that lacks it
	$(TOOL) addlicense -f $(LICENSE_HEADER) $(GOFILES)

generate: ## regenerate mdatagen code from metadata.yaml (go generate ./...)
	$(GO) generate ./...

compat: ## build and test the module against the newest collector line (.ci/compat.sh)
	bash .ci/compat.sh

# ---------------------------------------------------------------- distribution and end-to-end

# The collector line everything is pinned to (see builder-config.yaml); the
# builder's version is the one pinned in internal/tools/go.mod.
DIST_DIR := dist
DIST_BIN := $(DIST_DIR)/otelcol-respan
# Overall time limit of `go test` in e2e/ (the tests set their own, shorter
# per-step deadlines).
E2E_TIMEOUT ?= 8m
E2E_FLAGS ?=
# `make e2e` (and so `make test` and CI) runs the reliability scenarios in
# their short version; `make reliability` runs the long one.
export RELIABILITY_SHORT ?= 1

# What the distribution is compiled from: the manifest, the exporter
# module's go.mod/go.sum and its non-test Go files outside dist/, e2e/,
# cmd/ and examples/ (a superset of what the exporter imports: an unrelated
# change costs a recompile of seconds, a missed one a stale binary).
DIST_SRCS := builder-config.yaml go.mod go.sum \
	$(shell find . \( -path ./dist -o -path ./e2e -o -path ./cmd -o -path ./examples -o -path ./internal/tools -o -path ./bench -o -path ./.git \) -prune \
		-o -name '*.go' ! -name '*_test.go' -print)

dist: $(DIST_BIN) ## build dist/otelcol-respan with ocb (only when missing or stale)

# A change to the manifest or to go.mod/go.sum regenerates the sources with
# ocb (which also resolves modules). A change to Go sources alone only
# recompiles the generated main package: same flags as ocb (-trimpath,
# -ldflags="-s -w", cgo off), a fraction of the time. If that fails (e.g.
# the generated go.mod needs tidying after a dependency change), ocb runs.
# The generated Go files are gofmt'ed afterwards: ocb's are not, and
# `gofmt -l` in `make lint` would otherwise walk into dist/.
$(DIST_BIN): $(DIST_SRCS)
	@set -e; start=$$(date +%s); \
	if [ -f "$(DIST_BIN)" ] && [ -f "$(DIST_DIR)/go.mod" ] && [ "$(DIST_DIR)/go.mod" -nt builder-config.yaml ] \
		&& [ "$(DIST_DIR)/go.mod" -nt go.mod ] && [ "$(DIST_DIR)/go.mod" -nt go.sum ]; then \
		echo "dist: exporter sources changed; recompiling $(DIST_BIN)"; \
		if ! (cd "$(DIST_DIR)" && CGO_ENABLED=0 $(GO) build -trimpath -o otelcol-respan -ldflags="-s -w" -gcflags=""); then \
			echo "dist: recompiling failed; regenerating with ocb"; \
			$(TOOL) builder --config builder-config.yaml; \
		fi; \
	else \
		echo "dist: building $(DIST_BIN) with ocb (first build takes minutes)"; \
		$(TOOL) builder --config builder-config.yaml; \
	fi; \
	gofmt -w $(DIST_DIR)/*.go; \
	touch "$(DIST_BIN)"; \
	echo "dist: $(DIST_BIN) ready in $$(( $$(date +%s) - start ))s"

dist-clean: ## remove dist/
	rm -rf $(DIST_DIR)

run: $(DIST_BIN) ## run the collector locally (a stand-in of Respan unless RESPAN_API_KEY is set) and replay example traces
	@bash scripts/run-local.sh

validate-examples: $(DIST_BIN) ## `otelcol-respan validate` on every example configuration
	cd e2e && $(GO) test -count=1 -run 'TestExamplesValidate|TestK8sManifests' -timeout 5m .

e2e: $(DIST_BIN) ## end-to-end tests against the real binary (E2E_FLAGS='-run TestX' to pick)
	cd e2e && OTELCOL_RESPAN="$(CURDIR)/$(DIST_BIN)" $(GO) test -count=1 -timeout $(E2E_TIMEOUT) $(E2E_FLAGS) ./...

RELIABILITY_TIMEOUT ?= 30m
RELIABILITY_REPORT ?= $(CURDIR)/dist/reliability-figures.md
RELIABILITY_LOG ?= $(CURDIR)/dist/reliability.log

reliability: $(DIST_BIN) ## the fault-injection scenarios, long version (minutes); prints the figures table
	@mkdir -p "$(dir $(RELIABILITY_REPORT))"
	@printf '| Scenario | Run | Sent | Acknowledged | Refused | Received | Lost | Duplicated | Time to drain | Peak RSS | Notes |\n|---|---|---|---|---|---|---|---|---|---|---|\n' > "$(RELIABILITY_REPORT)"
	@echo "reliability: long scenarios (minutes); full log in $(RELIABILITY_LOG)"
	@cd e2e && RELIABILITY_SHORT=0 RELIABILITY_REPORT="$(RELIABILITY_REPORT)" OTELCOL_RESPAN="$(CURDIR)/$(DIST_BIN)" \
		$(GO) test -count=1 -timeout $(RELIABILITY_TIMEOUT) -run '^TestReliability' -v . > "$(RELIABILITY_LOG)" 2>&1; \
		status=$$?; grep -E '^(---|    ---|ok|FAIL)|FIGURES|_test.go:[0-9]+: ' "$(RELIABILITY_LOG)" | grep -v 'output of'; \
		echo; cat "$(RELIABILITY_REPORT)"; exit $$status

# ---------------------------------------------------------------- benchmarks (docs/benchmarks.md)

BENCH_BIN := bin/respan-bench
BENCH_OUT ?= bench/out
# Extra flags for the harness, e.g. BENCH_FLAGS='-duration 60s -clients 8'
# (they come last, so they override the settings below).
BENCH_FLAGS ?=
# bench-load and bench-profile: the traffic kinds (agent: benchdata's agent
# runs; fixtures: copies of the shared fixtures' traces); bench-load also
# alternates its scenarios for BENCH_ROUNDS rounds of BENCH_DURATION each
# and reports medians, because the machine's other load drifts.
BENCH_TRAFFIC ?= agent,fixtures
BENCH_ROUNDS ?= 3
BENCH_DURATION ?= 10s
BENCH_WARMUP ?= 3s
# Micro-benchmarks: -benchtime and -count (use MICRO_COUNT=6+ for benchstat).
MICRO_BENCH ?= ^Benchmark(Convention|BatchSize|ContentSize)$$
MICRO_BENCHTIME ?= 1s
MICRO_COUNT ?= 1
# Soak: constant rate (spans/s) and length.
SOAK_RATE ?= 3000
SOAK_DURATION ?= 5m

bench: bench-micro bench-load ## bench-micro, then bench-load (about 8 minutes)

bench-micro: ## translator micro-benchmarks vs pdata's JSON/proto marshalers, with a benchstat table
	@mkdir -p $(BENCH_OUT)
	$(GO) test -run='^$$' -bench='$(MICRO_BENCH)' -benchmem -benchtime=$(MICRO_BENCHTIME) -count=$(MICRO_COUNT) \
		./internal/translator > $(BENCH_OUT)/micro.txt; rc=$$?; cat $(BENCH_OUT)/micro.txt; exit $$rc
	$(TOOL) benchstat -col /enc -filter '.unit:(ns/span OR B/op OR allocs/op)' $(BENCH_OUT)/micro.txt

# go build is cached, so this is cheap when nothing changed.
bench-build:
	cd bench && $(GO) build -o ../$(BENCH_BIN) .

bench-load: $(DIST_BIN) bench-build ## load harness: collector CPU per span, spans/s, RSS with respan vs otlp_http, agent and fixture traffic
	@mkdir -p $(BENCH_OUT)
	./$(BENCH_BIN) -collector $(DIST_BIN) -traffic $(BENCH_TRAFFIC) -rounds $(BENCH_ROUNDS) -duration $(BENCH_DURATION) -warmup $(BENCH_WARMUP) \
		-json $(BENCH_OUT)/load.json $(BENCH_FLAGS) > $(BENCH_OUT)/load.md; rc=$$?; cat $(BENCH_OUT)/load.md; exit $$rc

bench-profile: $(DIST_BIN) bench-build ## bench-load with pprof CPU and allocation profiles of the collector
	@mkdir -p $(BENCH_OUT)/pprof
	./$(BENCH_BIN) -collector $(DIST_BIN) -traffic $(BENCH_TRAFFIC) -scenarios respan,otlphttp-json -duration 25s -profile $(BENCH_OUT)/pprof \
		-json $(BENCH_OUT)/profile.json $(BENCH_FLAGS) > $(BENCH_OUT)/profile.md; rc=$$?; cat $(BENCH_OUT)/profile.md; exit $$rc
	@for f in $(BENCH_OUT)/pprof/*.top.txt; do echo "== $$f"; sed -n '1,22p' "$$f"; done

bench-soak: $(DIST_BIN) bench-build ## 5 minutes of respan at a constant rate; RSS every 5 s and its slope
	@mkdir -p $(BENCH_OUT)
	./$(BENCH_BIN) -collector $(DIST_BIN) -scenarios respan -rate $(SOAK_RATE) -duration $(SOAK_DURATION) -warmup 15s \
		-rss-interval 5s -json $(BENCH_OUT)/soak.json $(BENCH_FLAGS) > $(BENCH_OUT)/soak.md; rc=$$?; cat $(BENCH_OUT)/soak.md; exit $$rc

bench-smoke: ## the CI smoke run of the benchmarks (.ci/bench-smoke.sh, < 60 s)
	bash .ci/bench-smoke.sh

# COUNT, BENCHTIME and MAX (e.g. MAX=1.5) are passed through.
bench-ratio: ## translate+encode of 1,000 spans vs pdata's JSON marshal, median of COUNT runs
	bash .ci/bench-ratio.sh

bench-compare: ## bench-ratio's two benchmarks for BASE=<rev> and the working tree, alternating, in one run
	@[ -n "$(BASE)" ] || { echo "set BASE to the revision to compare with, e.g. BASE=main~5" >&2; exit 2; }
	BASE="$(BASE)" bash .ci/bench-ratio.sh

bench-instructions: ## bench-ratio's two benchmarks as instructions/op under valgrind (load-independent); BASE=<rev> counts it too
	BASE="$(BASE)" bash .ci/bench-instructions.sh
