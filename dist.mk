# Distribution (otelcol-respan) and end-to-end targets. Included from the
# Makefile (`include dist.mk`); kept apart so CI/Makefile edits by others do
# not collide with these.
#
#   make dist      build dist/otelcol-respan with ocb, only when missing or
#                  older than builder-config.yaml / the exporter's sources
#   make run       build if needed, then run examples/local.yaml
#                  (scripts/run-local.sh; RESPAN_API_KEY=... to send to Respan)
#   make e2e       end-to-end tests (e2e/, a separate Go module)
#   make validate-examples   `otelcol-respan validate` on every example
#   make dist-clean          remove dist/

GO ?= go
export GOPROXY ?= https://proxy.golang.org

# The collector line everything is pinned to (see builder-config.yaml).
OCB_VERSION ?= v0.158.0
OCB ?= $(GO) run go.opentelemetry.io/collector/cmd/builder@$(OCB_VERSION)

DIST_DIR := dist
DIST_BIN := $(DIST_DIR)/otelcol-respan
# Overall time limit of `go test` in e2e/ (the tests set their own, shorter
# per-step deadlines).
E2E_TIMEOUT ?= 8m
E2E_FLAGS ?=

# What the distribution is compiled from: the manifest, the exporter
# module's go.mod/go.sum and its non-test Go files outside dist/, e2e/,
# cmd/ and examples/ (a superset of what the exporter imports: an unrelated
# change costs a recompile of seconds, a missed one a stale binary).
DIST_SRCS := builder-config.yaml go.mod go.sum \
	$(shell find . \( -path ./dist -o -path ./e2e -o -path ./cmd -o -path ./examples -o -path ./internal/tools -o -path ./bench -o -path ./.git \) -prune \
		-o -name '*.go' ! -name '*_test.go' -print)

.PHONY: dist dist-clean run e2e validate-examples

dist: $(DIST_BIN)

# The generated Go files are gofmt'ed afterwards: ocb's are not, and
# `gofmt -l .` in `make lint` walks into dist/.
#
# A change to the manifest or to go.mod/go.sum regenerates the sources with
# ocb (which also resolves modules). A change to Go sources alone only
# recompiles the generated main package: same flags as ocb (-trimpath,
# -ldflags="-s -w", cgo off), a fraction of the time. If that fails (e.g.
# the generated go.mod needs tidying after a dependency change), ocb runs.
$(DIST_BIN): $(DIST_SRCS)
	@set -e; start=$$(date +%s); \
	if [ -f "$(DIST_BIN)" ] && [ -f "$(DIST_DIR)/go.mod" ] && [ "$(DIST_DIR)/go.mod" -nt builder-config.yaml ] \
		&& [ "$(DIST_DIR)/go.mod" -nt go.mod ] && [ "$(DIST_DIR)/go.mod" -nt go.sum ]; then \
		echo "dist: exporter sources changed; recompiling $(DIST_BIN)"; \
		if ! (cd "$(DIST_DIR)" && CGO_ENABLED=0 $(GO) build -trimpath -o otelcol-respan -ldflags="-s -w" -gcflags=""); then \
			echo "dist: recompiling failed; regenerating with ocb"; \
			$(OCB) --config builder-config.yaml; \
		fi; \
	else \
		echo "dist: building $(DIST_BIN) with ocb $(OCB_VERSION) (first build takes minutes)"; \
		$(OCB) --config builder-config.yaml; \
	fi; \
	gofmt -w $(DIST_DIR)/*.go; \
	touch "$(DIST_BIN)"; \
	echo "dist: $(DIST_BIN) ready in $$(( $$(date +%s) - start ))s"

dist-clean:
	rm -rf $(DIST_DIR)

run: $(DIST_BIN)
	@bash scripts/run-local.sh

validate-examples: $(DIST_BIN)
	cd e2e && $(GO) test -count=1 -run 'TestExamplesValidate|TestK8sManifests' -timeout 5m .

e2e: $(DIST_BIN)
	cd e2e && OTELCOL_RESPAN="$(CURDIR)/$(DIST_BIN)" $(GO) test -count=1 -timeout $(E2E_TIMEOUT) $(E2E_FLAGS) ./...
