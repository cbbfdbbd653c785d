#!/usr/bin/env bash
# CI smoke of the benchmarks (docs/benchmarks.md), under 60 s once
# dist/otelcol-respan is built (`make test` builds it earlier in .ci/run):
#   1. the micro-benchmarks run once each (-benchtime=1x) on the mixed batch;
#   2. the load harness runs respan and otlp_http (json) for 5 s each, with the
#      checking stand-in (internal/sink) behind respan and pprof profiles of
#      3 s, and fails unless every accepted span is delivered without errors;
#   3. the harness sends the fixture traffic (copies of the shared fixtures'
#      traces) to respan for 2 s, behind the checking stand-in, with the same
#      check.
# It checks that the harness works, not how fast anything is.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

make --no-print-directory dist
echo "bench-smoke: micro-benchmarks (1 iteration each)"
go test -run='^$' -bench='^Benchmark(Convention/conv=mix|TranslateEncode1000|PdataJSONMarshal1000)$' -benchtime=1x -benchmem ./internal/translator

echo "bench-smoke: load harness (bench/ module: go mod tidy -diff, go vet, staticcheck, build)"
(cd bench && go mod tidy -diff && go vet ./... && go tool -modfile=../internal/tools/go.mod staticcheck ./... &&
	go test ./... && go build -o ../bin/respan-bench .) ||
	{ echo "bench-smoke: bench/ does not build, its tests fail, or bench/go.mod is out of date (cd bench && go mod tidy)" >&2; exit 1; }
./bin/respan-bench -collector dist/otelcol-respan -scenarios respan,otlphttp-json \
	-duration 5s -warmup 2s -pool 10 -respan-sink check -profile "$out/pprof" -profile-seconds 3 \
	-min-spans 1000 -json "$out/load.json"
for f in "$out"/pprof/{respan,otlphttp-json}-{cpu,allocs}.top.txt; do
	[[ -s "$f" ]] || { echo "bench-smoke: missing profile summary $f" >&2; exit 1; }
done
echo "bench-smoke: load harness, fixture traffic"
./bin/respan-bench -collector dist/otelcol-respan -traffic fixtures -scenarios respan \
	-duration 2s -warmup 1s -pool 10 -respan-sink check -min-spans 1000 -json "$out/fixtures.json"
echo "bench-smoke: passed in $((SECONDS - start))s"
