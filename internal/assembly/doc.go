// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

// Package assembly is the exporter's assembly stage, in front of the
// sending queue: the spans of a trace wait for each other so that
// trace-level fields (identifiers, workflow names, usage counted once) are
// computed over the whole trace, gen-AI content log records and their
// model-call spans are brought together (the logs join: records are folded
// into their span as span events, which the translator reads like any
// other span events), and a bounded memory of traces that left lets their
// late spans be translated as part of them (translator.TranslateWith).
// The exporter's shared component (one instance per configuration for the
// traces and logs pipelines) owns one Stage and forwards to the
// exporterhelper through it. docs/assembly.md documents the behaviour.
package assembly // import "github.com/respanai/respanexporter/internal/assembly"
