// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

// Package translator turns OTLP spans (pdata ptrace) into Respan span logs.
//
// It is pure: no I/O, no collector lifecycle, no logging. Everything it
// notices about bad input is reported back in the Result (drop counts,
// truncation counts, one line per distinct problem) so that the caller can
// count it in telemetry and log it once.
//
// The mapping follows docs/conventions.md §4 and §5:
// attribute-driven (not scope-driven), with a fixed precedence per target
// field, so one trace can mix OTel GenAI semconv (old and new),
// OpenLLMetry/Traceloop, OpenInference, Vercel AI SDK, OpenLIT, Logfire and
// Respan's own respan.*/keywordsai.* attributes.
//
// Layout: the span-log model and its encoder are apart from the mapping,
// in the spanlog*.go files (spanlog.go: SpanLog, Message and the deferred
// input/output; spanlog_encode.go: AppendJSON; spanlog_jsonw.go: the JSON
// writer with its invalid-UTF-8 repair) plus shrink.go. The mapping is cut
// by target field as the spec is: logtype.go (the §5.3 rule table),
// model.go, provider.go, params.go, usage.go, identity.go, status.go,
// tools.go, metadata.go, io.go (input/output), and the messages*.go files
// by message shape. spanview.go is the per-span attribute index with the
// one look-up (first) every field mapping uses.
package translator
