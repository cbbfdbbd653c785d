// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"encoding/binary"
	"math"
	"slices"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/respanai/respanexporter/internal/genai"
)

// spanFacts is what the batch-level pass needs to know about a span.
type spanFacts struct {
	traceID   pcommon.TraceID
	spanID    pcommon.SpanID
	parentID  pcommon.SpanID
	ids       identifiers
	workflow  string // own traceloop.workflow.name / gen_ai.workflow.name
	marker    string // first present workflow marker (for top-most lookup)
	modelCall bool
	usage     usage
}

// maxSpanNameRunes is Respan's span_name column width (varchar(255)).
const maxSpanNameRunes = 255

// translateSpan maps one span into sl (§4, §5) and returns its facts.
func translateSpan(v *spanView, sl *SpanLog) spanFacts {
	span := v.span
	facts := spanFacts{traceID: span.TraceID(), spanID: span.SpanID(), parentID: span.ParentSpanID()}
	// Spans of a trace are usually adjacent: hex-encode its id once.
	if tid := span.TraceID(); tid != v.lastTraceID || v.lastTraceHex == "" {
		v.lastTraceID, v.lastTraceHex = tid, v.arena.hexString(tid[:])
	}
	sl.TraceID = v.lastTraceHex
	sid := span.SpanID()
	sl.SpanID = v.arena.hexString(sid[:])
	if !v.isRoot {
		pid := span.ParentSpanID()
		sl.ParentID = v.arena.hexString(pid[:])
	}
	sl.SpanName = truncateRunes(span.Name(), maxSpanNameRunes)
	if len(sl.SpanName) < len(span.Name()) {
		v.warn("span name cut to 255 characters")
	}
	latency := applyTimes(v, sl)

	logType := decideLogType(v)
	sl.LogType = logType
	modelCall := isModelCallType(logType)
	facts.modelCall = modelCall

	sl.Model = decideModel(v)
	canonical := decideProvider(v, sl.Model, modelCall)
	if canonical != "" {
		sl.ProviderID = canonical
		if id, ok := v.providerIDs[canonical]; ok {
			sl.ProviderID = id
		}
	}

	var inv invocationParams
	var invMeta any
	if val, ok := v.get("llm.invocation_parameters"); ok {
		inv, invMeta = v.invocation(val)
	}
	v.llmInv, v.llmInvRead = inv, true
	if !inv.set {
		if val, ok := v.get("embedding.invocation_parameters"); ok {
			inv, invMeta = v.invocation(val)
		}
	}
	v.setMeta("invocation_parameters", invMeta)
	if !inv.set {
		inv = invocationParamsOf(langfuseParams(v))
	}
	params := readParams(v, &inv, latency)
	if !params.ttft.Set {
		params.ttft = langfuseTTFT(v, latency)
	}
	// A time to first chunk exists only for streamed calls: conventions
	// that have no stream flag (AI SDK v7, some semconv emitters) show
	// streaming this way.
	if !params.stream.Set && (v.has("gen_ai.response.time_to_first_chunk") || v.has("gen_ai.client.operation.time_to_first_chunk")) {
		params.stream = someBool(true)
	}
	params.apply(v, sl, modelCall)

	applyContent(v, sl, logType)

	u := readUsage(v)
	normaliseAnthropicUsage(v, canonical, &u)
	// Usage members for aggregated_usage: the span's usage, then
	// pydantic-ai's explicit aggregate, which wins where both have a key.
	w := &v.metaText
	w.usage = readAggregatedUsage(v, u.members(w.usage[:0]))
	if modelCall {
		sl.PromptTokens, sl.CompletionTokens, sl.TotalRequestTokens = u.prompt, u.completion, u.total
		sl.CacheHitTokens, sl.CacheCreationTokns, sl.ReasoningTokens = u.cacheRead, u.cacheCreation, u.reasoning
		sl.Cost = u.cost
		facts.usage = u
		if !u.prompt.Set && !u.completion.Set && span.Status().Code() != ptrace.StatusCodeError && !isLangfuseError(v) {
			v.warn("model call without token usage")
		}
	} else if len(w.usage) > 0 {
		w.out = appendUsageJSON(w.out[:0], w.usage)
		v.setMeta("aggregated_usage", v.boxes.text(jsonText(v.arena.copyString(w.out))))
	}

	v.oiMeta = v.objectMembers(v.oiMeta[:0], "metadata")
	oiMeta := v.oiMeta
	facts.ids = readIdentifiers(v, oiMeta)
	facts.workflow = v.takeString("traceloop.workflow.name", "gen_ai.workflow.name")
	facts.marker = v.firstListString(&workflowMarkerKeys)
	sl.SpanPath = v.str("traceloop.entity.path")

	// The exporter's logs join marks spans it sent without the content it
	// waited for; those notes belong in warnings, not metadata.
	if val, ok := v.get(ExporterWarningsAttribute); ok {
		switch val.Type() {
		case pcommon.ValueTypeSlice:
			for i := 0; i < val.Slice().Len(); i++ {
				if w := valueString(val.Slice().At(i)); w != "" {
					v.warn(w)
				}
			}
		default:
			if w := valueString(val); w != "" {
				v.warn(w)
			}
		}
	}
	applyStatus(v, sl)
	applyEventMetadata(v)
	applyEvaluations(v)
	mcpMetadata(v)
	langfuseMetadata(v)
	applyMetadata(v, oiMeta)

	sl.Warnings = v.warnings
	sl.Metadata = v.sortedMeta()
	return facts
}

// applyTimes sets start_time, timestamp and latency, repairing zero and
// reversed timestamps (never a negative latency, never an invalid time).
func applyTimes(v *spanView, sl *SpanLog) float64 {
	start, end := uint64(v.span.StartTimestamp()), uint64(v.span.EndTimestamp())
	// Values beyond int64 nanoseconds cannot be real times.
	if start > math.MaxInt64 {
		start = 0
	}
	if end > math.MaxInt64 {
		end = 0
	}
	switch {
	case start == 0 && end == 0:
		v.warn("span has no timestamps")
		return 0
	case start == 0:
		v.warn("span has no start time; used its end time")
		start = end
	case end == 0:
		v.warn("span has no end time; used its start time")
		end = start
	case end < start:
		v.warn("span ends before it starts; end time set to start time")
		end = start
	}
	sl.StartUnixNano, sl.EndUnixNano = start, end
	latency := float64(end-start) / 1e9
	sl.Latency = someFloat(latency)
	return latency
}

// applyContent fills messages, input and output (§4 rows prompt_messages,
// completion_message, input, output) and the tool fields.
func applyContent(v *spanView, sl *SpanLog, logType string) {
	switch logType {
	case "embedding":
		if texts := extractEmbeddingInputs(v); len(texts) > 0 {
			sl.Input = v.capJSONText(marshalAny(texts))
			v.setMeta("embedding_count", int64(len(texts)))
		}
		consumeEmbeddingVectors(v)
		return
	case "completion", "text":
		if prompt, completion, ok := extractCompletionStyle(v); ok {
			if prompt != "" {
				sl.Input = quoteString(v.capContent(prompt))
			}
			if completion != "" {
				sl.Output = quoteString(v.capContent(completion))
			}
			return
		}
	}
	if isModelCallType(logType) {
		prompt := extractPromptMessages(v)
		completions := extractCompletionMessages(v)
		if len(prompt) > 0 {
			sl.PromptMessages = prompt
			if deferredFits(v, prompt, false) {
				sl.inputMsgs = deferMessages(prompt, false)
			} else {
				sl.Input = messagesText(v, prompt, false)
			}
		} else if f, ok := nonModelInput(v, logType); ok {
			f.setInput(sl)
		}
		if len(completions) > 0 {
			sl.CompletionMessage = &completions[0]
			if len(completions) > 1 {
				sl.CompletionMessages = completions
			}
			if deferredFits(v, completions, true) {
				sl.outputMsgs = deferMessages(completions, true)
			} else {
				sl.Output = messagesText(v, completions, true)
			}
			for _, m := range completions {
				for _, tc := range m.ToolCalls {
					sl.SpanTools = appendUnique(sl.SpanTools, tc.Name)
				}
			}
		} else if f, ok := nonModelOutput(v, logType); ok {
			f.setOutput(sl)
		}
		cachedExtractTools(v, sl)
		if len(sl.Tools) == 0 {
			if t := langfuseTools(v); t != nil {
				sl.Tools = normaliseToolList(v, t)
			}
		}
		sl.ToolChoice = extractToolChoice(v)
		return
	}
	if f, ok := nonModelInput(v, logType); ok {
		f.setInput(sl)
	}
	if f, ok := nonModelOutput(v, logType); ok {
		f.setOutput(sl)
	}
	if logType == "tool" || logType == "handoff" {
		if name := toolSpanName(v); name != "" {
			sl.SpanTools = appendUnique(sl.SpanTools, name)
		}
	}
	if logType == "handoff" {
		name := v.span.Name()
		if strings.HasPrefix(strings.ToLower(name), "handoff to ") {
			sl.SpanHandoffs = []string{strings.TrimSpace(name[len("handoff to "):])}
		}
	}
}

// consumeEmbeddingVectors keeps vectors out of metadata (they are large
// and Respan does not need them by default); their count is recorded.
func consumeEmbeddingVectors(v *spanView) {
	if val, ok := v.get("ai.embeddings"); ok {
		if list, isList := structured(val).([]any); isList {
			v.setMeta("embedding_count", int64(len(list)))
		}
	}
	v.consume("ai.embedding")
	if v.hasFlat.oiEmbeddings {
		v.forPrefix("embedding.embeddings.", func(string, pcommon.Value) {})
	}
}

// applyEventMetadata records what legacy span events carry besides content:
// finish reasons and Strands' tool results on gen_ai.choice events.
func applyEventMetadata(v *spanView) {
	events := v.span.Events()
	for i := 0; i < events.Len(); i++ {
		e := events.At(i)
		if e.Name() != evChoice {
			continue
		}
		if val, ok := e.Attributes().Get("finish_reason"); ok {
			v.setMetaStr("finish_reason", valueString(val))
		}
		if val, ok := e.Attributes().Get("tool.result"); ok {
			v.setMeta("tool_result", metadataValue(v, val))
		}
	}
}

func appendUnique(list []string, s string) []string {
	if s == "" {
		return list
	}
	for _, e := range list {
		if e == s {
			return list
		}
	}
	return append(list, s)
}

// cachedExtractTools is extractTools memoised on the raw tool definitions,
// which repeat verbatim on every model call of an agent and, as an
// application's tools rarely change, across batches: the cache lives on
// the Translator. It also keeps the encoded JSON, so a repeated list costs
// one copy, and what extraction did to the span besides (warnings,
// truncation count, consumed attributes), so that a hit leaves the span
// log exactly as a miss does. Cached lists are shared read-only between
// span logs.
func cachedExtractTools(v *spanView, sl *SpanLog) {
	key, same, ok := toolsCacheKey(v)
	if !ok || v.tools == nil {
		sl.Tools = extractTools(v)
		return
	}
	c, hit := v.lastTools.entry, same
	if !hit {
		if c, hit = v.tools.get(key); hit {
			v.lastTools.remember(v.keyPieces, c)
		}
	}
	if hit {
		v.consumeAll(c.consumed...)
		for _, prefix := range toolPrefixes {
			v.forPrefix(prefix, func(string, pcommon.Value) {})
		}
		for _, w := range c.warnings {
			v.warn(w)
		}
		v.truncated += c.truncated
		sl.Tools, sl.toolsJSON = c.tools, c.encoded
		return
	}
	before, truncBefore := len(v.warnings), v.truncated
	wasConsumed := [len(toolSourceKeys)]bool{}
	for i, k := range toolSourceKeys {
		wasConsumed[i] = v.isConsumedKey(k)
	}
	tools := extractTools(v)
	c = cachedTools{tools: tools, warnings: append([]string(nil), v.warnings[before:]...), truncated: v.truncated - truncBefore}
	for i, k := range toolSourceKeys {
		if !wasConsumed[i] && v.isConsumedKey(k) {
			c.consumed = append(c.consumed, k)
		}
	}
	if len(tools) > 0 {
		c.encoded = marshalAny(tools)
	}
	v.tools.put(string(key), c)
	v.lastTools.remember(v.keyPieces, c)
	sl.Tools, sl.toolsJSON = c.tools, c.encoded
}

var (
	// toolSourceKeys are every attribute extractTools may read, so all are
	// part of the cache key.
	toolSourceKeys = [...]string{genai.ToolDefinitions, "ai.prompt.tools", "llm.invocation_parameters",
		"request_data", "gcp.vertex.agent.llm_request", "model_request_parameters", "gen_ai.agent.tools"}
	toolPrefixes = []string{"llm.tools.", "llm.request.functions."}
)

// toolsCacheKey gathers the pieces of the span's tools cache key: per
// tool-definition source, its attribute key, a kind ("s" for a string,
// "l" and the element count for a list) and the string values. It
// concatenates them, each after its length, into the view's reused key
// buffer (a key two different sets of sources cannot share, whatever
// bytes the values hold), unless they are the pieces of the previous
// span's key (same, true): consecutive model calls of an agent carry the
// same definitions, and comparing them costs one read of each, where
// building and hashing the key costs three. ok is false (no caching) when
// there is no source, a source is not a string or the key would be large.
func toolsCacheKey(v *spanView) (key []byte, same, ok bool) {
	ps := v.keyPieces[:0]
	n := 0
	add := func(tag string, val pcommon.Value) bool {
		switch val.Type() {
		case pcommon.ValueTypeStr:
			s := val.Str()
			ps = append(ps, tag, "s", s)
			n += len(tag) + len(s)
		case pcommon.ValueTypeSlice:
			sl := val.Slice()
			ps = append(ps, tag, "l", strconv.Itoa(sl.Len()))
			n += len(tag)
			for i := 0; i < sl.Len(); i++ {
				e := sl.At(i)
				if e.Type() != pcommon.ValueTypeStr {
					return false
				}
				s := e.Str()
				ps = append(ps, s)
				n += len(s)
			}
		default:
			return false
		}
		return n <= maxCachedToolKeyBytes
	}
	ok = true
	for _, k := range toolSourceKeys {
		if val, present := v.peek(k); present && !add(k, val) {
			ok = false
			break
		}
	}
	if ok && (v.hasFlat.oiTools || v.hasFlat.tlFunctions) {
		v.attrs.Range(func(k string, val pcommon.Value) bool {
			if strings.HasPrefix(k, "llm.tools.") || strings.HasPrefix(k, "llm.request.functions.") {
				ok = add(k, val)
			}
			return ok
		})
	}
	v.keyPieces = ps
	if !ok || len(ps) == 0 {
		return nil, false, false
	}
	if v.lastTools.valid && slices.Equal(ps, v.lastTools.pieces) {
		return nil, true, true
	}
	b := v.keyBuf[:0]
	for _, p := range ps {
		b = binary.AppendUvarint(b, uint64(len(p)))
		b = append(b, p...)
	}
	v.keyBuf = b
	return b, false, true
}

// remember makes c the entry of the key whose pieces the view gathered
// last (toolsCacheKey), for the next span.
func (lt *lastTools) remember(pieces []string, c cachedTools) {
	lt.pieces = append(lt.pieces[:0], pieces...)
	lt.entry, lt.valid = c, true
}

// lastTools is the tools cache entry of the previous span's key and that
// key's pieces (batch strings: putView forgets them).
type lastTools struct {
	pieces []string
	entry  cachedTools
	valid  bool
}

// forget drops the batch's strings.
func (lt *lastTools) forget() {
	clear(lt.pieces[:cap(lt.pieces)])
	*lt = lastTools{pieces: lt.pieces[:0]}
}
