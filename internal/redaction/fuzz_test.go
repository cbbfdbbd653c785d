// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package redaction

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzRedact checks, for any input and every built-in detector on in mask
// mode: no panic, valid UTF-8 out, never longer than the input (after
// invalid bytes became U+FFFD), idempotence (masked text has nothing left
// to find), and that redacting the JSON text of a string leaves valid JSON
// (no replacement spans or produces quotes, backslashes or control bytes).
//
//	go test -run='^$' -fuzz='^FuzzRedact$' -fuzztime=30s ./internal/redaction
func FuzzRedact(f *testing.F) {
	for _, s := range []string{
		"", "alice@example.com", "a@b.co", "+1 415 555 2671", "4111 1111 1111 1111", "DE89 3704 0044 0532 0130 00",
		"10.0.0.1", "2001:db8::1", "Bearer abcdefghijklmnop1234", "sk-abcdefghijklmnopqrstuvwx", "AKIAIOSFODNN7EXAMPLE",
		"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sig", `{"a":"b@c.de"}`, "\xff@\xfe.com", "müller@exämple.de",
		"(415)555-2671", "::ffff:1.2.3.4", "x@y.zz@w.vv", "Bearer Bearer abcdefghijklmnopqrs",
	} {
		f.Add(s)
	}
	r, err := New(allMask())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, changed := r.Redact(in)
		if !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 out of %q: %q", in, out)
		}
		valid := strings.ToValidUTF8(in, "\uFFFD")
		if len(out) > len(valid) {
			t.Fatalf("longer: %q -> %q", in, out)
		}
		if !changed && out != valid {
			t.Fatalf("unchanged but different: %q -> %q", in, out)
		}
		again, changed2 := r.Redact(out)
		if changed2 || again != out {
			t.Fatalf("not idempotent: %q -> %q -> %q", in, out, again)
		}
		text, _ := json.Marshal(valid)
		red, _ := r.Redact(string(text))
		if !json.Valid([]byte(red)) {
			t.Fatalf("JSON text %s redacted to invalid JSON %s", text, red)
		}
	})
}
