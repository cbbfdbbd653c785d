#!/usr/bin/env bash
# `make run`: start otelcol-respan with examples/local.yaml (OTLP on
# 127.0.0.1:4317 gRPC and 127.0.0.1:4318 HTTP) and replay the bundled
# example traces through it.
#
#   - RESPAN_API_KEY set: spans go to Respan (RESPAN_ENDPOINT, default
#     https://api.respan.ai/api).
#   - RESPAN_API_KEY unset or empty: spans go to the local stand-in of the
#     ingest API, `otlp2respan sink` on 127.0.0.1:8087 (RESPAN_SINK_ADDR),
#     started here in the background; it prints each received trace as a
#     tree.
#
# Ctrl-C stops everything: the collector first (it flushes its queue), then
# the stand-in.
#
# Environment: RESPAN_API_KEY, RESPAN_ENDPOINT, RESPAN_SINK_ADDR,
# OTELCOL_METRICS_PORT (collector metrics, default 8888), RUN_REPLAY=0 (skip
# the example traces), OTELCOL_RESPAN (binary to run, default
# dist/otelcol-respan, built with `make dist` when missing).
set -euo pipefail
cd "$(dirname "$0")/.."

COLLECTOR="${OTELCOL_RESPAN:-dist/otelcol-respan}"
CONFIG=examples/local.yaml
OTLP_GRPC=127.0.0.1:4317
OTLP_HTTP=127.0.0.1:4318
SINK_ADDR="${RESPAN_SINK_ADDR:-127.0.0.1:8087}"
METRICS_ADDR="127.0.0.1:${OTELCOL_METRICS_PORT:-8888}"
TOOL=bin/otlp2respan

say() { printf 'run-local: %s\n' "$*" >&2; }

# listening HOST:PORT: is something accepting connections there?
listening() {
	local host="${1%:*}" port="${1##*:}"
	(exec 3<>"/dev/tcp/$host/$port") 2>/dev/null
}

# wait_listening HOST:PORT PID SECONDS: until HOST:PORT accepts connections;
# fails when PID exits first or the time runs out.
wait_listening() {
	local addr="$1" pid="$2" deadline=$((SECONDS + $3))
	until listening "$addr"; do
		if ! kill -0 "$pid" 2>/dev/null; then return 1; fi
		if ((SECONDS >= deadline)); then return 1; fi
		sleep 0.2
	done
}

# Children run in their own session when setsid is available, so that
# Ctrl-C reaches only this script, which then stops them in order.
spawn() {
	if command -v setsid >/dev/null 2>&1; then
		setsid "$@" &
	else
		"$@" &
	fi
}

collector_pid=""
sink_pid=""
stopping=0

# stop PID NAME: SIGTERM, then SIGKILL after 15 s.
stop() {
	local pid="$1" name="$2" i
	[[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 150; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		say "$name did not stop within 15s; killing it"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
}

cleanup() {
	((stopping)) && return
	stopping=1
	stop "$collector_pid" collector
	stop "$sink_pid" "local stand-in"
}
trap cleanup EXIT
trap 'say "stopping"; exit 130' INT
trap 'say "stopping"; exit 143' TERM

if [[ ! -x "$COLLECTOR" ]]; then
	say "$COLLECTOR is missing; building it (make dist)"
	make --no-print-directory dist
fi

for addr in "$OTLP_GRPC" "$OTLP_HTTP"; do
	if listening "$addr"; then
		say "$addr is already in use (another collector?); stop it first"
		exit 1
	fi
done
if listening "$METRICS_ADDR"; then
	say "$METRICS_ADDR (the collector's own metrics) is already in use; set OTELCOL_METRICS_PORT=PORT or stop what listens there"
	exit 1
fi

say "building $TOOL"
go build -o "$TOOL" ./cmd/otlp2respan

if [[ -n "${RESPAN_API_KEY:-}" ]]; then
	export RESPAN_ENDPOINT="${RESPAN_ENDPOINT:-https://api.respan.ai/api}"
	say "RESPAN_API_KEY is set: sending to $RESPAN_ENDPOINT"
else
	# An empty variable would defeat the ${env:RESPAN_API_KEY:-...} default.
	unset RESPAN_API_KEY
	if listening "$SINK_ADDR"; then
		say "$SINK_ADDR is already in use; set RESPAN_SINK_ADDR=127.0.0.1:PORT or stop what listens there"
		exit 1
	fi
	export RESPAN_ENDPOINT="http://$SINK_ADDR"
	say "RESPAN_API_KEY is not set: sending to the local stand-in of the Respan API on $RESPAN_ENDPOINT"
	say "(set RESPAN_API_KEY=... to send to Respan instead)"
	spawn "$TOOL" sink -listen "$SINK_ADDR"
	sink_pid=$!
	if ! wait_listening "$SINK_ADDR" "$sink_pid" 10; then
		say "the local stand-in did not start on $SINK_ADDR"
		exit 1
	fi
fi

say "starting $COLLECTOR --config $CONFIG (OTLP gRPC $OTLP_GRPC, HTTP $OTLP_HTTP)"
spawn "$COLLECTOR" --config "$CONFIG"
collector_pid=$!
if ! wait_listening "$OTLP_HTTP" "$collector_pid" 60; then
	say "the collector did not start listening on $OTLP_HTTP"
	exit 1
fi

if [[ "${RUN_REPLAY:-1}" != 0 ]]; then
	say "replaying the bundled example traces to http://$OTLP_HTTP"
	if ! "$TOOL" replay -new-ids -endpoint "http://$OTLP_HTTP"; then
		say "replaying the example traces failed (the collector keeps running)"
	fi
fi

say "ready: send OTLP to http://$OTLP_HTTP (HTTP) or $OTLP_GRPC (gRPC), e.g."
say "  OTEL_EXPORTER_OTLP_ENDPOINT=http://$OTLP_HTTP python app.py"
say "Ctrl-C stops"

# Until Ctrl-C or until one of the children exits on its own.
set +e
wait -n $collector_pid $sink_pid
status=$?
set -e
if kill -0 "$collector_pid" 2>/dev/null; then
	say "the local stand-in exited (status $status); stopping"
else
	say "the collector exited (status $status)"
fi
exit "$status"
