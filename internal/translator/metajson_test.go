// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/respanai/respanexporter/internal/redaction"
)

// metaTreeOf returns the metadata value set for key on the view as a tree:
// a jsonText is decoded, so that tests compare values however they are
// held.
func metaTreeOf(v *spanView, key string) any {
	val, _ := v.metaOf(key)
	if t, ok := val.(jsonText); ok {
		tree, _ := decodeJSON(string(t))
		return tree
	}
	return val
}

// metaJSONSeeds are JSON texts on the edges of the transcoder: duplicate
// keys, depth, escapes, numbers, invalid UTF-8, surrogates, syntax errors.
var metaJSONSeeds = []string{
	`{}`, `[]`, ` { } `, ` [ ] `, `{"a":1,"a":2}`, `{"b":{"x":1,"x":[1,2]},"a":0,"b":3}`,
	`{"a":{"z":1,"y":2},"a":{"x":3}}`, `[{"b":1,"a":2},{"d":[{"f":1,"e":2}],"c":3}]`,
	`{"k\u0041":1,"kA":2}`, `{"kA":1,"k\u0041":2}`, `{"\ud800":1,"\ufffd":2}`, `{"a\\b":"\"q\""}`,
	`[1e400,-1e400,-0,1.0,1E+2,1e-400,123456789012345678901234567890,0.1e1,-0.0]`,
	"{\"a\xff\":\"\xfe\xfd\",\"a\xfe\":1}", "[\"\xff\xfe\xfd\",\"ok\xc3\"]", "[\"\xed\xa0\x80\"]",
	`["\ud83d\ude00","\ud800\u0041","\udc00\ud800","\ud800\ud800\udc00","\ud800","\udfff"]`,
	`["\u0000\u001f\u007f","\/\b\f\n\r\t","\u2028\u2029","<>&"]`, "[\"\u2028 \U0001F600\"]",
	" \t\n\r{ \"a\" \t:\n[ 1 , 2 ] ,\"b\" : null } \r\n", `[true,false,null]`,
	`{"a":1,}`, `[1,]`, `{"a" 1}`, `{"a":1}x`, `{"a":`, `[`, `{`, `{"a":01}`, `[1.]`, `["\x"]`,
	`["\u12"]`, `["\ud800\u12"]`, "[\"tab\there\"]", `{"a":[1,2],"a":[}`, `{1:2}`, `[nul]`, `[-]`,
	`{"a":"b"}{}`, `[{"a":1}]]`,
	strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth),
	strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1),
	strings.Repeat(`{"a":`, maxDepth) + "1" + strings.Repeat("}", maxDepth),
	strings.Repeat(`{"a":`, maxDepth+1) + "1" + strings.Repeat("}", maxDepth+1),
	`{"x":` + strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth) + `,"x":1}`,
	`{"x":` + strings.Repeat("[", maxDepth-1) + strings.Repeat("]", maxDepth-1) + `,"x":1}`,
}

// checkMetaJSON holds the transcoder to marshalAny(decodeJSON(s)), and the
// attribute encoder to marshalAny(valueToAny(v)) for the value s decodes
// to.
func checkMetaJSON(t *testing.T, s string) {
	t.Helper()
	var w metaTextWriter
	tree, wantOK := decodeJSON(s)
	got, ok := w.canonicalJSON(s)
	if ok != wantOK {
		t.Fatalf("canonicalJSON(%q) ok = %v, decodeJSON says %v", s, ok, wantOK)
	}
	if !ok {
		return
	}
	if want := marshalAny(tree); string(got) != want {
		t.Fatalf("canonicalJSON(%q)\n got %s\nwant %s", s, got, want)
	}
	val := pcommon.NewValueEmpty()
	if err := val.FromRaw(rawForPcommon(tree)); err != nil {
		return
	}
	if got, want := string(w.valueJSON(val)), marshalAny(valueToAny(val)); got != want {
		t.Fatalf("valueJSON(%q)\n got %s\nwant %s", s, got, want)
	}
}

// rawForPcommon turns a decoded tree into what pcommon's FromRaw takes
// (numbers as int64 or float64, strings of the form "b64:…" as bytes).
func rawForPcommon(v any) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = rawForPcommon(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = rawForPcommon(e)
		}
		return out
	case string:
		if b, ok := strings.CutPrefix(x, "b64:"); ok {
			return []byte(b)
		}
		return x
	case interface{ String() string }: // json.Number
		if n, err := strconv.ParseInt(x.String(), 10, 64); err == nil {
			return n
		}
		f, _ := strconv.ParseFloat(x.String(), 64)
		return f
	}
	return v
}

func TestMetaJSONMatchesTree(t *testing.T) {
	for _, s := range metaJSONSeeds {
		checkMetaJSON(t, s)
	}
	for _, s := range jsonParserSeeds {
		checkMetaJSON(t, s)
	}
	for _, s := range fastSeeds {
		checkMetaJSON(t, s)
	}
	if _, ok := new(metaTextWriter).canonicalJSON(strings.Repeat("[", 100000)); ok {
		t.Errorf("unterminated deep nesting accepted")
	}
}

// TestMetaJSONValues covers what JSON text cannot give pcommon: bytes,
// NaN and ±Inf, empty values, nesting past maxDepth, and duplicate map
// keys (a map decoded from the wire keeps them).
func TestMetaJSONValues(t *testing.T) {
	var w metaTextWriter
	check := func(name string, val pcommon.Value) {
		t.Helper()
		if got, want := string(w.valueJSON(val)), marshalAny(valueToAny(val)); got != want {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
	}
	m := pcommon.NewValueMap()
	m.Map().PutEmptyBytes("bytes").FromRaw([]byte{0, 0xff, 'a'})
	m.Map().PutDouble("nan", math.NaN())
	m.Map().PutDouble("inf", math.Inf(-1))
	m.Map().PutDouble("neg0", math.Copysign(0, -1))
	m.Map().PutDouble("big", 1e300)
	m.Map().PutDouble("small", 1e-9)
	m.Map().PutEmpty("empty")
	m.Map().PutEmptySlice("slice")
	m.Map().PutEmptyMap("map")
	m.Map().PutStr("s", "\xff\u2028\"")
	m.Map().PutInt("min", math.MinInt64)
	check("primitives", m)

	deep := pcommon.NewValueSlice()
	cur := deep
	for range maxDepth + 3 {
		next := cur.Slice().AppendEmpty()
		next.SetEmptySlice()
		cur.Slice().AppendEmpty().SetStr("leaf")
		cur = next
	}
	check("deep slices", deep)
	deepMap := pcommon.NewValueMap()
	cm := deepMap.Map()
	for range maxDepth + 3 {
		cm.PutInt("n", 1)
		cm = cm.PutEmptyMap("m")
	}
	check("deep maps", deepMap)

	// OTLP/JSON with a repeated attribute key inside a kvlist.
	td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces([]byte(`{"resourceSpans":[{"scopeSpans":[{"spans":[{
		"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","name":"s",
		"attributes":[{"key":"kv","value":{"kvlistValue":{"values":[
			{"key":"b","value":{"intValue":"1"}},{"key":"a","value":{"stringValue":"x"}},
			{"key":"b","value":{"stringValue":"last"}},{"key":"a","value":{"boolValue":true}}]}}}]}]}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	kv, _ := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes().Get("kv")
	if kv.Map().Len() != 4 {
		t.Logf("the unmarshaler dropped duplicate keys (%d left)", kv.Map().Len())
	}
	check("duplicate keys", kv)
}

// TestMetaValueMatchesTree holds metaValue (text) to metaTree (the tree
// the redactor gets): the same metadata bytes and the same cut, with and
// without a size cap.
func TestMetaValueMatchesTree(t *testing.T) {
	for _, s := range append(append([]string{"plain", "", "{not json", strings.Repeat("é", 40)}, metaJSONSeeds...), fastSeeds...) {
		checkMetaValue(t, s)
	}
}

func checkMetaValue(t *testing.T, s string) {
	t.Helper()
	for _, limit := range []int{0, 16, 4 << 10} {
		opts := DefaultOptions()
		opts.MaxMetadataValueBytes = limit
		v := newSpanView(&opts)
		vals := []pcommon.Value{pcommon.NewValueStr(s)}
		if tree, ok := decodeJSON(s); ok {
			val := pcommon.NewValueEmpty()
			if val.FromRaw(rawForPcommon(tree)) == nil {
				vals = append(vals, val)
			}
		}
		for _, val := range vals {
			got, gotCut := v.metaValue(val)
			want, wantCut := metaTree(limit, val)
			g := string(appendMetadataEntries(nil, []MetadataEntry{{"k", got}}))
			w := string(appendMetadataEntries(nil, []MetadataEntry{{"k", want}}))
			if g != w || gotCut != wantCut {
				t.Fatalf("metaValue(%s %q, limit %d)\n got %s (cut %v)\nwant %s (cut %v)", val.Type(), s, limit, g, gotCut, w, wantCut)
			}
		}
	}
}

// FuzzMetaJSONMatchesTree is the differential check of the metadata text
// writers against the trees they replace.
func FuzzMetaJSONMatchesTree(f *testing.F) {
	for _, seeds := range [][]string{metaJSONSeeds, jsonParserSeeds, fastSeeds} {
		for _, s := range seeds {
			f.Add(s)
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkMetaJSON(t, s)
		checkMetaValue(t, s)
	})
}

// TestShrinkJSONTextMatchesTree: Shrink cuts a metadata value held as its
// text exactly as it cuts the tree it stands for (same fields, same
// bytes), and drops the same largest key.
func TestShrinkJSONTextMatchesTree(t *testing.T) {
	tree := map[string]any{"b": strings.Repeat("x", 3000), "a": []any{"é", int64(1)}}
	small := []any{"stop"}
	build := func(asText bool) *SpanLog {
		sl := bigSpanLog(2000)
		meta := []MetadataEntry{{"big", any(tree)}, {"finish_reasons", any(small)}, {"tenant", "acme"}}
		if asText {
			for i := range meta {
				if isMapOrSlice(meta[i].Value) {
					meta[i].Value = jsonText(marshalAny(meta[i].Value))
				}
			}
		}
		sl.Metadata = meta
		return sl
	}
	for _, limit := range []int{100_000, 6_000, 3_000, 1_500, 600, 300} {
		a, b := build(false), build(true)
		ca, cb := a.Shrink(limit), b.Shrink(limit)
		if ja, jb := string(a.AppendJSON(nil)), string(b.AppendJSON(nil)); ja != jb || !reflect.DeepEqual(ca, cb) {
			t.Fatalf("limit %d:\ntree %v %s\ntext %v %s", limit, ca, ja, cb, jb)
		}
	}
}

// TestRedactJSONTextMetadata: a metadata value held as text is redacted
// leaf by leaf, like the tree it stands for.
func TestRedactJSONTextMetadata(t *testing.T) {
	tree := map[string]any{"owner": "bob@example.com", "alice@example.com": []any{"n", int64(2)}}
	run := func(v any) string {
		rs := newRedactState(allMaskRedactor(t, func(c *redaction.Config) { c.MetadataValues = true }))
		sl := &SpanLog{TraceID: "t", SpanID: "s", Metadata: []MetadataEntry{{"app", v}}}
		rs.redactSpanLog(sl)
		return string(sl.AppendJSON(nil))
	}
	if a, b := run(tree), run(jsonText(marshalAny(tree))); a != b || strings.Contains(a, "bob@") {
		t.Fatalf("tree %s\ntext %s", a, b)
	}
}
