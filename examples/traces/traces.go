// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

// Package traces bundles example OTLP/JSON traces (one
// ExportTraceServiceRequest per file) that `otlp2respan replay` sends when
// no files are given. Each shows a different instrumentation convention:
//
//   - 01-otel-genai-agent.json: OTel GenAI semantic conventions (agent,
//     chat and tool spans, gen_ai.input/output.messages)
//   - 02-openllmetry-workflow.json: OpenLLMetry / Traceloop workflow, task
//     and LLM spans (traceloop.*, gen_ai.prompt.N.*)
//   - 03-vercel-ai-sdk.json: the Vercel AI SDK (ai.* attributes)
//   - 04-errored-llm-call.json: a failed LLM call (status ERROR, exception
//     event)
//
// They are copies of translator test fixtures 01, 03, 05 and 09; their
// timestamps are from 2026 and `replay` shifts them to the present.
package traces

import "embed"

// FS holds the example files at its root (*.json).
//
//go:embed *.json
var FS embed.FS
