// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// spanView is the per-span working state of a translation: an index of the
// span's attributes (built in one pass), its events, and what the mapping
// has noticed (warnings, metadata, keys it consumed).
type spanView struct {
	span      ptrace.Span
	attrs     pcommon.Map
	idx       attrIndex
	keys      keyFilter
	scopeName string
	resource  pcommon.Map
	isRoot    bool
	opts      *Options
	// lastTraceID/lastTraceHex memoise the hex form of the trace id.
	lastTraceID  pcommon.TraceID
	lastTraceHex string
	// tools is the translator's tool-definitions cache; keyBuf the reused
	// buffer its keys are built in.
	tools  *toolsCache
	keyBuf []byte
	// keyPieces are the pieces of the current span's tools key;
	// lastTools the previous key's and its entry.
	keyPieces []string
	lastTools lastTools
	// fast holds the reused buffers of the fast message path.
	fast fastReader
	// fastContent is the content-string reader's (messages_fast_content.go).
	fastContent fastReader
	// evRefs is sortedEvents' reused buffer.
	evRefs []evRef
	// arena holds the batch's small strings (hex ids, unescaped text).
	arena byteArena
	// resMeta and scope are the metadata of the current resource and
	// scope, computed once per resource and scope; scopes caches the
	// latter by name and version for the batch (a scope per few spans is
	// common, with a handful of distinct ones).
	resMeta resourceMeta
	scope   *scopeMeta
	scopes  map[scopeKey]*scopeMeta
	// metaText is the reused scratch of metadata JSON text; boxes hold
	// the batch's boxed metadata values.
	metaText metaTextWriter
	boxes    metaBoxes
	// metaSlab is where the batch's span logs' metadata slices are cut
	// from (each with its exact capacity, so none can grow into the next):
	// a block of the batch's memory (nil outside a translation).
	metaSlab []MetadataEntry
	batch    *batchMemory
	// providerIDs maps canonical providers to Respan provider_id values.
	providerIDs map[string]string

	warnings []string
	// meta is the span's metadata in the order it was set (sortedMeta
	// sorts it and keeps each key's first value): a reused slice, not a
	// map, as most spans have a dozen keys.
	meta []MetadataEntry
	// metaOrder is sortedMeta's reused buffer; metaSettings is
	// applySettingsMetadata's.
	metaOrder    []int32
	metaSettings []settingAttr
	// oiMeta holds the members of OpenInference's "metadata" object for
	// the span; members those of the explicit metadata objects, one at a
	// time (objectMembers).
	oiMeta, members []MetadataEntry
	truncated       int
	// consumed marks, by attribute position, what the mapping used, so that
	// it is not copied again as leftover metadata. A slice, not a map: it is
	// written on every lookup.
	consumed []bool
	// prefixes present among the attribute keys (flattened conventions).
	hasFlat flatPrefixes
	// flatBuf and flatGroups hold the span's flattened-message fields and
	// groups (messages_flat.go); emptied per span, their memory reused.
	flatBuf    []flatField
	flatGroups []flatGroup
	// llmInv holds the members of llm.invocation_parameters once
	// llmInvRead: several mappings read it.
	llmInv     invocationParams
	llmInvRead bool
}

// flatPrefixes records which flattened-key families occur on the span, so
// extraction scans the attributes only when a family is present.
type flatPrefixes struct {
	genAIPrompt, genAICompletion   bool // gen_ai.prompt.N.*, gen_ai.completion.N.*
	oiInput, oiOutput              bool // llm.input_messages.N.*, llm.output_messages.N.*
	oiPrompts, oiChoices           bool // llm.prompts.N.*, llm.choices.N.*
	oiTools                        bool // llm.tools.N.*
	oiEmbeddings                   bool // embedding.embeddings.N.*
	oiDocuments                    bool // retrieval.documents.N.*
	tlFunctions                    bool // llm.request.functions.N.*
	respanMeta, keywordsMeta       bool // respan.metadata.*, keywordsai.metadata.*
	tlAssoc                        bool // traceloop.association.properties.*
	aiTelemetryMeta, aiSettingsAny bool // ai.telemetry.metadata.*, ai.settings.*
	langsmithMeta                  bool // langsmith.metadata.*
	aggregatedUsage                bool // gen_ai.aggregated_usage.*
	mcpArguments                   bool // mcp.request.argument.*
}

func newSpanView(opts *Options) *spanView {
	return &spanView{
		opts: opts,
	}
}

// reset points the view at a new span, reusing its maps.
func (v *spanView) reset(span ptrace.Span, scopeName string, resource pcommon.Map, isRoot bool) {
	v.span = span
	v.attrs = span.Attributes()
	v.scopeName = scopeName
	v.resource = resource
	v.isRoot = isRoot
	v.warnings = nil
	// The metadata buffer is reused across spans: translateSpan copies it
	// into the span log's sorted slice.
	v.meta = v.meta[:0]
	v.truncated = 0
	v.hasFlat = flatPrefixes{}
	v.flatBuf, v.flatGroups = v.flatBuf[:0], v.flatGroups[:0]
	v.llmInv, v.llmInvRead = invocationParams{}, false
	v.keys = keyFilter{}
	n := v.attrs.Len()
	v.idx.reset(n)
	if cap(v.consumed) < n {
		v.consumed = make([]bool, n)
	}
	v.consumed = v.consumed[:n]
	clear(v.consumed)
	pos := 0
	v.attrs.Range(func(k string, val pcommon.Value) bool {
		v.idx.put(k, val, pos)
		v.keys.add(k)
		pos++
		v.notePrefix(k)
		return true
	})
}

func (v *spanView) notePrefix(k string) {
	if len(k) < len("llm.tools.") {
		return
	}
	// Most keys belong to no family: the first byte rules out all but a
	// few prefixes.
	switch k[0] {
	case 'a':
		switch {
		case strings.HasPrefix(k, "ai.telemetry.metadata."):
			v.hasFlat.aiTelemetryMeta = true
		case strings.HasPrefix(k, "ai.settings."):
			v.hasFlat.aiSettingsAny = true
		}
	case 'e':
		if strings.HasPrefix(k, "embedding.embeddings.") {
			v.hasFlat.oiEmbeddings = true
		}
	case 'g':
		// Most keys are gen_ai.*: the byte after "gen_ai." picks the one
		// family that may match.
		if len(k) < len("gen_ai.x") || k[:len("gen_ai.")] != "gen_ai." {
			return
		}
		switch k[len("gen_ai.")] {
		case 'p':
			if strings.HasPrefix(k, "gen_ai.prompt.") {
				v.hasFlat.genAIPrompt = true
			}
		case 'c':
			if strings.HasPrefix(k, "gen_ai.completion.") {
				v.hasFlat.genAICompletion = true
			}
		case 'a':
			if strings.HasPrefix(k, aggregatedUsagePrefix) {
				v.hasFlat.aggregatedUsage = true
			}
		}
	case 'm':
		if strings.HasPrefix(k, "mcp.request.argument.") {
			v.hasFlat.mcpArguments = true
		}
	case 'k':
		if strings.HasPrefix(k, "keywordsai.metadata.") {
			v.hasFlat.keywordsMeta = true
		}
	case 'l':
		if k[:len("llm.")] != "llm." {
			if strings.HasPrefix(k, "langsmith.metadata.") {
				v.hasFlat.langsmithMeta = true
			}
			return
		}
		// The byte after "llm." picks the one family that may match.
		switch k[len("llm.")] {
		case 'i':
			v.hasFlat.oiInput = v.hasFlat.oiInput || strings.HasPrefix(k, "llm.input_messages.")
		case 'o':
			v.hasFlat.oiOutput = v.hasFlat.oiOutput || strings.HasPrefix(k, "llm.output_messages.")
		case 'p':
			v.hasFlat.oiPrompts = v.hasFlat.oiPrompts || strings.HasPrefix(k, "llm.prompts.")
		case 'c':
			v.hasFlat.oiChoices = v.hasFlat.oiChoices || strings.HasPrefix(k, "llm.choices.")
		case 't':
			v.hasFlat.oiTools = v.hasFlat.oiTools || strings.HasPrefix(k, "llm.tools.")
		case 'r':
			v.hasFlat.tlFunctions = v.hasFlat.tlFunctions || strings.HasPrefix(k, "llm.request.functions.")
		}
	case 'r':
		switch {
		case strings.HasPrefix(k, "retrieval.documents."):
			v.hasFlat.oiDocuments = true
		case strings.HasPrefix(k, "respan.metadata."):
			v.hasFlat.respanMeta = true
		}
	case 't':
		if strings.HasPrefix(k, "traceloop.association.properties.") {
			v.hasFlat.tlAssoc = true
		}
	}
}

// lookup finds an attribute by key. Most keys the mapping asks for are
// absent (each field has a dozen spellings across conventions): the key
// filter answers those without a look-up in the index.
//
// lookup, takeList and firstListString each test the filter themselves
// rather than through a shared helper: the test is inlined, and most keys
// end there, where a helper would not inline and cost a call per key.
func (v *spanView) lookup(key string) (attrRef, bool) {
	d := keyDigest(key)
	if !v.keys.hasDigest(d) {
		return attrRef{}, false
	}
	return v.idx.getDigest(key, d)
}

// keyFilter is a 256-bit set of (length, first byte, last byte) digests
// of the span's attribute keys: a key whose digest is not in it is absent.
type keyFilter [4]uint64

func keyDigest(k string) uint8 {
	if k == "" {
		return 0
	}
	return uint8(len(k)*37) ^ k[0]*5 ^ k[len(k)-1]*131
}

func (f *keyFilter) add(k string) {
	d := keyDigest(k)
	f[d>>6] |= 1 << (d & 63)
}

// hasDigest reports whether a key of digest d may be present.
func (f *keyFilter) hasDigest(d uint8) bool { return f[d>>6]&(1<<(d&63)) != 0 }

// keyList is a package-level precedence list of attribute keys with each
// key's filter digest computed once: the lists read on every span
// (identifiers, model, token counts) are mostly absent keys, and the
// filter answers those from the stored digest.
type keyList struct {
	keys    []string
	digests []uint8
}

func newKeyList(keys ...string) keyList {
	l := keyList{keys: keys, digests: make([]uint8, len(keys))}
	for i, k := range keys {
		l.digests[i] = keyDigest(k)
	}
	return l
}

// takeList is take over a keyList.
func (v *spanView) takeList(l *keyList, accept func(pcommon.Value) bool) (pcommon.Value, bool) {
	var found pcommon.Value
	ok := false
	for i, d := range l.digests {
		if !v.keys.hasDigest(d) {
			continue
		}
		if ref, present := v.idx.getDigest(l.keys[i], d); present && v.takeOne(ref, accept, ok) {
			found, ok = ref.val, true
		}
	}
	return found, ok
}

// takeListString is takeString over a keyList.
func (v *spanView) takeListString(l *keyList) string {
	s := ""
	v.takeList(l, func(val pcommon.Value) bool { s = valueString(val); return s != "" })
	return s
}

// firstListString is firstString over a keyList.
func (v *spanView) firstListString(l *keyList) string {
	for i, d := range l.digests {
		if !v.keys.hasDigest(d) {
			continue
		}
		if ref, ok := v.idx.getDigest(l.keys[i], d); ok {
			if s := valueString(ref.val); s != "" {
				return s
			}
		}
	}
	return ""
}

// attrRef is an indexed attribute: its value and position in the span.
type attrRef struct {
	val pcommon.Value
	pos int
}

// llmInvocation returns the members of llm.invocation_parameters (unset
// when absent or no object), read once per span.
func (v *spanView) llmInvocation() *invocationParams {
	if !v.llmInvRead {
		v.llmInv, v.llmInvRead = invocationParams{}, true
		if val, ok := v.peek("llm.invocation_parameters"); ok {
			v.llmInv, _ = v.invocation(val)
		}
	}
	return &v.llmInv
}

// get returns the attribute and marks it consumed.
func (v *spanView) get(key string) (pcommon.Value, bool) {
	ref, ok := v.lookup(key)
	if ok {
		v.consumed[ref.pos] = true
	}
	return ref.val, ok
}

// peek returns the attribute without marking it consumed.
func (v *spanView) peek(key string) (pcommon.Value, bool) {
	ref, ok := v.lookup(key)
	return ref.val, ok
}

// has reports whether the attribute is present (not consuming it).
func (v *spanView) has(key string) bool {
	_, ok := v.lookup(key)
	return ok
}

// str returns the trimmed string form of a primitive attribute, "" when
// absent or non-primitive, and marks it consumed when present.
func (v *spanView) str(key string) string {
	val, ok := v.get(key)
	if !ok {
		return ""
	}
	return valueString(val)
}

// first is the mapping's one attribute look-up: the first of keys (a §4
// precedence list) present on the span whose value accept takes; a nil
// accept takes any present value. It never consumes anything. A mapping
// that uses a field says so with consumeAll over all its spellings, so that
// none of them is repeated as leftover metadata whichever one won.
func (v *spanView) first(keys []string, accept func(pcommon.Value) bool) (pcommon.Value, bool) {
	for _, k := range keys {
		if ref, ok := v.lookup(k); ok && (accept == nil || accept(ref.val)) {
			return ref.val, true
		}
	}
	return pcommon.Value{}, false
}

// take is first followed by consumeAll(keys...) in one pass over keys:
// the first present value accept takes, every present key consumed.
func (v *spanView) take(keys []string, accept func(pcommon.Value) bool) (pcommon.Value, bool) {
	var found pcommon.Value
	ok := false
	for _, k := range keys {
		if ref, present := v.lookup(k); present && v.takeOne(ref, accept, ok) {
			found, ok = ref.val, true
		}
	}
	return found, ok
}

// takeOne consumes an attribute take or takeList found, and says whether
// its value is the one to return: the first that accept takes (found says
// whether one was already).
func (v *spanView) takeOne(ref attrRef, accept func(pcommon.Value) bool, found bool) bool {
	v.consumed[ref.pos] = true
	return !found && (accept == nil || accept(ref.val))
}

// takeString is firstString followed by consumeAll(keys...), in one pass.
func (v *spanView) takeString(keys ...string) string {
	s := ""
	v.take(keys, func(val pcommon.Value) bool { s = valueString(val); return s != "" })
	return s
}

// firstString is first for string fields: the trimmed string of the first
// key with a non-empty primitive value, "" when there is none.
func (v *spanView) firstString(keys ...string) string {
	s := ""
	v.first(keys, func(val pcommon.Value) bool { s = valueString(val); return s != "" })
	return s
}

// consumeAll marks every present key of keys as used.
func (v *spanView) consumeAll(keys ...string) {
	for _, k := range keys {
		v.consume(k)
	}
}

// consume marks a key as used without reading it.
func (v *spanView) consume(key string) {
	if ref, ok := v.lookup(key); ok {
		v.consumed[ref.pos] = true
	}
}

// isConsumedKey reports whether a mapping used the attribute key.
func (v *spanView) isConsumedKey(key string) bool {
	ref, ok := v.lookup(key)
	return ok && v.isConsumed(ref.pos)
}

// isConsumed reports whether a mapping used the attribute at pos.
func (v *spanView) isConsumed(pos int) bool { return pos < len(v.consumed) && v.consumed[pos] }

// forPrefix calls fn for every attribute whose key starts with prefix,
// passing the rest of the key; the attributes are marked consumed.
func (v *spanView) forPrefix(prefix string, fn func(rest string, val pcommon.Value)) {
	pos := -1
	v.attrs.Range(func(k string, val pcommon.Value) bool {
		pos++
		if strings.HasPrefix(k, prefix) {
			v.markPos(pos)
			fn(k[len(prefix):], val)
		}
		return true
	})
}

func (v *spanView) markPos(pos int) {
	if pos < len(v.consumed) {
		v.consumed[pos] = true
	}
}

// forUnconsumedPrefix is forPrefix restricted to keys no mapping used yet.
func (v *spanView) forUnconsumedPrefix(prefix string, fn func(rest string, val pcommon.Value)) {
	pos := -1
	v.attrs.Range(func(k string, val pcommon.Value) bool {
		pos++
		if strings.HasPrefix(k, prefix) && !v.isConsumed(pos) {
			v.markPos(pos)
			fn(k[len(prefix):], val)
		}
		return true
	})
}

// warn records a translator diagnostic for the span's warnings field; the
// same text is recorded once.
func (v *spanView) warn(msg string) {
	for _, w := range v.warnings {
		if w == msg {
			return
		}
	}
	v.warnings = append(v.warnings, msg)
}

// sortedMeta returns the span's metadata as a sorted slice cut from the
// batch's slab, each key with the value first set for it.
func (v *spanView) sortedMeta() []MetadataEntry {
	n := len(v.meta)
	if n == 0 {
		return nil
	}
	if cap(v.metaSlab)-len(v.metaSlab) < n {
		if v.batch != nil {
			v.metaSlab = v.batch.metaBlock(n)
		} else {
			v.metaSlab = make([]MetadataEntry, 0, max(n, metaBlockEntries))
		}
	}
	start := len(v.metaSlab)
	var out []MetadataEntry
	out, v.metaOrder = appendFirstByKey(v.metaSlab[start:start], v.meta, v.metaOrder)
	v.metaSlab = v.metaSlab[:start+len(out)]
	v.meta = v.meta[:0] // putView clears what it still holds
	return out[:len(out):len(out)]
}

// appendFirstByKey appends es to dst sorted by key, stably, keeping the
// first entry of each key. It sorts positions in order (a reused buffer,
// returned) rather than the entries, so that each entry is copied once:
// moving entries, which hold pointers, costs write barriers. A span has a
// dozen or two entries: they are sorted by insertion, above that by
// slices.SortStableFunc.
func appendFirstByKey(dst, es []MetadataEntry, order []int32) ([]MetadataEntry, []int32) {
	order = order[:0]
	for i := range es {
		order = append(order, int32(i))
	}
	if len(es) > 32 {
		slices.SortStableFunc(order, func(a, b int32) int { return strings.Compare(es[a].Key, es[b].Key) })
	} else {
		for i := 1; i < len(order); i++ {
			o, j := order[i], i
			for ; j > 0 && keyAfter(es[order[j-1]].Key, es[o].Key); j-- {
				order[j] = order[j-1]
			}
			order[j] = o
		}
	}
	for k, i := range order {
		if k == 0 || es[i].Key != es[order[k-1]].Key {
			dst = append(dst, es[i])
		}
	}
	return dst, order
}

// keyAfter is a > b, decided on the first bytes when they differ (most
// metadata keys of a span do) without the call a string comparison costs.
func keyAfter(a, b string) bool {
	if a != "" && b != "" && a[0] != b[0] {
		return a[0] > b[0]
	}
	return a > b
}

// setMeta sets a metadata key (first writer wins, so more specific mappings
// run before leftovers).
func (v *spanView) setMeta(key string, val any) {
	if val == nil {
		return
	}
	if s, ok := val.(string); ok && s == "" {
		return
	}
	v.meta = append(v.meta, MetadataEntry{Key: key, Value: val})
}

// setMetaStr is setMeta for a string, boxed from the batch's slab (a
// string passed as an any costs an allocation each).
func (v *spanView) setMetaStr(key, s string) {
	if s == "" {
		return
	}
	v.meta = append(v.meta, MetadataEntry{Key: key, Value: v.boxes.str(s)})
}

// metaOf returns the value set for a metadata key (tests look metadata
// up by key before the span log is finished).
func (v *spanView) metaOf(key string) (any, bool) {
	for _, e := range v.meta {
		if e.Key == key {
			return e.Value, true
		}
	}
	return nil, false
}

// capContent cuts s to the configured content cap at a rune boundary and
// appends TruncationMarker, counting and warning once per span.
func (v *spanView) capContent(s string) string {
	limit := v.opts.MaxContentBytes
	if limit <= 0 || len(s) <= limit {
		return s
	}
	v.truncated++
	v.warn("content truncated to max_content_bytes")
	return truncateUTF8(s, limit) + TruncationMarker
}

// text boxes a message's text content from the batch's blocks, as
// metaBoxes.str does for metadata: a string put into Message.Content
// would otherwise be an allocation of its own per message.
func (v *spanView) text(s string) any { return v.boxes.str(s) }

// cappedText is text of s cut to the content cap (capContent).
func (v *spanView) cappedText(s string) any { return v.text(v.capContent(s)) }

// truncateUTF8 returns the longest prefix of s of at most n bytes that does
// not split a UTF-8 sequence.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	cut := n
	for cut > 0 && cut > n-utf8.UTFMax && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// truncateRunes returns s cut to at most n characters.
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}

// toolsCache memoises tool extraction across the batches of a Translator
// (see cachedExtractTools). It is bounded: when the keys held reach
// maxToolsCacheBytes it starts over, which keeps the memory bound without
// bookkeeping; an application's few distinct tool lists refill it at once.
type toolsCache struct {
	mu    sync.Mutex
	m     map[string]cachedTools
	bytes int
}

type cachedTools struct {
	tools     []any
	encoded   string // JSON text of tools
	warnings  []string
	truncated int
	consumed  []string // source attributes extraction consumed
}

const maxToolsCacheBytes = 8 << 20

// get looks key up; the string conversion in the index does not allocate.
func (c *toolsCache) get(key []byte) (cachedTools, bool) {
	c.mu.Lock()
	e, ok := c.m[string(key)]
	c.mu.Unlock()
	return e, ok
}

func (c *toolsCache) put(key string, e cachedTools) {
	c.mu.Lock()
	if c.m == nil || c.bytes+len(key)+len(e.encoded) > maxToolsCacheBytes {
		c.m, c.bytes = make(map[string]cachedTools), 0
	}
	c.m[key] = e
	c.bytes += len(key) + len(e.encoded)
	c.mu.Unlock()
}

// maxCachedToolKeyBytes bounds the keys kept in the tools cache.
const maxCachedToolKeyBytes = 256 << 10
