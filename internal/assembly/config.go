// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package assembly // import "github.com/respanai/respanexporter/internal/assembly"

import (
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"
)

// Defaults of the assembly section. docs/assembly.md gives the reasoning at
// length; in short:
const (
	// defaultRootGrace: once a trace's root (or local root) has arrived,
	// its other spans are normally here already: SDK span processors export
	// in end order and a root ends after its children, so in-process
	// children travel in the same export request or an earlier one. What
	// can trail the root is a request still in flight (concurrent exports
	// of a simple span processor, a load-balancing tier, a batch processor
	// flushing every 200 ms) and, rarely, a span of another process. 2 s
	// covers the first with a wide margin and is the sending queue's own
	// flush interval; late spans of other processes are completed from the
	// late-span memory instead of making every trace wait for them.
	defaultRootGrace = 2 * time.Second

	// defaultMaxWait: a trace whose root has not arrived is held this long
	// from its first span. Chat turns and short agent runs end within
	// seconds to tens of seconds; the SDKs add up to one schedule delay
	// (5 s) before the root is exported. 60 s covers the runs most
	// applications make while keeping spans visible within a minute; longer
	// runs are sent in pieces (each piece still linked to the earlier ones
	// through the late-span memory, but early pieces miss identifiers set
	// only on a root that ends later).
	defaultMaxWait = 60 * time.Second

	// defaultMaxTraces bounds the traces held at once (per-trace overhead:
	// a map entry, a heap slot, a resource copy per request).
	defaultMaxTraces = 20000

	// defaultMaxBytes: 128 MiB of OTLP (proto size) of spans and content
	// records. At 20 KiB of prompt per model call that is ~6,500 calls; a
	// collector handling such traffic is given far more memory, and the
	// bound keeps the stage a fixed share of it.
	defaultMaxBytes = 128 << 20

	// defaultMemorySpans: the late-span memory keeps ~150-250 bytes per
	// span (ids, identifiers, workflow name, usage; no content), so 50,000
	// spans are about 10 MB.
	defaultMemorySpans = 50000

	// defaultMemoryTTL: a trace is remembered this long after it was last
	// touched; stragglers of other processes and long agent runs arrive
	// within minutes.
	defaultMemoryTTL = 10 * time.Minute
)

// Config configures the assembly stage: one waiting area in front of the
// sending queue where the spans of a trace wait for each other (trace
// waiting) and model-call spans wait for their content log records (the
// logs join, configured by JoinConfig).
type Config struct {
	// WaitForTraces holds the spans of a trace until the trace is complete
	// (root + RootGrace, or MaxWait), so trace-level fields are computed
	// over the whole trace. Off: spans go on at once, as batches come
	// (only model calls wait for content when a logs pipeline feeds the
	// exporter).
	WaitForTraces bool `mapstructure:"wait_for_traces"`
	// RootGrace is how long a trace waits after its root (or a local root:
	// a server or consumer span whose parent is remote) arrived.
	RootGrace time.Duration `mapstructure:"root_grace"`
	// MaxWait is how long a trace waits for its root, from its first span.
	MaxWait time.Duration `mapstructure:"max_wait"`
	// MaxTraces, MaxSpans and MaxBytes bound what waits (traces, spans plus
	// record groups waiting for their span, OTLP bytes). When one is
	// reached the oldest trace leaves early; nothing is refused.
	MaxTraces int   `mapstructure:"max_traces"`
	MaxSpans  int   `mapstructure:"max_spans"`
	MaxBytes  int64 `mapstructure:"max_bytes"`
	// LateSpanMemory bounds what is remembered of traces that left, to
	// translate their late spans as part of them.
	LateSpanMemory MemoryConfig `mapstructure:"late_span_memory"`
	// Storage is a storage extension (e.g. file_storage) where what waits
	// is persisted and restored on start. Unset: the sending_queue's
	// storage, if any; else what waits lives in memory only.
	Storage *component.ID `mapstructure:"storage"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// MemoryConfig bounds the late-span memory.
type MemoryConfig struct {
	// MaxSpans is how many span facts are remembered, over all traces; the
	// least recently used trace is forgotten first. 0 disables the memory.
	MaxSpans int `mapstructure:"max_spans"`
	// TTL is how long a trace is remembered after it was last touched.
	TTL time.Duration `mapstructure:"ttl"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// DefaultConfig returns the defaults; maxSpans is the sending queue's
// capacity in spans (the stage never holds more than the queue accepts).
func DefaultConfig(maxSpans int) Config {
	return Config{
		WaitForTraces:  true,
		RootGrace:      defaultRootGrace,
		MaxWait:        defaultMaxWait,
		MaxTraces:      defaultMaxTraces,
		MaxSpans:       maxSpans,
		MaxBytes:       defaultMaxBytes,
		LateSpanMemory: MemoryConfig{MaxSpans: defaultMemorySpans, TTL: defaultMemoryTTL},
	}
}

// Validate checks the assembly section; the collector prefixes its errors
// with "assembly: ".
func (c *Config) Validate() error {
	var errs []error
	if c.RootGrace < 0 {
		errs = append(errs, fmt.Errorf("root_grace must not be negative, got %s", c.RootGrace))
	}
	if c.MaxWait <= 0 {
		errs = append(errs, fmt.Errorf("max_wait must be positive, got %s", c.MaxWait))
	}
	if c.MaxWait < c.RootGrace {
		errs = append(errs, fmt.Errorf("max_wait (%s) must be at least root_grace (%s)", c.MaxWait, c.RootGrace))
	}
	if c.MaxTraces <= 0 {
		errs = append(errs, fmt.Errorf("max_traces must be positive, got %d", c.MaxTraces))
	}
	if c.MaxSpans <= 0 {
		errs = append(errs, fmt.Errorf("max_spans must be positive, got %d", c.MaxSpans))
	}
	if c.MaxBytes <= 0 {
		errs = append(errs, fmt.Errorf("max_bytes must be positive, got %d", c.MaxBytes))
	}
	if c.LateSpanMemory.MaxSpans < 0 {
		errs = append(errs, fmt.Errorf("late_span_memory::max_spans must not be negative, got %d", c.LateSpanMemory.MaxSpans))
	}
	if c.LateSpanMemory.MaxSpans > 0 && c.LateSpanMemory.TTL <= 0 {
		errs = append(errs, fmt.Errorf("late_span_memory::ttl must be positive, got %s", c.LateSpanMemory.TTL))
	}
	return errors.Join(errs...)
}
