// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package redaction

import (
	"strings"
	"testing"
)

// Per-string cost of the built-in detectors in mask mode:
//
//	go test -run='^$' -bench=. -benchmem ./internal/redaction
//
// "prose" is chat text without candidates (the common case: the prefilter
// and the secrets' token walk are the whole cost); "code" is source text
// with digits, dots and colons that reach the scanners but match nothing;
// "pii" has one value of each kind per 200 bytes.
func BenchmarkRedact(b *testing.B) {
	prose := strings.Repeat("Summarise the attached report for the leadership team. Keep it short, friendly and factual, with three bullet points. ", 9)
	code := strings.Repeat("for i := 0; i < len(xs); i++ { total += xs[i] * 1.5 } // see http://localhost:8080/v2/items?page=3 at 12:30\n", 10)
	pii := strings.Repeat("Mail alice@example.com, call +44 20 7946 0958, card 4111 1111 1111 1111, from 10.0.0.1 key sk-abcdefghijklmnopqrstuvwx. ", 8)
	r := newR(b, allMask())
	for _, c := range []struct{ name, s string }{{"prose", prose}, {"code", code}, {"pii", pii}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.s)))
			b.ReportAllocs()
			for b.Loop() {
				r.Redact(c.s)
			}
		})
	}
}
