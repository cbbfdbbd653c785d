#!/usr/bin/env bash
# Prints the cost ratio the README quotes:
#   (Translate + EncodeArray of 1,000 spans) ns/op ÷ (pdata OTLP/JSON marshal of the same spans) ns/op
# The goal is ≤ 1.5.
#
# Both benchmarks run from one test binary, alternately, COUNT times each, so
# that drift on a shared machine hits both alike; the ratio is of the medians.
#
# Environment: COUNT (default 6), BENCHTIME (default 1s), MAX (if set, exit 1
# when the ratio is above it, e.g. MAX=1.5).
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT="${COUNT:-6}"
BENCHTIME="${BENCHTIME:-1s}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

go test -c -o "$tmp/translator.test" ./internal/translator
: >"$tmp/out.txt"
for ((i = 1; i <= COUNT; i++)); do
	for b in TranslateEncode1000 PdataJSONMarshal1000; do
		(cd internal/translator && "$tmp/translator.test" -test.run='^$' -test.bench="^Benchmark${b}\$" \
			-test.benchtime="$BENCHTIME" -test.benchmem) | grep '^Benchmark' | tee -a "$tmp/out.txt"
	done
done

awk -v max="${MAX:-}" '
function median(arr, n,   i, j, t) {
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (arr[j] < arr[i]) { t = arr[i]; arr[i] = arr[j]; arr[j] = t }
	return (n % 2) ? arr[(n + 1) / 2] : (arr[n / 2] + arr[n / 2 + 1]) / 2
}
{
	name = $1; sub(/-[0-9]+$/, "", name)
	for (f = 2; f < NF; f++) {
		if ($(f + 1) == "ns/op") ns = $f
		if ($(f + 1) == "B/op") bytes = $f
		if ($(f + 1) == "allocs/op") allocs = $f
	}
	if (name == "BenchmarkTranslateEncode1000") { t[++nt] = ns; tb = bytes; ta = allocs }
	if (name == "BenchmarkPdataJSONMarshal1000") { p[++np] = ns; pb = bytes; pa = allocs }
}
END {
	if (nt == 0 || np == 0) { print "bench-ratio: benchmark output missing" > "/dev/stderr"; exit 2 }
	mt = median(t, nt); mp = median(p, np); r = mt / mp
	printf "\ntranslate+encode 1000 spans: median %.2f ms/op (%d runs), %s B/op, %s allocs/op\n", mt / 1e6, nt, tb, ta
	printf "pdata JSON marshal 1000 spans: median %.2f ms/op (%d runs), %s B/op, %s allocs/op\n", mp / 1e6, np, pb, pa
	printf "ratio (translate+encode ÷ pdata marshal): %.2f   (goal ≤ 1.5)\n", r
	if (max != "" && r > max + 0) { printf "bench-ratio: %.2f is above MAX=%s\n", r, max > "/dev/stderr"; exit 1 }
}' "$tmp/out.txt"
