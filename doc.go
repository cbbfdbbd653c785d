// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

//go:generate go tool -modfile=internal/tools/go.mod mdatagen metadata.yaml
// mdatagen names test packages after the checkout directory; pin the real name.
//go:generate sh -c "for f in generated_*_test.go; do sed 's/^package .*/package respanexporter/' $DOLLAR{f} > $DOLLAR{f}.tmp && mv $DOLLAR{f}.tmp $DOLLAR{f}; done"

// Package respanexporter exports OpenTelemetry spans to Respan (formerly
// Keywords AI). Each span becomes one Respan "span log" JSON object; span logs
// are POSTed as JSON arrays to the traces ingest API ({endpoint}/v1/traces/ingest).
package respanexporter // import "github.com/respanai/respanexporter"
