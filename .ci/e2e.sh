#!/usr/bin/env bash
# End-to-end job: build the otelcol-respan distribution with ocb (reusing
# dist/otelcol-respan when it is newer than builder-config.yaml and the
# exporter's sources) and run the e2e tests in e2e/ against it.
#
# One Go build cache (go env GOCACHE) and module cache serve the ocb build,
# the otlp2respan build and the tests, so later steps only compile what is
# new. The first distribution build takes minutes; the tests about one.
#
# Environment: E2E_TIMEOUT (go test -timeout, default 8m), E2E_VERBOSE=1
# (go test -v), E2E_RUN (go test -run pattern).
set -euo pipefail
cd "$(dirname "$0")/.."

export GOPROXY=https://proxy.golang.org
export PATH="$PATH:/usr/local/go/bin:$(go env GOPATH)/bin"
start=$SECONDS
declare -a timings=()
step() { printf '\n=== %s (%ds)\n' "$*" "$((SECONDS - start))"; }
timed() { # timed LABEL CMD...: run CMD, remember how long it took
	local label="$1" t0=$SECONDS
	shift
	"$@"
	timings+=("$(printf '%-28s %4ds' "$label" "$((SECONDS - t0))")")
}

step "environment"
go version
echo "GOCACHE=$(go env GOCACHE) GOMODCACHE=$(go env GOMODCACHE) CPUs=$(nproc 2>/dev/null || echo ?)"
if ! command -v make >/dev/null 2>&1; then
	echo "make not found; installing it from Debian's packages"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq make >/dev/null
fi

step "distribution: make dist (ocb; reuses dist/ when up to date)"
timed "distribution build" make --no-print-directory dist
ls -l dist/otelcol-respan
dist/otelcol-respan --version

step "e2e module: go mod tidy -diff, go vet, staticcheck"
# A dependency change in the exporter module can leave e2e/go.sum behind.
if ! (cd e2e && go mod tidy -diff); then
	echo "e2e/go.mod or go.sum is out of date: run 'cd e2e && go mod tidy'" >&2
	exit 1
fi
timed "e2e vet" bash -c 'cd e2e && go vet ./...'
if command -v staticcheck >/dev/null 2>&1; then
	(cd e2e && staticcheck ./...)
else
	echo "staticcheck not installed (make lint installs it); skipped for e2e/"
fi

step "e2e tests"
args=(-count=1 -timeout "${E2E_TIMEOUT:-8m}")
[[ "${E2E_VERBOSE:-}" == 1 ]] && args+=(-v)
[[ -n "${E2E_RUN:-}" ]] && args+=(-run "$E2E_RUN")
timed "e2e tests" bash -c "cd e2e && OTELCOL_RESPAN='$PWD/dist/otelcol-respan' go test ${args[*]@Q} ./..."

step "timings"
printf '  %s\n' "${timings[@]}"
printf '  %-28s %4ds\n' "total" "$((SECONDS - start))"
step "e2e passed"
