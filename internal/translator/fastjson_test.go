// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

var jsonParserSeeds = []string{
	`{}`, `[]`, `""`, `0`, `-0.5e+10`, `1E3`, `true`, `false`, `null`, ` [1, "a", {"b": null}] `,
	`{"role":"user","parts":[{"type":"text","content":"hi \"there\"\n\u00e9\ud83d\ude00"}]}`,
	`"\ud800"`, `"\ud800\u0041"`, `"\udc00\ud800"`, `"\u00"`, `{"a":1,}`, `[1,]`, `01`, `1.`, `.5`, `-`,
	`{"a" 1}`, `{"a":1}{}`, "\"tab\there\"", `"\x"`, `nul`, `[`, `{"a":[{"b":[{"c":{}}]}]}`,
	`{"dup":1,"dup":2}`, `"\/\b\f\r\t"`, `1e400`, `  `, ``,
}

// TestParseJSONMatchesStdlib checks the hand-written parser against
// encoding/json on valid and invalid documents.
func TestParseJSONMatchesStdlib(t *testing.T) {
	for _, s := range jsonParserSeeds {
		checkParserAgainstStdlib(t, s)
	}
	deep := strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1)
	if validJSON(deep) {
		t.Errorf("nesting beyond maxDepth must be rejected")
	}
	if _, ok := parseJSON(strings.Repeat("[", 100000)); ok {
		t.Errorf("unterminated deep nesting accepted")
	}
}

func FuzzParseJSON(f *testing.F) {
	for _, s := range jsonParserSeeds {
		f.Add(s)
	}
	f.Fuzz(checkParserAgainstStdlib)
}

func checkParserAgainstStdlib(t *testing.T, s string) {
	t.Helper()
	if !utf8.ValidString(s) || strings.Count(s, "[")+strings.Count(s, "{") > maxDepth {
		// encoding/json rewrites invalid UTF-8, and has no depth cap:
		// only check that we do not crash.
		parseJSON(s)
		validJSON(s)
		return
	}
	want := json.Valid([]byte(s))
	if got := validJSON(s); got != want {
		t.Fatalf("validJSON(%q) = %v, encoding/json says %v", s, got, want)
	}
	got, ok := parseJSON(s)
	if ok != want {
		t.Fatalf("parseJSON(%q) ok = %v, want %v", s, ok, want)
	}
	if !ok {
		return
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	var ref any
	if err := dec.Decode(&ref); err != nil {
		t.Fatalf("stdlib failed on %q: %v", s, err)
	}
	if !reflect.DeepEqual(got, ref) {
		t.Fatalf("parseJSON(%q) = %#v, encoding/json gives %#v", s, got, ref)
	}
}
