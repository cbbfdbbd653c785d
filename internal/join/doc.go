// Copyright The respanexporter Authors
// SPDX-License-Identifier: Apache-2.0

// Package join brings gen-AI content log records and their model-call
// spans together before the sending queue: records are folded into their
// span as span events, which the translator reads like any other span
// events. The exporter's shared component (one instance per configuration
// for the traces and logs pipelines) owns one Join and forwards to the
// exporterhelper through it.
package join // import "github.com/respanai/respanexporter/internal/join"
