// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"sync"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/respanai/respanexporter/internal/genai"
	"github.com/respanai/respanexporter/internal/redaction"
)

// MetadataMode controls which attributes are copied into a span log's metadata.
type MetadataMode string

const (
	// MetadataNone copies nothing of that class.
	MetadataNone MetadataMode = "none"
	// MetadataSelected copies a curated, documented selection.
	MetadataSelected MetadataMode = "selected"
	// MetadataAll copies everything of that class (subject to size caps).
	MetadataAll MetadataMode = "all"
)

// Options are the translation settings. The zero value is not useful; start
// from DefaultOptions.
type Options struct {
	// MaxContentBytes caps each content field (input, output, each message
	// content, tool-call arguments) in bytes of UTF-8. Longer values are cut
	// at a rune boundary and end with TruncationMarker. 0 disables the cap.
	MaxContentBytes int
	// DedupeNestedUsage keeps usage and cost only on the innermost of nested
	// model-call spans that report the same tokens (§5.5).
	DedupeNestedUsage bool
	// PropagateIdentifiers fills customer/thread/trace-group identifiers and
	// span_workflow_name from ancestors within the same batch (§5.8).
	PropagateIdentifiers bool
	// ProviderIDs maps a canonical provider (OTel well-known value, e.g.
	// "azure.ai.openai") to a Respan provider_id. Entries override the
	// defaults of DefaultProviderIDs.
	ProviderIDs map[string]string
	// ResourceMetadata selects resource attributes for metadata: "selected"
	// (service.name, service.version, deployment.environment[.name],
	// telemetry.sdk.*), "all" or "none".
	ResourceMetadata MetadataMode
	// LeftoverMetadata selects span attributes that no mapping consumed:
	// "all" (default; content-sized values are capped) or "none".
	LeftoverMetadata MetadataMode
	// MaxMetadataValueBytes caps each leftover metadata value. 0 = no cap.
	MaxMetadataValueBytes int
	// Redactor, when set, redacts the content of every span log (redact.go);
	// nil (the default) costs nothing.
	Redactor *redaction.Redactor
}

// ExporterWarningsAttribute is a span attribute (string or list of strings)
// through which the exporter itself adds notes to a span log's warnings,
// e.g. when the logs join sent a span without the content it waited for.
const ExporterWarningsAttribute = genai.ExporterWarnings

// TruncationMarker ends every value the translator had to cut.
const TruncationMarker = "…[truncated by respan exporter]"

// DefaultOptions returns the settings the exporter and otlp2respan use when
// nothing is configured.
func DefaultOptions() Options {
	return Options{
		MaxContentBytes:       1 << 20, // 1 MiB, the Respan SDK's own decorator cap.
		DedupeNestedUsage:     true,
		PropagateIdentifiers:  true,
		ResourceMetadata:      MetadataSelected,
		LeftoverMetadata:      MetadataAll,
		MaxMetadataValueBytes: 4 << 10,
	}
}

// DropReason says why a span could not be turned into a span log.
type DropReason string

const (
	// DropMissingTraceID: the trace id is empty or all zero.
	DropMissingTraceID DropReason = "missing_trace_id"
	// DropMissingSpanID: the span id is empty or all zero.
	DropMissingSpanID DropReason = "missing_span_id"
)

// Result is what translating one ptrace.Traces produced.
type Result struct {
	// Logs are the span logs, in input order. Each keeps a reference to the
	// source span's position so a caller can rebuild the unsent remainder.
	Logs []*SpanLog
	// Dropped counts spans that could not be translated, by reason.
	Dropped map[DropReason]int
	// TruncatedFields counts content fields cut to MaxContentBytes.
	TruncatedFields int
	// Redactions counts, by detector name, the values Options.Redactor
	// replaced ("role": messages removed by role rules); nil when none.
	Redactions map[string]int
	// Problems lists each distinct problem once (e.g. "span dropped: all-zero
	// trace id"), suitable for one log line per batch.
	Problems []string
	// Facts (TranslateWith only) are the trace-level facts of every span
	// translated, in the order of Logs, for the caller to remember.
	Facts []SpanFact
	// FromPrior (TranslateWith only) counts the span logs whose trace had
	// prior facts.
	FromPrior int

	// batch is the memory the span logs live in, for Release.
	batch *batchMemory
}

// SourceRef locates a span log's source span inside the translated
// ptrace.Traces (resource, scope and span index).
type SourceRef struct {
	Resource, Scope, Span int
}

// Translator translates batches. It is safe for concurrent use: per-batch
// state lives on the stack of Translate (or in pooled views), and the one
// cross-batch cache (tool definitions) has its own lock.
type Translator struct {
	opts        Options
	providerIDs map[string]string
	// tools caches tool extraction across batches (safe for concurrent use).
	tools toolsCache
	// views pools the per-batch working state (*spanView).
	views sync.Pool
	// batches pools the memory of released results (*batchMemory).
	batches sync.Pool
}

// New returns a Translator for opts.
func New(opts Options) *Translator {
	ids := DefaultProviderIDs()
	for k, v := range opts.ProviderIDs {
		ids[k] = v
	}
	return &Translator{opts: opts, providerIDs: ids}
}

// Options returns the options the translator was built with.
func (t *Translator) Options() Options { return t.opts }

// EncodeArray appends the JSON array of logs to dst.
func EncodeArray(dst []byte, logs []*SpanLog) []byte {
	dst = append(dst, '[')
	for i, l := range logs {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = l.AppendJSON(dst)
	}
	return append(dst, ']')
}

var _ = ptrace.NewTraces
