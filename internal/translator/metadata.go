// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"strings"
	"unicode"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/respanai/respanexporter/internal/genai"
)

// metadataRenames gives short, stable metadata names to attributes that
// are not Respan fields but worth keeping (the fixtures' expectations).
var metadataRenames = map[string]string{
	"gen_ai.agent.id":                               "agent_id",
	"gen_ai.agent.name":                             "agent_name",
	"gen_ai.agent.version":                          "agent_version",
	"gen_ai.agent.description":                      "agent_description",
	"gen_ai.agent.tools":                            "agent_tools",
	"gen_ai.response.id":                            "response_id",
	"ai.response.id":                                "response_id",
	genai.FinishReasons:                             "finish_reasons",
	"ai.response.finishReason":                      "finish_reason",
	"gen_ai.request.seed":                           "seed",
	"gen_ai.request.top_k":                          "top_k",
	"gen_ai.request.choice.count":                   "choice_count",
	"gen_ai.request.reasoning_effort":               "reasoning_effort",
	"gen_ai.request.service_tier":                   "service_tier",
	"openai.request.service_tier":                   "service_tier",
	"gen_ai.request.encoding_formats":               "encoding_formats",
	"gen_ai.output.type":                            "output_type",
	"gen_ai.embeddings.dimension.count":             "dimension_count",
	"gen_ai.tool.call.id":                           "tool_call_id",
	"ai.toolCall.id":                                "tool_call_id",
	"gen_ai.tool.type":                              "tool_type",
	"gen_ai.tool.description":                       "tool_description",
	"tool.description":                              "tool_description",
	"tool.parameters":                               "tool_parameters",
	"gen_ai.tool.name":                              "tool_name",
	"tool.name":                                     "tool_name",
	"ai.toolCall.name":                              "tool_name",
	"gen_ai.tool.status":                            "tool_status",
	"traceloop.entity.name":                         "entity_name",
	"traceloop.entity.version":                      "entity_version",
	"gen_ai.openai.api_base":                        "api_base",
	"openinference.span.kind":                       "span_kind",
	"tag.tags":                                      "tags",
	"embedding.invocation_parameters":               "invocation_parameters",
	"llm.invocation_parameters":                     "invocation_parameters",
	"gen_ai.server.time_per_output_token":           "time_per_output_token",
	"gen_ai.client.operation.time_per_output_chunk": "time_per_output_chunk",
	"gen_ai.data_source.id":                         "data_source_id",
	"gen_ai.prompt.name":                            "prompt_name",
	"gen_ai.conversation.id":                        "conversation_id",
}

// ignoredAttributes carry nothing worth sending: placeholders, schemas,
// SDK noise, and span-level copies of resource attributes.
var ignoredAttributes = map[string]bool{
	"llm.headers":             true,
	"logfire.json_schema":     true,
	"service.name":            true,
	"deployment.environment":  true,
	"telemetry.sdk.name":      true,
	"telemetry.sdk.language":  true,
	"telemetry.sdk.version":   true,
	"input.mime_type":         true,
	"output.mime_type":        true,
	"resource.name":           true,
	"operation.name":          true,
	"ai.operationId":          true,
	"ai.telemetry.functionId": true,
	"metadata":                true,
	// Strands repeats the span's own start and end times as strings.
	"gen_ai.event.start_time": true,
	"gen_ai.event.end_time":   true,
}

// contentAttributes are mapped into input/output/messages and never copied
// to metadata (that would double the payload).
var contentAttributes = map[string]bool{
	genai.InputMessages: true, genai.OutputMessages: true, genai.SystemInstructions: true,
	genai.ToolDefinitions: true, genai.Prompt: true, genai.Completion: true,
	genai.ToolCallArguments: true, genai.ToolCallResult: true,
	"traceloop.entity.input": true, "traceloop.entity.output": true,
	"input.value": true, "output.value": true,
	"ai.prompt": true, "ai.prompt.messages": true, "ai.prompt.tools": true, "ai.prompt.toolChoice": true,
	"ai.response.text": true, "ai.response.object": true, "ai.response.toolCalls": true,
	"ai.toolCall.args": true, "ai.toolCall.result": true, "ai.values": true, "ai.value": true,
	"ai.embeddings": true, "ai.embedding": true, "ai.response.providerMetadata": true,
	"pydantic_ai.all_messages": true, "final_result": true, "request_data": true, "response_data": true,
	"gcp.vertex.agent.llm_request": true, "gcp.vertex.agent.llm_response": true,
	"gcp.vertex.agent.tool_call_args": true, "gcp.vertex.agent.tool_response": true,
	"tool_arguments": true, "tool_response": true, "gen_ai.agent.system_prompt": true,
	"gen_ai.workflow.input": true, "gen_ai.workflow.output": true,
	"langfuse.observation.input": true, "langfuse.observation.output": true,
	"langfuse.trace.input": true, "langfuse.trace.output": true,
	"gen_ai.prompt_json": true, "gen_ai.completion_json": true,
	"gen_ai.retrieval.documents": true, "gen_ai.retrieval.query.text": true,
	"respan.metadata": true, "keywordsai.metadata": true,
}

// leftoverKey is what the leftover pass does with a known key: skip it
// (ignored, content, or a rename under a content prefix) or send it
// under another name.
type leftoverKey struct {
	skip   bool
	rename string
}

// leftoverKeys merges metadataRenames, ignoredAttributes and
// contentAttributes into one table: the leftover pass looks each
// attribute up once instead of in three maps.
var leftoverKeys = func() map[string]leftoverKey {
	m := make(map[string]leftoverKey, len(metadataRenames)+len(ignoredAttributes)+len(contentAttributes))
	for k, r := range metadataRenames {
		m[k] = leftoverKey{skip: hasContentPrefix(k), rename: r}
	}
	for k := range ignoredAttributes {
		m[k] = leftoverKey{skip: true}
	}
	for k := range contentAttributes {
		m[k] = leftoverKey{skip: true}
	}
	return m
}()

// contentPrefixes are flattened content families (never metadata).
var contentPrefixes = []string{
	"gen_ai.prompt.", "gen_ai.completion.", "llm.input_messages.", "llm.output_messages.",
	"llm.prompts.", "llm.choices.", "llm.tools.", "llm.request.functions.",
	"embedding.embeddings.", "retrieval.documents.", "gen_ai.aggregated_usage.",
}

// maxTextMembers is the most members objectMembers reads from an object's
// text; a larger object is decoded (finding a key given twice among the
// members read costs their number squared).
const maxTextMembers = 64

// objectMembers appends to dst the members of the JSON-object attribute
// key (structured, or JSON text), as metadata entries: each value as a
// decoded tree holds it, except that from text a nested object or list is
// its canonical JSON text (jsonText), which metadata writes the same. A key
// given twice keeps its last value. Nothing is appended when the attribute
// is absent or no object; it is consumed either way. Read from text, no
// tree is built; with redaction on, values stay trees (the redactor works
// on their leaves).
func (v *spanView) objectMembers(dst []MetadataEntry, key string) []MetadataEntry {
	val, ok := v.get(key)
	if !ok {
		return dst
	}
	if val.Type() == pcommon.ValueTypeStr && v.opts.Redactor == nil && firstNonSpace(val.Str()) == '{' {
		if out, ok := v.textMembers(dst, val.Str()); ok {
			return out
		}
	}
	m, _ := structured(val).(map[string]any)
	for k, x := range m {
		dst = append(dst, MetadataEntry{Key: k, Value: x})
	}
	return dst
}

// textMembers is objectMembers of JSON text; ok is false (and dst is
// unchanged) when s is no valid object or has more than maxTextMembers
// members.
func (v *spanView) textMembers(dst []MetadataEntry, s string) ([]MetadataEntry, bool) {
	start := len(dst)
	p := jsonParser{s: s, arena: &v.arena, scratch: &v.fast.scratch}
	p.skipSpace()
	ok := p.members(func(key string) bool {
		var x any
		switch p.peek() {
		case '{', '[':
			raw, ok := p.rawJSON()
			if !ok {
				return false
			}
			text, ok := v.metaText.canonicalJSON(raw)
			if !ok {
				return false
			}
			x = v.boxes.text(jsonText(v.arena.copyString(text)))
		case '"':
			str, ok := p.stringValue()
			if !ok {
				return false
			}
			x = v.boxes.str(str)
		default:
			p.build = true
			val, ok := p.value()
			p.build = false
			if !ok {
				return false
			}
			x = val
		}
		for i := start; i < len(dst); i++ {
			if dst[i].Key == key {
				dst[i].Value = x
				return true
			}
		}
		if len(dst)-start == maxTextMembers {
			return false
		}
		dst = append(dst, MetadataEntry{Key: key, Value: x})
		return true
	})
	p.skipSpace()
	if !ok || p.i != len(p.s) {
		clear(dst[start:])
		return dst[:start], false
	}
	return dst, true
}

// applyMetadata fills metadata from the resource, scope, renamed and
// leftover attributes. It runs after every mapping so that consumed keys
// are known.
func applyMetadata(v *spanView, oiMeta []MetadataEntry) {
	// Explicit metadata objects and families first: they are user intent.
	for _, k := range []string{"respan.metadata", "keywordsai.metadata"} {
		v.members = v.objectMembers(v.members[:0], k)
		for _, e := range v.members {
			v.setMeta(e.Key, e.Value)
		}
	}
	for _, f := range metadataPrefixes(v) {
		if !f.present {
			continue
		}
		v.forUnconsumedPrefix(f.prefix, func(rest string, val pcommon.Value) {
			if rest != "" {
				v.setMeta(rest, metadataValue(v, val))
			}
		})
	}
	applySettingsMetadata(v)
	for _, e := range oiMeta {
		v.setMeta(e.Key, e.Value)
	}

	// sdk = "openlit 1.33.8" when an SDK names itself on the span.
	if ver := v.str("gen_ai.sdk.version"); ver != "" {
		name := ""
		if val, ok := v.peek("telemetry.sdk.name"); ok {
			name = valueString(val)
		}
		v.setMetaStr("sdk", strings.TrimSpace(name+" "+ver))
	}

	if v.opts.LeftoverMetadata != MetadataNone {
		pos := -1
		v.attrs.Range(func(k string, val pcommon.Value) bool {
			pos++
			if v.isConsumed(pos) {
				return true
			}
			name := k
			if c, known := leftoverKeys[k]; known {
				if c.skip {
					return true
				}
				name = c.rename
			} else if hasContentPrefix(k) {
				return true
			}
			mv := metadataValue(v, val)
			if s, isStr := mv.(string); isStr && (s == "" || s == "None") {
				return true
			}
			v.setMeta(name, mv)
			return true
		})
	}

	if sc := v.scope; sc != nil {
		for _, e := range sc.entries[:sc.n] {
			v.setMeta(e.Key, e.Value)
		}
	}
	if kind := v.span.Kind(); kind != ptrace.SpanKindUnspecified {
		if int(kind) < len(spanKindMeta) {
			v.setMeta("otel.span.kind", spanKindMeta[kind])
		} else {
			v.setMetaStr("otel.span.kind", strings.ToLower(kind.String()))
		}
	}
	if n := v.span.DroppedAttributesCount(); n > 0 {
		v.warn("the SDK dropped attributes of this span")
	}
	if n := v.span.DroppedEventsCount(); n > 0 {
		v.warn("the SDK dropped events of this span")
	}

	for _, e := range v.resMeta.entries {
		v.setMeta(e.Key, e.Value)
	}
	v.truncated += v.resMeta.truncated
}

// settingsPrefixes are the AI SDK's setting families, in precedence order
// (context, then runtime context, then the settings themselves).
var settingsPrefixes = [...]string{"ai.settings.context.", "ai.settings.runtimeContext.", "ai.settings."}

// settingAttr is an ai.settings.* attribute: its family and name.
type settingAttr struct {
	family int
	rest   string
	val    pcommon.Value
}

// applySettingsMetadata copies the AI SDK's one-level settings into
// metadata: each family's attributes in order, the families in precedence
// order. One pass over the attributes collects all three, consuming them,
// on the spans that have any.
func applySettingsMetadata(v *spanView) {
	if !v.hasFlat.aiSettingsAny {
		return
	}
	found := v.metaSettings[:0]
	pos := -1
	v.attrs.Range(func(k string, val pcommon.Value) bool {
		pos++
		if !strings.HasPrefix(k, "ai.settings.") || v.isConsumed(pos) {
			return true
		}
		v.markPos(pos)
		for f, prefix := range settingsPrefixes {
			if strings.HasPrefix(k, prefix) {
				found = append(found, settingAttr{f, k[len(prefix):], val})
				break
			}
		}
		return true
	})
	for f := range settingsPrefixes {
		for _, a := range found {
			if a.family == f && a.rest != "" && !strings.Contains(a.rest, ".") {
				v.setMeta(snakeCase(a.rest), metadataValue(v, a.val))
			}
		}
	}
	clear(found)
	v.metaSettings = found[:0]
}

// spanKindMeta is the metadata value of each span kind, boxed once.
var spanKindMeta = func() (t [6]any) {
	for k := range t {
		t[k] = strings.ToLower(ptrace.SpanKind(k).String())
	}
	return t
}()

// scopeMeta is the metadata a scope gives each of its spans, boxed once
// per distinct name and version of a batch.
type scopeMeta struct {
	entries [2]MetadataEntry
	n       int
}

type scopeKey struct{ name, version string }

// scopeMetaFor returns the metadata of scope, from the batch's cache.
func (v *spanView) scopeMetaFor(scope pcommon.InstrumentationScope) *scopeMeta {
	k := scopeKey{scope.Name(), scope.Version()}
	if sc, ok := v.scopes[k]; ok {
		return sc
	}
	sc := &scopeMeta{}
	if k.name != "" {
		sc.entries[sc.n] = MetadataEntry{Key: "otel.scope.name", Value: k.name}
		sc.n++
	}
	if k.version != "" {
		sc.entries[sc.n] = MetadataEntry{Key: "otel.scope.version", Value: k.version}
		sc.n++
	}
	if v.scopes == nil {
		v.scopes = make(map[scopeKey]*scopeMeta)
	}
	if len(v.scopes) >= maxCachedScopes {
		clear(v.scopes) // a hostile batch of distinct scopes: start over
	}
	v.scopes[k] = sc
	return sc
}

// maxCachedScopes bounds the batch's scope cache (applications have a
// handful of instrumentation scopes).
const maxCachedScopes = 256

// releaseMeta drops what the view's metadata buffers hold of the batch
// before the view waits in the pool, and the buffers a hostile span or
// value grew beyond what ordinary ones use.
func (v *spanView) releaseMeta() {
	v.scope = nil
	v.resMeta = resourceMeta{entries: reuseBuf(v.resMeta.entries)}
	clear(v.scopes)
	v.boxes.release()
	v.meta = reuseBuf(v.meta)
	v.metaOrder = reuseBuf(v.metaOrder)
	v.metaSettings = reuseBuf(v.metaSettings)
	v.members, v.oiMeta = reuseBuf(v.members), reuseBuf(v.oiMeta)
	v.metaText.release()
}

// maxKeptEntries and maxKeptBytes are the largest reused buffers a pooled
// view keeps (in elements and bytes).
const (
	maxKeptEntries = 1 << 10
	maxKeptBytes   = 64 << 10
)

// reuseBuf returns b emptied and cleared for the next batch, or nil when it
// grew past maxKeptEntries.
func reuseBuf[T any](b []T) []T {
	if cap(b) > maxKeptEntries {
		return nil
	}
	clear(b[:cap(b)])
	return b[:0]
}

// reuseBytes is reuseBuf for byte scratch (which holds no references).
func reuseBytes(b []byte) []byte {
	if cap(b) > maxKeptBytes {
		return nil
	}
	return b[:0]
}

// resourceMeta is the metadata a resource gives each of its spans,
// computed once per resource: the values, and how many of them were cut.
type resourceMeta struct {
	entries   []MetadataEntry
	truncated int
}

// resourceMetaFor computes the metadata of resource in the view's reused
// entries (span logs copy the entries, so the slice need not outlive the
// resource).
func (v *spanView) resourceMetaFor(resource pcommon.Map) resourceMeta {
	rm := resourceMeta{entries: v.resMeta.entries[:0]}
	add := func(k string, val pcommon.Value) {
		mv, cut := v.metaValue(val)
		if cut {
			rm.truncated++
		}
		rm.entries = append(rm.entries, MetadataEntry{Key: resourceMetaKey(k), Value: mv})
	}
	switch v.opts.ResourceMetadata {
	case MetadataNone:
	case MetadataAll:
		resource.Range(func(k string, val pcommon.Value) bool {
			add(k, val)
			return true
		})
	default:
		for _, k := range selectedResourceKeys {
			if val, ok := resource.Get(k); ok {
				add(k, val)
			}
		}
	}
	return rm
}

var selectedResourceKeys = []string{"service.name", "service.version", "service.namespace",
	"deployment.environment.name", "deployment.environment"}

// resourceMetaKey names the deployment environment "environment" whichever
// semconv spelling carried it.
func resourceMetaKey(k string) string {
	if k == "deployment.environment" || k == "deployment.environment.name" {
		return "environment"
	}
	return k
}

// metaPrefix is a flattened metadata family and whether the span has it.
type metaPrefix struct {
	present bool
	prefix  string
}

// metadataPrefixes lists the flattened metadata families, in precedence
// order (an array: nothing to allocate per span).
func metadataPrefixes(v *spanView) [5]metaPrefix {
	return [...]metaPrefix{
		{v.hasFlat.respanMeta, "respan.metadata."},
		{v.hasFlat.keywordsMeta, "keywordsai.metadata."},
		{v.hasFlat.tlAssoc, "traceloop.association.properties."},
		{v.hasFlat.aiTelemetryMeta, "ai.telemetry.metadata."},
		{v.hasFlat.langsmithMeta, "langsmith.metadata."},
	}
}

func hasContentPrefix(k string) bool {
	for _, p := range contentPrefixes {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

// metadataValue converts an attribute for metadata: primitives stay,
// JSON-container strings and structured values become their JSON text
// (sent once, as a string), long values are capped.
func metadataValue(v *spanView, val pcommon.Value) any {
	mv, cut := v.metaValue(val)
	if cut {
		v.truncated++
	}
	return mv
}

// metaValue is metadataValue without the count: cut says whether the
// value was cut to the limit. Trees are written as their JSON text
// (jsonText) in the batch's arena, and values are boxed from the view's
// blocks; with redaction on, trees stay trees, as the redactor works on
// their leaves.
func (v *spanView) metaValue(val pcommon.Value) (mv any, cut bool) {
	limit := v.opts.MaxMetadataValueBytes
	if v.opts.Redactor != nil {
		return metaTree(limit, val)
	}
	b := &v.boxes
	switch val.Type() {
	case pcommon.ValueTypeStr:
		s := val.Str()
		if looksLikeJSONContainer(s) && (limit <= 0 || len(s) <= limit) {
			if text, ok := v.metaText.canonicalJSON(s); ok {
				return b.text(jsonText(v.arena.copyString(text))), false
			}
		}
		if limit > 0 && len(s) > limit {
			return b.str(truncateUTF8(s, limit) + TruncationMarker), true
		}
		if s == "" {
			return s, false // boxing "" allocates nothing
		}
		return b.str(s), false
	case pcommon.ValueTypeSlice, pcommon.ValueTypeMap:
		text := v.metaText.valueJSON(val)
		if limit > 0 && len(text) > limit {
			return b.str(truncateUTF8(str(text), limit) + TruncationMarker), true
		}
		return b.text(jsonText(v.arena.copyString(text))), false
	case pcommon.ValueTypeInt:
		return b.int(val.Int()), false
	case pcommon.ValueTypeDouble:
		if f := val.Double(); !isBadFloat(f) {
			return b.float(f), false
		}
	case pcommon.ValueTypeBool:
		return val.Bool(), false
	}
	return nil, false // bytes, NaN, ±Inf, empty
}

// capMetaString cuts a string metadata value to limit.
func capMetaString(s string, limit int) (any, bool) {
	if limit > 0 && len(s) > limit {
		return truncateUTF8(s, limit) + TruncationMarker, true
	}
	return s, false
}

// metaTree is metaValue building the Go tree of a structured value or
// JSON-container string (for the redactor).
func metaTree(limit int, val pcommon.Value) (mv any, cut bool) {
	switch val.Type() {
	case pcommon.ValueTypeStr:
		s := val.Str()
		if looksLikeJSONContainer(s) && (limit <= 0 || len(s) <= limit) {
			if tree, ok := decodeJSON(s); ok {
				return tree, false
			}
		}
		return capMetaString(s, limit)
	case pcommon.ValueTypeBytes:
		return nil, false
	}
	tree := valueToAny(val)
	if limit > 0 && isMapOrSlice(tree) {
		if enc := marshalAny(tree); len(enc) > limit {
			return truncateUTF8(enc, limit) + TruncationMarker, true
		}
	}
	return tree, false
}

func isMapOrSlice(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return true
	}
	return false
}

// snakeCase turns camelCase AI SDK setting names into snake_case.
func snakeCase(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
