# Reliability targets (docs/reliability.md). Included from the Makefile
# (`include reliability.mk`).
#
#   make reliability   the fault-injection scenarios against the real
#                      otelcol-respan binary, long version (minutes); prints
#                      the figures table (dist/reliability-figures.md)
#   make fuzz-long     longer fuzzing of the translator and of the OTLP/JSON
#                      input of otlp2respan (FUZZ_LONG_TIME per target)
#
# `make e2e` (and so `make test` and CI) runs the same scenarios in their
# short version: RELIABILITY_SHORT=1 is exported to it from here.

GO ?= go
export GOPROXY ?= https://proxy.golang.org
export RELIABILITY_SHORT ?= 1

RELIABILITY_TIMEOUT ?= 30m
RELIABILITY_REPORT ?= $(CURDIR)/dist/reliability-figures.md
RELIABILITY_LOG ?= $(CURDIR)/dist/reliability.log
FUZZ_LONG_TIME ?= 3m

.PHONY: reliability fuzz-long

reliability: $(DIST_BIN)
	@mkdir -p "$(dir $(RELIABILITY_REPORT))"
	@printf '| Scenario | Run | Sent | Acknowledged | Refused | Received | Lost | Duplicated | Time to drain | Peak RSS | Notes |\n|---|---|---|---|---|---|---|---|---|---|---|\n' > "$(RELIABILITY_REPORT)"
	@echo "reliability: long scenarios (minutes); full log in $(RELIABILITY_LOG)"
	@cd e2e && RELIABILITY_SHORT=0 RELIABILITY_REPORT="$(RELIABILITY_REPORT)" OTELCOL_RESPAN="$(CURDIR)/$(DIST_BIN)" \
		$(GO) test -count=1 -timeout $(RELIABILITY_TIMEOUT) -run '^TestReliability' -v . > "$(RELIABILITY_LOG)" 2>&1; \
		status=$$?; grep -E '^(---|    ---|ok|FAIL)|FIGURES|_test.go:[0-9]+: ' "$(RELIABILITY_LOG)" | grep -v 'output of'; \
		echo; cat "$(RELIABILITY_REPORT)"; exit $$status

fuzz-long:
	@set -e; for t in FuzzTranslate FuzzAttributes; do \
		echo "$(GO) test -run='^\$$' -fuzz='^$$t\$$' -fuzztime=$(FUZZ_LONG_TIME) ./internal/translator"; \
		$(GO) test -run='^$$' -fuzz="^$$t\$$" -fuzztime=$(FUZZ_LONG_TIME) ./internal/translator; \
	done; \
	echo "$(GO) test -run='^\$$' -fuzz='^FuzzDecodeOTLPJSON\$$' -fuzztime=$(FUZZ_LONG_TIME) ./cmd/otlp2respan"; \
	$(GO) test -run='^$$' -fuzz='^FuzzDecodeOTLPJSON$$' -fuzztime=$(FUZZ_LONG_TIME) ./cmd/otlp2respan
