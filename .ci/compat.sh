#!/usr/bin/env bash
# Compatibility job: does the module build and pass its tests against the
# newest collector line the Go proxy serves? Copies the module to a temp dir,
# moves every go.opentelemetry.io/collector/* module it requires to the new
# line (v1.x → STABLE, v0.x → CORE), tidies, builds and tests. The working
# tree is never modified.
#
# Environment: CORE (default v0.164.0), STABLE (default v1.70.0),
# KEEP=1 keeps the temp dir for inspection.
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
CORE="${CORE:-v0.164.0}"
STABLE="${STABLE:-v1.70.0}"

tmp="$(mktemp -d)"
if [[ "${KEEP:-}" == 1 ]]; then echo "compat: keeping $tmp"; else trap 'rm -rf "$tmp"' EXIT; fi
tar -C "$src" --exclude=./.git --exclude=./bin --exclude=./dist -cf - . | tar -C "$tmp" -xf -
cd "$tmp"

# The collector modules go.mod requires (direct and indirect).
mapfile -t reqs < <(go mod edit -json | awk '
	/"Path":/ { gsub(/[",]/, "", $2); path = $2 }
	/"Version":/ { gsub(/[",]/, "", $2); if (path ~ /^go\.opentelemetry\.io\/collector(\/|$)/) print path, $2 }')
if ((${#reqs[@]} == 0)); then
	echo "compat: go.mod requires no go.opentelemetry.io/collector module" >&2
	exit 1
fi

targets=()
for r in "${reqs[@]}"; do
	read -r path ver <<<"$r"
	case "$ver" in
	v1.*) want="$STABLE" ;;
	v0.*) want="$CORE" ;;
	*) echo "compat: $path $ver: not v0/v1, left alone"; continue ;;
	esac
	if go list -m "$path@$want" >/dev/null 2>&1; then
		targets+=("$path@$want")
		echo "compat: $path $ver → $want"
	else
		# Removed or renamed upstream: leave it to the others' requirements and tidy.
		echo "compat: $path has no $want on the proxy; left at $ver for go mod tidy to settle"
	fi
done

# A newer release can need a module the module proxy does not serve (seen:
# otlphttpexporter v0.164.0, which the otlp2respan CLI uses, imports
# internal/statusutil v0.164.0). Such a module stays at its pinned version,
# named here, and the upgrade is retried without it; everything else still
# moves to the new line.
for attempt in 1 2 3 4 5; do
	if out="$(go get "${targets[@]}" 2>&1)"; then
		echo "$out" | grep -v '^go: downloading' || true
		break
	fi
	importer="$(echo "$out" | sed -n 's/^go: \([^ ]*\) imports$/\1/p' | head -n1)"
	# The module that holds the importing package: the longest target path
	# that is the package path or one of its parents.
	kept="" at=""
	for i in "${!targets[@]}"; do
		mod="${targets[$i]%@*}"
		if [[ -n "$importer" && ( "$importer" == "$mod" || "$importer" == "$mod"/* ) && ${#mod} -gt ${#kept} ]]; then
			kept="$mod" at="$i"
		fi
	done
	[[ -n "$at" ]] && unset 'targets[at]'
	if [[ -z "$kept" || "$attempt" == 5 ]]; then
		echo "$out" >&2
		exit 1
	fi
	targets=("${targets[@]}")
	cp "$src/go.mod" "$src/go.sum" .
	echo "compat: $kept stays at its pinned version: its $CORE/$STABLE release needs a module the proxy does not serve:"
	echo "$out" | grep -E 'reading|not available' | head -n 2 | sed 's/^/compat:   /'
done
go mod tidy
echo "compat: collector modules after upgrade:"
go list -m all | awk '$1 ~ /^go\.opentelemetry\.io\/collector(\/|$)/ { print "  " $0 }'
# A module the upgrade could not move to the new line would mean a mixed build.
stale="$(go list -m all | awk -v c="$CORE" -v s="$STABLE" '$1 ~ /^go\.opentelemetry\.io\/collector(\/|$)/ && $2 != c && $2 != s')"
if [[ -n "$stale" ]]; then
	echo "compat: warning: collector modules not on $CORE/$STABLE:"; echo "$stale"
fi

go build ./...
go vet ./...
go test ./...
echo "compat: OK with collector $CORE / $STABLE"
