// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"slices"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// modelParams are request parameters (§4). On model-call spans they become
// Respan fields; on other spans (agent, workflow wrappers) they go to
// metadata under the same names.
type modelParams struct {
	temperature, topP, frequencyPenalty, presencePenalty OptFloat
	maxTokens                                            OptInt
	stream                                               OptBool
	stop                                                 []string
	ttft                                                 OptFloat
}

func readFloatParam(v *spanView, keys []string, inv *invocationParams, invKeys ...string) OptFloat {
	var out OptFloat
	v.take(keys, func(val pcommon.Value) bool {
		f, ok := valueFloat(val)
		if ok {
			out = someFloat(f)
		}
		return ok
	})
	for _, k := range invKeys {
		if out.Set || !inv.set {
			break
		}
		if f, ok := anyFloat(inv.get(k)); ok {
			out = someFloat(f)
		}
	}
	return out
}

func readParams(v *spanView, inv *invocationParams, latency float64) modelParams {
	p := modelParams{}
	p.temperature = readFloatParam(v, []string{"gen_ai.request.temperature", "llm.temperature"}, inv, "temperature")
	p.topP = readFloatParam(v, []string{"gen_ai.request.top_p", "llm.top_p"}, inv, "top_p")
	p.frequencyPenalty = readFloatParam(v, []string{"gen_ai.request.frequency_penalty", "llm.frequency_penalty"}, inv, "frequency_penalty")
	p.presencePenalty = readFloatParam(v, []string{"gen_ai.request.presence_penalty", "llm.presence_penalty"}, inv, "presence_penalty")
	if !p.temperature.Set {
		p.temperature = readFloatParam(v, []string{"ai.settings.temperature"}, &invocationParams{})
	}
	if !p.topP.Set {
		p.topP = readFloatParam(v, []string{"ai.settings.topP"}, &invocationParams{})
	}

	// max_tokens: drop ≤ 0 (OpenLIT writes -1 for "unset").
	for _, k := range []string{"gen_ai.request.max_tokens", "gen_ai.request.max_completion_tokens", "llm.request.max_tokens"} {
		if val, ok := v.get(k); ok && !p.maxTokens.Set {
			if n, ok := valueCount(val); ok && n > 0 {
				p.maxTokens = someInt(n)
			}
		}
	}
	for _, k := range []string{"max_tokens", "max_completion_tokens", "max_output_tokens"} {
		if p.maxTokens.Set || !inv.set {
			break
		}
		if n, ok := anyInt(inv.get(k)); ok && n > 0 {
			p.maxTokens = someInt(n)
		}
	}

	for _, k := range []string{"gen_ai.request.stream", "gen_ai.is_streaming", "llm.is_streaming", "gen_ai.request.is_stream", "langsmith.request.streaming"} {
		if val, ok := v.get(k); ok && !p.stream.Set {
			if b, ok := anyBool(valueToAny(val)); ok {
				p.stream = someBool(b)
			}
		}
	}
	if !p.stream.Set && inv.set {
		if b, ok := anyBool(inv.get("stream")); ok {
			p.stream = someBool(b)
		}
	}
	if !p.stream.Set {
		if op := vercelOperation(v); op != "" {
			if strings.Contains(op, ".doStream") || strings.Contains(op, "streamText") || strings.Contains(op, "streamObject") {
				p.stream = someBool(true)
			}
		}
	}

	for _, k := range []string{"gen_ai.request.stop_sequences", "llm.chat.stop_sequences"} {
		if val, ok := v.get(k); ok && p.stop == nil {
			p.stop = stringList(structured(val))
		}
	}
	if p.stop == nil && inv.set {
		p.stop = stringList(inv.get("stop"))
	}

	p.ttft = readTTFT(v, latency)
	return p
}

// invocationParams are the members of an invocation-parameters object
// (OpenInference's llm.invocation_parameters and
// embedding.invocation_parameters, Langfuse's model parameters) that
// readParams and extractToolChoice read, each as the decoded object would
// hold it (nil when absent). Read from JSON text, only these members are
// decoded: the object itself goes to metadata as its canonical text, so
// no tree of the rest is built.
type invocationParams struct {
	set  bool // the attribute is an object
	vals [len(invocationKeys)]any
}

var invocationKeys = [...]string{"temperature", "top_p", "frequency_penalty", "presence_penalty",
	"max_tokens", "max_completion_tokens", "max_output_tokens", "stream", "stop", "tool_choice"}

// get returns member key, which must be one of invocationKeys.
func (p *invocationParams) get(key string) any {
	if i := slices.Index(invocationKeys[:], key); i >= 0 {
		return p.vals[i]
	}
	return nil
}

// invocationParamsOf picks the members of a decoded object (nil: none).
func invocationParamsOf(m map[string]any) invocationParams {
	out := invocationParams{set: m != nil}
	for i, k := range invocationKeys {
		out.vals[i] = m[k]
	}
	return out
}

// pickInvocationParams reads the members of the JSON object text s that
// are invocationKeys (pickMembers); set is false when s is no object.
func pickInvocationParams(s string) invocationParams {
	out := invocationParams{}
	out.set = pickMembers(s, invocationKeys[:], out.vals[:])
	if !out.set {
		out = invocationParams{}
	}
	return out
}

// invocation reads an invocation-parameters attribute: its members for
// readParams, and what metadata's invocation_parameters holds of it (a
// jsonText, or the tree when redaction needs one; nil when the attribute
// is no object). An object sent as JSON text, the usual way, is written
// as its canonical text without a tree.
func (v *spanView) invocation(val pcommon.Value) (invocationParams, any) {
	if val.Type() == pcommon.ValueTypeStr && v.opts.Redactor == nil && firstNonSpace(val.Str()) == '{' {
		text, ok := v.metaText.canonicalJSON(val.Str())
		if !ok {
			return invocationParams{}, nil
		}
		meta := v.boxes.text(jsonText(v.arena.copyString(text)))
		return pickInvocationParams(val.Str()), meta
	}
	m, _ := structured(val).(map[string]any)
	if m == nil {
		return invocationParams{}, nil
	}
	return invocationParamsOf(m), m
}

// readTTFT returns time to first token in seconds (§4): semconv and AI SDK
// v7 attributes are seconds, the legacy AI SDK's are milliseconds, and
// gen_ai.server.time_to_first_token is seconds in OpenLIT but milliseconds
// in Strands (detected by scope, or by a value longer than the span).
func readTTFT(v *spanView, latency float64) OptFloat {
	for _, k := range []string{"gen_ai.response.time_to_first_chunk", "gen_ai.client.operation.time_to_first_chunk"} {
		if val, ok := v.get(k); ok {
			if f, ok := valueFloat(val); ok && f > 0 {
				return someFloat(f)
			}
		}
	}
	if val, ok := v.get("ai.response.msToFirstChunk"); ok {
		if f, ok := valueFloat(val); ok && f > 0 {
			return someFloat(f / 1000)
		}
	}
	events := v.span.Events()
	for i := 0; i < events.Len(); i++ {
		e := events.At(i)
		if e.Name() == "ai.stream.firstChunk" {
			if val, ok := e.Attributes().Get("ai.response.msToFirstChunk"); ok {
				if f, ok := valueFloat(val); ok && f > 0 {
					return someFloat(f / 1000)
				}
			}
		}
	}
	if val, ok := v.get("gen_ai.server.time_to_first_token"); ok {
		if f, ok := valueFloat(val); ok && f > 0 {
			if strings.HasPrefix(v.scopeName, "strands") || (latency > 0 && f > latency) {
				f /= 1000
			}
			return someFloat(f)
		}
	}
	return OptFloat{}
}

// stringList reads a list of strings; empty lists are nil.
func stringList(v any) []string {
	switch x := v.(type) {
	case []any:
		var out []string
		for _, e := range x {
			if s := asString(e); s != "" {
				out = append(out, s)
			}
		}
		return out
	case []string:
		if len(x) == 0 {
			return nil
		}
		return x
	case string:
		if s := strings.TrimSpace(x); s != "" {
			return []string{s}
		}
	}
	return nil
}

// apply writes the params to the span log (model calls) or metadata.
func (p modelParams) apply(v *spanView, sl *SpanLog, modelCall bool) {
	if modelCall {
		sl.Temperature, sl.TopP = p.temperature, p.topP
		sl.FrequencyPenalty, sl.PresencePenalty = p.frequencyPenalty, p.presencePenalty
		sl.MaxTokens, sl.Stream, sl.Stop = p.maxTokens, p.stream, p.stop
		sl.TimeToFirstToken = p.ttft
		return
	}
	putF := func(k string, o OptFloat) {
		if o.Set {
			v.setMeta(k, o.Value)
		}
	}
	putF("temperature", p.temperature)
	putF("top_p", p.topP)
	putF("frequency_penalty", p.frequencyPenalty)
	putF("presence_penalty", p.presencePenalty)
	if p.maxTokens.Set {
		v.setMeta("max_tokens", p.maxTokens.Value)
	}
	if p.stream.Set {
		v.setMeta("stream", p.stream.Value)
	}
	if len(p.stop) > 0 {
		v.setMeta("stop", toAnySlice(p.stop))
	}
	putF("time_to_first_token", p.ttft)
}

func toAnySlice(s []string) []any {
	out := make([]any, len(s))
	for i, e := range s {
		out[i] = e
	}
	return out
}
