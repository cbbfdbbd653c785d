// Package translator turns OTLP spans (pdata ptrace) into Respan span logs.
//
// It is pure: no I/O, no collector lifecycle, no logging. Everything it
// notices about bad input is reported back in the Result (drop counts,
// truncation counts, one line per distinct problem) so that the caller can
// count it in telemetry and log it once.
//
// The mapping follows §4 and §5 of the project's genai-conventions notes:
// attribute-driven (not scope-driven), with a fixed precedence per target
// field, so one trace can mix OTel GenAI semconv (old and new),
// OpenLLMetry/Traceloop, OpenInference, Vercel AI SDK, OpenLIT, Logfire and
// Respan's own respan.*/keywordsai.* attributes.
package translator
