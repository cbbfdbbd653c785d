#!/usr/bin/env bash
# The bench-ratio measurement for two revisions in one run:
#   BASE=<rev> bash .ci/bench-compare.sh
# builds the translator test binary of BASE (from `git archive`, so the
# checkout is untouched) and of the working tree, then runs
# TranslateEncode1000 and PdataJSONMarshal1000 of both, alternating, COUNT
# times each (drift on a shared machine hits all four alike), and prints
# each revision's medians and ratio.
#
# Environment: BASE (required), COUNT (default 6), BENCHTIME (default 1s).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${BASE:?set BASE to the revision to compare with, e.g. BASE=main~5}"
COUNT="${COUNT:-6}"
BENCHTIME="${BENCHTIME:-1s}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

mkdir "$tmp/base"
git archive "$BASE" | tar -x -C "$tmp/base"
(cd "$tmp/base" && go test -c -o "$tmp/base.test" ./internal/translator)
go test -c -o "$tmp/head.test" ./internal/translator
: >"$tmp/out.txt"
for ((i = 1; i <= COUNT; i++)); do
	for rev in base head; do
		for b in TranslateEncode1000 PdataJSONMarshal1000; do
			(cd internal/translator && "$tmp/$rev.test" -test.run='^$' -test.bench="^Benchmark${b}\$" \
				-test.benchtime="$BENCHTIME" -test.benchmem) | grep '^Benchmark' | sed "s/^/$rev /" | tee -a "$tmp/out.txt"
		done
	done
done

awk -v base="$BASE" '
function median(arr, n,   i, j, t) {
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (arr[j] < arr[i]) { t = arr[i]; arr[i] = arr[j]; arr[j] = t }
	return (n % 2) ? arr[(n + 1) / 2] : (arr[n / 2] + arr[n / 2 + 1]) / 2
}
{
	rev = $1; name = $2; sub(/-[0-9]+$/, "", name)
	for (f = 3; f < NF; f++) {
		if ($(f + 1) == "ns/op") ns = $f
		if ($(f + 1) == "allocs/op") allocs = $f
	}
	k = rev SUBSEP name
	v[k, ++n[k]] = ns; a[k] = allocs
}
END {
	split("base head", revs, " ")
	for (r = 1; r <= 2; r++) {
		rev = revs[r]
		kt = rev SUBSEP "BenchmarkTranslateEncode1000"; kp = rev SUBSEP "BenchmarkPdataJSONMarshal1000"
		delete t; delete p
		for (i = 1; i <= n[kt]; i++) t[i] = v[kt, i]
		for (i = 1; i <= n[kp]; i++) p[i] = v[kp, i]
		mt = median(t, n[kt]); mp = median(p, n[kp])
		printf "%s%s: translate+encode %.2f ms/op, %s allocs/op; pdata JSON marshal %.2f ms/op; ratio %.2f\n", rev, (rev == "base" ? " (" base ")" : " (working tree)"), mt / 1e6, a[kt], mp / 1e6, mt / mp
	}
}' "$tmp/out.txt"
