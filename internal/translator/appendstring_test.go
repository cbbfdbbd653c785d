// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var appendStringSeeds = []string{
	"", "plain ascii text that is long enough", "quote\"inside and back\\slash", "ctl\x00\x01\x1f\x7f",
	"tabs\tand\nnewlines\r", "héllo wörld – “quotes” 😀", "bad\xffutf8\xc3", "\xe2\x80\xa8 line sep",
	strings.Repeat("a\"", 9), strings.Repeat("12345678", 5) + "\"",
}

// TestAppendStringMatchesStdlib: for valid UTF-8 our output decodes to the
// input; for invalid UTF-8 it decodes to the input with U+FFFD.
func TestAppendStringMatchesStdlib(t *testing.T) {
	for _, s := range appendStringSeeds {
		checkAppendString(t, s)
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range appendStringSeeds {
		f.Add(s)
	}
	f.Fuzz(checkAppendString)
}

func checkAppendString(t *testing.T, s string) {
	out := appendString(nil, s)
	if !json.Valid(out) || !utf8.Valid(out) {
		t.Fatalf("appendString(%q) = %q is not valid JSON/UTF-8", s, out)
	}
	var back string
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	want := strings.ToValidUTF8(s, "\uFFFD")
	if utf8.ValidString(s) {
		want = s
	}
	// ToValidUTF8 merges runs of bad bytes; we replace each byte, so
	// compare with runs collapsed.
	if collapse(back) != collapse(want) {
		t.Fatalf("appendString(%q) round-trips to %q, want %q", s, back, want)
	}
}

func collapse(s string) string {
	for strings.Contains(s, "\uFFFD\uFFFD") {
		s = strings.ReplaceAll(s, "\uFFFD\uFFFD", "\uFFFD")
	}
	return s
}

// BenchmarkAppendString escapes chat-like text (mostly ASCII prose, a few
// quotes, newlines and non-ASCII words), flat and nested.
func BenchmarkAppendString(b *testing.B) {
	prose := strings.Repeat(`Option naïve São number, document status — password. "quoted" call museum request security.`+"\n\n"+`plan the trip to Lisbon and book a hotel near the river before Friday please, `, 20)
	// JSON text (tool results, input.value, output.value) sent as a
	// string: a quote every few bytes.
	jsonText := strings.Repeat(`{"id":"a33d64e4","score":0.215,"text":"Recommend flight search growth. are function naïve it cost days.\n\"quoted\""},`, 12)
	for _, c := range []struct {
		name   string
		text   string
		nested bool
	}{{"flat", prose, false}, {"nested", prose, true}, {"json", jsonText, false}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.text)))
			var dst []byte
			for b.Loop() {
				dst = appendStringBody(dst[:0], c.text, c.nested)
			}
		})
	}
}

// TestAppendTimeMatchesFormat: the hand-written RFC 3339 writer gives what
// time.Format gives, across leap years, century rules, the epoch and the
// last representable nanosecond.
func TestAppendTimeMatchesFormat(t *testing.T) {
	cases := []uint64{0, 1, 999, 1_000, 59_999_999_999, 951_782_400_000_000_000 /* 2000-02-29 */, 4_107_542_400_000_000_000, /* 2100-03-01 */
		1_787_220_900_123_456_789, math.MaxInt64, math.MaxInt64 + 1, math.MaxUint64}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		cases = append(cases, rng.Uint64N(math.MaxInt64))
	}
	for _, ns := range cases {
		want := `"` + time.Unix(0, int64(ns)).UTC().Format("2006-01-02T15:04:05.000000Z") + `"`
		if got := string(appendTime(nil, ns)); got != want {
			t.Fatalf("appendTime(%d) = %s, want %s", ns, got, want)
		}
	}
}
