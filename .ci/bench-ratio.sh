#!/usr/bin/env bash
# Prints the cost ratio the README quotes:
#   (Translate + EncodeArray of 1,000 spans) ns/op ÷ (pdata OTLP/JSON marshal of the same spans) ns/op
# The goal is ≤ 1.5.
#
# Both benchmarks run from one test binary, alternately, COUNT times each, so
# that drift on a shared machine hits both alike; the ratio is of the medians.
#
# With BASE=<rev> (make bench-compare) it measures that revision too: its
# translator test binary is built from `git archive` (the checkout stays
# untouched), the two binaries take turns within every round, and each
# revision's medians and ratio are printed. Then, because wall-clock
# medians on a shared machine move with the neighbours' load, the same
# pairs by process CPU time (user + system, GC workers included): each
# benchmark run for LO and HI iterations under /usr/bin/time,
# (CPU(HI) - CPU(LO)) / (HI - LO) per op, COUNT rounds, medians. CPU=0
# skips this part.
#
# Environment: COUNT (default 6), BENCHTIME (default 1s), MAX (without BASE:
# exit 1 when the ratio is above it, e.g. MAX=1.5), BASE (optional); with
# BASE: CPU (default 1), LO (default 3), HI (default 23).
set -euo pipefail
cd "$(dirname "$0")/.."

BASE="${BASE:-}"
COUNT="${COUNT:-6}"
BENCHTIME="${BENCHTIME:-1s}"
CPU="${CPU:-1}"
LO="${LO:-3}"
HI="${HI:-23}"

. .ci/bench-binaries.sh # the working directory is the repository root (above); sets tmp and revs
: >"$tmp/out.txt"
for ((i = 1; i <= COUNT; i++)); do
	for rev in $revs; do
		# Lines name their revision only when there are two.
		prefix=""
		[ -n "$BASE" ] && prefix="$rev "
		for b in TranslateEncode1000 PdataJSONMarshal1000; do
			(cd internal/translator && "$tmp/$rev.test" -test.run='^$' -test.bench="^Benchmark${b}\$" \
				-test.benchtime="$BENCHTIME" -test.benchmem) | grep '^Benchmark' | sed "s/^/$prefix/" | tee -a "$tmp/out.txt"
		done
	done
done

# The awk helpers both summaries use: median of arr[1..n], and medianOf,
# the median of the values v[k, 1..n[k]] recorded under key k.
stats='
function median(arr, n,   i, j, t) {
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (arr[j] < arr[i]) { t = arr[i]; arr[i] = arr[j]; arr[j] = t }
	return (n % 2) ? arr[(n + 1) / 2] : (arr[n / 2] + arr[n / 2 + 1]) / 2
}
function medianOf(k,   i, arr) {
	for (i = 1; i <= n[k]; i++) arr[i] = v[k, i]
	return median(arr, n[k])
}'

awk -v base="$BASE" -v max="${MAX:-}" "$stats"'
{
	rev = "head"; first = 1
	if (base != "") { rev = $1; first = 2 }
	name = $first; sub(/-[0-9]+$/, "", name)
	for (f = first + 1; f < NF; f++) {
		if ($(f + 1) == "ns/op") ns = $f
		if ($(f + 1) == "B/op") bytes = $f
		if ($(f + 1) == "allocs/op") allocs = $f
	}
	k = rev SUBSEP name
	v[k, ++n[k]] = ns; b[k] = bytes; a[k] = allocs
}
END {
	kt = "head" SUBSEP "BenchmarkTranslateEncode1000"; kp = "head" SUBSEP "BenchmarkPdataJSONMarshal1000"
	if (base != "") {
		split("base head", revs, " ")
		for (r = 1; r <= 2; r++) {
			rev = revs[r]
			kt = rev SUBSEP "BenchmarkTranslateEncode1000"; kp = rev SUBSEP "BenchmarkPdataJSONMarshal1000"
			mt = medianOf(kt); mp = medianOf(kp)
			printf "%s%s: translate+encode %.2f ms/op, %s allocs/op; pdata JSON marshal %.2f ms/op; ratio %.2f\n", rev, (rev == "base" ? " (" base ")" : " (working tree)"), mt / 1e6, a[kt], mp / 1e6, mt / mp
		}
		exit 0
	}
	if (n[kt] == 0 || n[kp] == 0) { print "bench-ratio: benchmark output missing" > "/dev/stderr"; exit 2 }
	mt = medianOf(kt); mp = medianOf(kp); r = mt / mp
	printf "\ntranslate+encode 1000 spans: median %.2f ms/op (%d runs), %s B/op, %s allocs/op\n", mt / 1e6, n[kt], b[kt], a[kt]
	printf "pdata JSON marshal 1000 spans: median %.2f ms/op (%d runs), %s B/op, %s allocs/op\n", mp / 1e6, n[kp], b[kp], a[kp]
	printf "ratio (translate+encode ÷ pdata marshal): %.2f   (goal ≤ 1.5)\n", r
	if (max != "" && r > max + 0) { printf "bench-ratio: %.2f is above MAX=%s\n", r, max > "/dev/stderr"; exit 1 }
}' "$tmp/out.txt"

[ -z "$BASE" ] || [ "$CPU" = 0 ] && exit 0
cpu() { # binary bench iterations -> CPU seconds
	(cd internal/translator && /usr/bin/time -f '%U %S' -o "$tmp/time" "$1" -test.run='^$' -test.bench="^Benchmark$2\$" -test.benchtime="$3x" >/dev/null)
	awk '{print $1 + $2}' "$tmp/time"
}
: >"$tmp/cpu.txt"
for ((i = 1; i <= COUNT; i++)); do
	for rev in base head; do
		for b in TranslateEncode1000 PdataJSONMarshal1000; do
			lo="$(cpu "$tmp/$rev.test" "$b" "$LO")"; hi="$(cpu "$tmp/$rev.test" "$b" "$HI")"
			echo "$rev $b $lo $hi" | awk -v n=$((HI - LO)) '{printf "%s %s %.3f\n", $1, $2, ($4 - $3) / n * 1000}' | tee -a "$tmp/cpu.txt"
		done
	done
done
awk -v base="$BASE" "$stats"'
{ k = $1 SUBSEP $2; v[k, ++n[k]] = $3 }
END {
	split("base head", revs, " ")
	for (r = 1; r <= 2; r++) {
		rev = revs[r]
		kt = rev SUBSEP "TranslateEncode1000"; kp = rev SUBSEP "PdataJSONMarshal1000"
		mt = medianOf(kt); mp = medianOf(kp)
		printf "%s%s, CPU time: translate+encode %.2f ms/op, pdata JSON marshal %.2f ms/op; ratio %.2f\n", rev, (rev == "base" ? " (" base ")" : " (working tree)"), mt, mp, mt / mp
	}
}' "$tmp/cpu.txt"
