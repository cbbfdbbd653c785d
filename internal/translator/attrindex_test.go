// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// TestAttrIndex: the index answers like a map rebuilt per span, across
// spans of very different sizes, duplicate keys and generation wrap-around.
func TestAttrIndex(t *testing.T) {
	var x attrIndex
	if _, ok := indexGet(&x, "never reset"); ok {
		t.Fatal("an unused index found a key")
	}
	for round, n := range []int{3, 0, 500, 2, 40000, 7, 1} {
		want := map[string]int{}
		x.reset(n + 1)
		for i := 0; i < n; i++ {
			k := "k" + strconv.Itoa(i*7%max(n, 1))
			x.put(k, pcommon.NewValueInt(int64(i)), i)
			want[k] = i
		}
		// A duplicate key keeps the later value.
		x.put("k0", pcommon.NewValueInt(-1), n)
		want["k0"] = n
		for k, pos := range want {
			ref, ok := indexGet(&x, k)
			if !ok || ref.pos != pos {
				t.Fatalf("round %d: get(%q) = %d, %v, want %d", round, k, ref.pos, ok, pos)
			}
		}
		// Keys of the previous spans are gone.
		if _, ok := indexGet(&x, "k"+strconv.Itoa(n+1)); ok && n > 0 {
			t.Fatalf("round %d: a key of an earlier span was found", round)
		}
		if n == 40000 && len(x.slots) < 2*n {
			t.Fatalf("table of %d slots for %d keys", len(x.slots), n)
		}
		if n == 7 && len(x.slots) > 1<<12 {
			t.Fatalf("a small span after a huge one kept %d slots", len(x.slots))
		}
	}
	// A small span whose keys all share one digest (same length, first
	// and last byte), given twice each: the chains answer like a map.
	x.reset(smallIndexKeys)
	want := map[string]int{}
	for i := 0; i < smallIndexKeys; i++ {
		k := fmt.Sprintf("a%03dz", i%(smallIndexKeys/2))
		x.put(k, pcommon.NewValueInt(int64(i)), i)
		want[k] = i
	}
	for k, pos := range want {
		if ref, ok := indexGet(&x, k); !ok || ref.pos != pos || ref.val.Int() != int64(pos) {
			t.Fatalf("same-digest keys: get(%q) = %d, %v, want %d", k, ref.pos, ok, pos)
		}
	}
	if _, ok := indexGet(&x, "a999z"); ok {
		t.Fatal("same-digest keys: an absent key was found")
	}
	// Generation wrap-around clears the table instead of matching stale slots.
	x.reset(1)
	x.put("stale", pcommon.NewValueStr("x"), 0)
	x.gen = ^uint32(0)
	x.reset(1)
	if _, ok := indexGet(&x, "stale"); ok {
		t.Fatal("a stale slot matched after the generation wrapped")
	}
}

// TestKeyListMatchesTake: the keyList look-ups (stored digests) find,
// consume and skip exactly what take, takeString and firstString do over
// the same keys.
func TestKeyListMatchesTake(t *testing.T) {
	attrs := map[string]any{"user.id": "  u1 ", "session.id": "", "langfuse.user.id": 7, "gen_ai.usage.input_tokens": int64(12),
		"llm.token_count.prompt": "x", "other": "o", "enduser.id": []any{"a"}}
	lists := []keyList{customerKeys, threadKeys, promptTokenKeys, modelKeys, newKeyList("other", "absent", "user.id")}
	for _, l := range lists {
		a, b := mtView(t, nil, attrs), mtView(t, nil, attrs)
		if got, want := a.takeListString(&l), b.takeString(l.keys...); got != want {
			t.Errorf("%v: takeListString %q, takeString %q", l.keys, got, want)
		}
		if got, want := consumedKeys(a), consumedKeys(b); got != want {
			t.Errorf("%v: consumed %v, take consumes %v", l.keys, got, want)
		}
		c, d := mtView(t, nil, attrs), mtView(t, nil, attrs)
		if got, want := c.firstListString(&l), d.firstString(l.keys...); got != want {
			t.Errorf("%v: firstListString %q, firstString %q", l.keys, got, want)
		}
	}
}

// consumedKeys lists, sorted, the attributes v marked consumed.
func consumedKeys(v *spanView) string {
	var keys []string
	pos := 0
	v.attrs.Range(func(k string, _ pcommon.Value) bool {
		if v.consumed[pos] {
			keys = append(keys, k)
		}
		pos++
		return true
	})
	sort.Strings(keys)
	return fmt.Sprint(keys)
}

// TestKeyAfter: the first-byte shortcut orders keys as string comparison.
func TestKeyAfter(t *testing.T) {
	keys := []string{"", "a", "b", "ab", "aa", "\xff", "\x00", "otel.scope.name", "otel.span.kind", "service.name", "é", "e"}
	for _, a := range keys {
		for _, b := range keys {
			if got := keyAfter(a, b); got != (a > b) {
				t.Errorf("keyAfter(%q, %q) = %v", a, b, got)
			}
		}
	}
}

// indexGet looks key up as the view does, digest first.
func indexGet(x *attrIndex, key string) (attrRef, bool) { return x.getDigest(key, keyDigest(key)) }

// TestNotePrefixMatchesFamilies: the flattened-family flags are set
// exactly when a key has the family's prefix (the first-byte shortcuts
// of notePrefix miss none).
func TestNotePrefixMatchesFamilies(t *testing.T) {
	families := map[string]func(*flatPrefixes) bool{
		"gen_ai.prompt.":                    func(f *flatPrefixes) bool { return f.genAIPrompt },
		"gen_ai.completion.":                func(f *flatPrefixes) bool { return f.genAICompletion },
		"gen_ai.aggregated_usage.":          func(f *flatPrefixes) bool { return f.aggregatedUsage },
		"llm.input_messages.":               func(f *flatPrefixes) bool { return f.oiInput },
		"llm.output_messages.":              func(f *flatPrefixes) bool { return f.oiOutput },
		"llm.prompts.":                      func(f *flatPrefixes) bool { return f.oiPrompts },
		"llm.choices.":                      func(f *flatPrefixes) bool { return f.oiChoices },
		"llm.tools.":                        func(f *flatPrefixes) bool { return f.oiTools },
		"llm.request.functions.":            func(f *flatPrefixes) bool { return f.tlFunctions },
		"embedding.embeddings.":             func(f *flatPrefixes) bool { return f.oiEmbeddings },
		"retrieval.documents.":              func(f *flatPrefixes) bool { return f.oiDocuments },
		"respan.metadata.":                  func(f *flatPrefixes) bool { return f.respanMeta },
		"keywordsai.metadata.":              func(f *flatPrefixes) bool { return f.keywordsMeta },
		"traceloop.association.properties.": func(f *flatPrefixes) bool { return f.tlAssoc },
		"ai.telemetry.metadata.":            func(f *flatPrefixes) bool { return f.aiTelemetryMeta },
		"ai.settings.":                      func(f *flatPrefixes) bool { return f.aiSettingsAny },
		"langsmith.metadata.":               func(f *flatPrefixes) bool { return f.langsmithMeta },
		"mcp.request.argument.":             func(f *flatPrefixes) bool { return f.mcpArguments },
	}
	var keys []string
	for p := range families {
		keys = append(keys, p+"0.content", p+"x", p, p[:len(p)-1], p[:len(p)-1]+"_other", strings.ToUpper(p[:1])+p[1:]+"x")
	}
	keys = append(keys, "gen_ai.request.model", "gen_ai.usage.input_tokens", "llm.model_name", "llm", "gen_ai.", "l", "lang", "llmx.tools.0",
		"llm.token_count.total", "gen_ai.provider.name", "gen_ai.conversation.id", "mcp.method.name", "retrieval.x", "")
	// Every ordered pair: a later key of a family's first byte must not
	// clear what an earlier one set.
	for _, k := range keys {
		for _, other := range keys {
			v := newSpanView(&Options{})
			v.hasFlat = flatPrefixes{}
			v.notePrefix(k)
			if other != "" {
				v.notePrefix(other)
			}
			for p, flag := range families {
				want := strings.HasPrefix(k, p) || strings.HasPrefix(other, p)
				if got := flag(&v.hasFlat); got != want {
					t.Errorf("keys %q, %q: family %s flag %v, want %v", k, other, p, got, want)
				}
			}
		}
	}
}
