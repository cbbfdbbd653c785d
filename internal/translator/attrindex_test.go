// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"fmt"
	"sort"
	"strconv"
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
