# Benchmark targets (docs/benchmarks.md). Included from the Makefile
# (`include bench.mk`).
#
#   make bench          bench-micro, then bench-load (under 5 minutes)
#   make bench-micro    translator micro-benchmarks: respan vs ptrace JSON/proto
#                       marshalers, per convention, batch size and content size
#   make bench-load     load harness: otelcol-respan exporting with respan,
#                       otlp_http json and otlp_http proto; collector CPU per
#                       span, spans/s, peak RSS, ratios
#   make bench-profile  bench-load for respan and otlphttp-json with pprof CPU
#                       and allocation profiles of the collector (20 s each)
#   make bench-soak     5 minutes of respan at a constant rate; RSS every 5 s
#                       and its fitted slope (not in CI)
#   make bench-smoke    the CI smoke run (.ci/bench-smoke.sh, < 60 s)
#   make benchstat-install
#
# Outputs go to $(BENCH_OUT) (gitignored). Compare two micro runs with
#   benchstat old.txt new.txt          and one run's encoders with
#   benchstat -col /enc bench/out/micro.txt

GO ?= go
export GOPROXY ?= https://proxy.golang.org

BENCH_BIN := bin/respan-bench
BENCH_OUT ?= bench/out
# Extra flags for the harness, e.g. BENCH_FLAGS='-duration 60s -clients 8'.
BENCH_FLAGS ?=
# Micro-benchmarks: -benchtime and -count (use COUNT=6+ for benchstat).
MICRO_BENCH ?= ^Benchmark(Convention|BatchSize|ContentSize)$$
MICRO_BENCHTIME ?= 1s
MICRO_COUNT ?= 1
# Soak: constant rate (spans/s) and length.
SOAK_RATE ?= 3000
SOAK_DURATION ?= 5m
# golang.org/x/perf has no releases; this is the pseudo-version tested.
BENCHSTAT_VERSION ?= v0.0.0-20260908200009-22c9c6c9d4da
BENCHSTAT ?= $(shell $(GO) env GOPATH)/bin/benchstat

.PHONY: bench bench-micro bench-load bench-profile bench-soak bench-smoke bench-build benchstat-install

bench: bench-micro bench-load

bench-micro:
	@mkdir -p $(BENCH_OUT)
	$(GO) test -run='^$$' -bench='$(MICRO_BENCH)' -benchmem -benchtime=$(MICRO_BENCHTIME) -count=$(MICRO_COUNT) \
		./internal/translator > $(BENCH_OUT)/micro.txt; rc=$$?; cat $(BENCH_OUT)/micro.txt; exit $$rc
	@if [ -x "$(BENCHSTAT)" ]; then "$(BENCHSTAT)" -col /enc -filter '.unit:(ns/span OR B/op OR allocs/op)' $(BENCH_OUT)/micro.txt; \
		else echo "bench-micro: make benchstat-install for the side-by-side table"; fi

# go build is cached, so this is cheap when nothing changed.
bench-build:
	cd bench && $(GO) build -o ../$(BENCH_BIN) .

bench-load: $(DIST_BIN) bench-build
	@mkdir -p $(BENCH_OUT)
	./$(BENCH_BIN) -collector $(DIST_BIN) -json $(BENCH_OUT)/load.json $(BENCH_FLAGS) > $(BENCH_OUT)/load.md; rc=$$?; cat $(BENCH_OUT)/load.md; exit $$rc

bench-profile: $(DIST_BIN) bench-build
	@mkdir -p $(BENCH_OUT)/pprof
	./$(BENCH_BIN) -collector $(DIST_BIN) -scenarios respan,otlphttp-json -duration 25s -profile $(BENCH_OUT)/pprof \
		-json $(BENCH_OUT)/profile.json $(BENCH_FLAGS) > $(BENCH_OUT)/profile.md; rc=$$?; cat $(BENCH_OUT)/profile.md; exit $$rc
	@for f in $(BENCH_OUT)/pprof/*.top.txt; do echo "== $$f"; sed -n '1,22p' "$$f"; done

bench-soak: $(DIST_BIN) bench-build
	@mkdir -p $(BENCH_OUT)
	./$(BENCH_BIN) -collector $(DIST_BIN) -scenarios respan -rate $(SOAK_RATE) -duration $(SOAK_DURATION) -warmup 15s \
		-rss-interval 5s -json $(BENCH_OUT)/soak.json $(BENCH_FLAGS) > $(BENCH_OUT)/soak.md; rc=$$?; cat $(BENCH_OUT)/soak.md; exit $$rc

bench-smoke:
	bash .ci/bench-smoke.sh

benchstat-install:
	@if [ ! -x "$(BENCHSTAT)" ]; then echo "$(GO) install golang.org/x/perf/cmd/benchstat@$(BENCHSTAT_VERSION)"; \
		$(GO) install golang.org/x/perf/cmd/benchstat@$(BENCHSTAT_VERSION); fi
