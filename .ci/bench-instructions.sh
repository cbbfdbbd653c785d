#!/usr/bin/env bash
# Instructions per op of bench-ratio's two benchmarks, counted by valgrind
# (cachegrind, no cache simulation): a figure the machine's load does not
# move, for comparing revisions where wall-clock medians on a shared VM
# drift by more than the change being measured.
#
#   instructions/op = (I(HI iterations) - I(LO iterations)) / (HI - LO)
#
# so that the set-up (generating the spans, the warm-up translation) cancels
# out. GOGC=off and GOMAXPROCS=1: the garbage collector's background and
# idle workers run for as long as there is idle time, which would make the
# count depend on timing; the collector's cost is what the allocations and
# B/op of bench-ratio measure. An instruction count is not time (memory
# stalls and branch misses are not in it): quote it beside bench-ratio,
# not instead of it.
#
# Environment: BASE (optional revision to count too, built from git
# archive as bench-compare does), LO (default 10), HI (default 30).
set -euo pipefail
cd "$(dirname "$0")/.."

command -v valgrind >/dev/null || { echo "bench-instructions: valgrind is not installed (Debian: apt-get install valgrind)" >&2; exit 2; }
BASE="${BASE:-}"
LO="${LO:-10}"
HI="${HI:-30}"

. .ci/bench-binaries.sh # the working directory is the repository root (above); sets tmp and revs

count() { # binary benchmark iterations -> instructions
	(cd internal/translator && GOGC=off GOMAXPROCS=1 valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
		"$1" -test.run='^$' -test.bench="^Benchmark$2\$" -test.benchtime="$3x" 2>&1 >/dev/null) |
		awk '/I +refs:/ { gsub(",", "", $4); print $4 }'
}
for rev in $revs; do
	for b in TranslateEncode1000 PdataJSONMarshal1000; do
		lo="$(count "$tmp/$rev.test" "$b" "$LO")"
		hi="$(count "$tmp/$rev.test" "$b" "$HI")"
		echo "$rev $b $lo $hi"
	done
done | awk -v n=$((HI - LO)) -v base="$BASE" '
{ per[$1, $2] = ($4 - $3) / n }
END {
	split(base != "" ? "base head" : "head", revs, " ")
	for (r = 1; r in revs; r++) {
		rev = revs[r]; t = per[rev, "TranslateEncode1000"]; p = per[rev, "PdataJSONMarshal1000"]
		printf "%s%s: translate+encode %.1f M instructions/op, pdata JSON marshal %.1f M; ratio %.2f\n",
			rev, (rev == "base" ? " (" base ")" : " (working tree)"), t / 1e6, p / 1e6, t / p
	}
}'
