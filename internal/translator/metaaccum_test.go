// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// TestAppendFirstByKey holds the span's metadata sort to a stable sort that
// keeps each key's first value, on both sides of the insertion-sort size.
func TestAppendFirstByKey(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 5, 31, 32, 33, 64, 500} {
		for range 20 {
			es := make([]MetadataEntry, n)
			for i := range es {
				es[i] = MetadataEntry{Key: "k" + strconv.Itoa(rng.IntN(n/2+1)), Value: int64(i)}
			}
			want := slices.Clone(es)
			slices.SortStableFunc(want, func(a, b MetadataEntry) int { return strings.Compare(a.Key, b.Key) })
			want = slices.CompactFunc(want, func(a, b MetadataEntry) bool { return a.Key == b.Key })
			if got, _ := appendFirstByKey(nil, es, nil); !reflect.DeepEqual(got, want) && (len(got) != 0 || len(want) != 0) {
				t.Fatalf("n=%d:\n got %v\nwant %v", n, got, want)
			}
		}
	}
}

// TestSettingsMetadataMatchesThreePasses holds the one-pass ai.settings
// copy to the three passes it replaced (one per family, in precedence
// order): same entries in the same order, same attributes consumed.
func TestSettingsMetadataMatchesThreePasses(t *testing.T) {
	attrs := [][2]string{
		{"ai.settings.maxRetries", "2"}, {"ai.settings.context.userId", "u1"}, {"ai.settings.userId", "shadowed"},
		{"ai.settings.runtimeContext.userId", "u2"}, {"ai.settings.runtimeContext.tenantName", "acme"},
		{"ai.settings.context.", "empty"}, {"ai.settings.nested.key", "dotted"}, {"ai.settings.context.a.b", "dotted"},
		{"ai.settingsX", "other"}, {"ai.settings.consumed", "taken"}, {"ai.settings.topP", "0.5"}, {"ai.settings.context.topP", "ctx"},
	}
	view := func() *spanView {
		span := ptrace.NewSpan()
		for _, a := range attrs {
			span.Attributes().PutStr(a[0], a[1])
		}
		opts := DefaultOptions()
		v := newSpanView(&opts)
		v.reset(span, "s", pcommon.NewMap(), false)
		v.consume("ai.settings.consumed")
		return v
	}
	got := view()
	applySettingsMetadata(got)
	want := view()
	for _, prefix := range []string{"ai.settings.context.", "ai.settings.runtimeContext.", "ai.settings."} {
		want.forUnconsumedPrefix(prefix, func(rest string, val pcommon.Value) {
			if rest != "" && !strings.Contains(rest, ".") {
				want.setMeta(snakeCase(rest), metadataValue(want, val))
			}
		})
	}
	if !reflect.DeepEqual(got.meta, want.meta) {
		t.Errorf("entries:\n got %v\nwant %v", got.meta, want.meta)
	}
	for i := range attrs {
		if got.isConsumed(i) != want.isConsumed(i) {
			t.Errorf("%s: consumed %v, want %v", attrs[i][0], got.isConsumed(i), want.isConsumed(i))
		}
	}
	if len(got.meta) < 5 {
		t.Errorf("too few entries to mean anything: %v", got.meta)
	}
}

// TestLeftoverKeysMatchTables: the merged leftover table says what the
// three tables and the content prefixes said, for every key they name.
func TestLeftoverKeysMatchTables(t *testing.T) {
	keys := map[string]bool{}
	for _, m := range []map[string]bool{ignoredAttributes, contentAttributes} {
		for k := range m {
			keys[k] = true
		}
	}
	for k := range metadataRenames {
		keys[k] = true
	}
	for k := range keys {
		skip := ignoredAttributes[k] || contentAttributes[k] || hasContentPrefix(k)
		name := k
		if r, ok := metadataRenames[k]; ok {
			name = r
		}
		c := leftoverKeys[k]
		if c.skip != skip || (!skip && c.rename != name) {
			t.Errorf("%s: table says %+v, want skip=%v name=%q", k, c, skip, name)
		}
	}
}

// TestScopeCacheBoundedAndRight: a batch of more distinct scopes than the
// cache keeps still gives every span its own scope's metadata, and the
// cache stays bounded.
func TestScopeCacheBoundedAndRight(t *testing.T) {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	n := maxCachedScopes*2 + 3
	for i := range n {
		ss := rs.ScopeSpans().AppendEmpty()
		ss.Scope().SetName("scope-" + strconv.Itoa(i%(maxCachedScopes+7)))
		ss.Scope().SetVersion(strconv.Itoa(i % 3))
		s := ss.Spans().AppendEmpty()
		s.SetTraceID(pcommon.TraceID{1})
		s.SetSpanID(pcommon.SpanID{byte(i), byte(i >> 8), 1})
		s.SetName("s")
	}
	res := New(DefaultOptions()).Translate(td)
	if len(res.Logs) != n {
		t.Fatalf("%d logs", len(res.Logs))
	}
	for i, sl := range res.Logs {
		name, _ := sl.MetadataValue("otel.scope.name")
		ver, _ := sl.MetadataValue("otel.scope.version")
		if name != "scope-"+strconv.Itoa(i%(maxCachedScopes+7)) || ver != strconv.Itoa(i%3) {
			t.Fatalf("span %d: scope %v %v", i, name, ver)
		}
	}
	v := newSpanView(&Options{})
	for i := range n {
		s := pcommon.NewInstrumentationScope()
		s.SetName(strconv.Itoa(i))
		v.scopeMetaFor(s)
	}
	if len(v.scopes) > maxCachedScopes {
		t.Errorf("scope cache holds %d", len(v.scopes))
	}
}

// TestReleaseMetaDropsGrownBuffers: a pooled view keeps ordinary buffers
// and lets go of ones a hostile span grew.
func TestReleaseMetaDropsGrownBuffers(t *testing.T) {
	v := newSpanView(&Options{})
	for i := range 10 * maxKeptEntries {
		v.setMeta(strconv.Itoa(i), "x")
	}
	v.metaText.out = make([]byte, 0, 2*maxKeptBytes)
	v.metaText.tmp = make([]byte, 0, 100)
	v.releaseMeta()
	if cap(v.meta) != 0 || cap(v.metaText.out) != 0 || cap(v.metaText.tmp) != 100 {
		t.Errorf("kept meta %d, out %d, tmp %d", cap(v.meta), cap(v.metaText.out), cap(v.metaText.tmp))
	}
}
