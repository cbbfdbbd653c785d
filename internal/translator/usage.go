// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// usage is what a span reports about tokens and cost.
type usage struct {
	prompt, completion, total, cacheRead, cacheCreation, reasoning OptInt
	cost                                                           OptFloat
}

// usageMember is one member of a usage object written to metadata: an
// integer count, the cost, or (suppressed_usage) a string.
type usageMember struct {
	key  string
	kind byte // 'i' n, 'f' cost, 's' str
	n    int64
	cost float64
	str  string
}

// members appends the set fields of u as usage members (aggregated or
// suppressed usage).
func (u usage) members(dst []usageMember) []usageMember {
	put := func(k string, o OptInt) {
		if o.Set {
			dst = append(dst, usageMember{key: k, kind: 'i', n: o.Value})
		}
	}
	put("prompt_tokens", u.prompt)
	put("completion_tokens", u.completion)
	put("total_tokens", u.total)
	put("cache_read_tokens", u.cacheRead)
	put("cache_creation_tokens", u.cacheCreation)
	put("reasoning_tokens", u.reasoning)
	if u.cost.Set {
		dst = append(dst, usageMember{key: "cost", kind: 'f', cost: u.cost.Value})
	}
	return dst
}

// appendUsageJSON writes ms as a JSON object with sorted keys; of equal
// keys the last wins (the bytes marshalAny writes for the map the members
// would make, set in order). ms is sorted in place.
func appendUsageJSON(dst []byte, ms []usageMember) []byte {
	slices.SortStableFunc(ms, func(a, b usageMember) int { return strings.Compare(a.key, b.key) })
	dst = append(dst, '{')
	first := true
	for i, m := range ms {
		if i+1 < len(ms) && ms[i+1].key == m.key {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = appendString(dst, m.key)
		dst = append(dst, ':')
		switch m.kind {
		case 'i':
			dst = strconv.AppendInt(dst, m.n, 10)
		case 'f':
			dst = appendFloat(dst, m.cost)
		default:
			dst = appendString(dst, m.str)
		}
	}
	return append(dst, '}')
}

var (
	promptTokenKeys = newKeyList("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.token_count.prompt",
		"ai.usage.inputTokens", "ai.usage.promptTokens", "ai.usage.tokens")
	completionTokenKeys = newKeyList("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens", "llm.token_count.completion",
		"ai.usage.outputTokens", "ai.usage.completionTokens")
	totalTokenKeys = newKeyList("gen_ai.usage.total_tokens", "llm.usage.total_tokens", "llm.token_count.total",
		"ai.usage.totalTokens", "gen_ai.client.token.usage")
	cacheReadKeys = newKeyList("gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens",
		"llm.token_count.prompt_details.cache_read", "ai.usage.cachedInputTokens", "gen_ai.usage.details.cache_read_tokens")
	cacheCreationKeys = newKeyList("gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.cache_write.input_tokens", "gen_ai.usage.cache_creation_input_tokens",
		"gen_ai.usage.cache_write_input_tokens", "llm.token_count.prompt_details.cache_write", "gen_ai.usage.details.cache_write_tokens")
	reasoningKeys = newKeyList("gen_ai.usage.reasoning.output_tokens", "gen_ai.usage.reasoning_tokens", "llm.usage.reasoning_tokens",
		"llm.token_count.completion_details.reasoning", "ai.usage.reasoningTokens")
	costKeys = []string{"gen_ai.usage.cost", "llm.cost.total", "operation.cost"}
)

// firstCount returns the first key holding a usable token count. All keys
// are consumed so none reappears as leftover metadata.
func firstCount(v *spanView, keys *keyList) OptInt {
	var out OptInt
	v.takeList(keys, func(val pcommon.Value) bool {
		n, ok := valueCount(val)
		if ok {
			out = someInt(n)
		}
		return ok
	})
	return out
}

// readUsage collects usage per §4, including the JSON-valued sources of
// Langfuse, Logfire, ADK and the Vercel provider metadata.
func readUsage(v *spanView) usage {
	u := usage{
		prompt:        firstCount(v, &promptTokenKeys),
		completion:    firstCount(v, &completionTokenKeys),
		total:         firstCount(v, &totalTokenKeys),
		cacheRead:     firstCount(v, &cacheReadKeys),
		cacheCreation: firstCount(v, &cacheCreationKeys),
		reasoning:     firstCount(v, &reasoningKeys),
	}
	// Langfuse usage/cost details are JSON objects and win (§4).
	langfuseUsage(v, &u)
	// Logfire response_data.usage and ADK usage_metadata come last.
	if m := jsonAttrMap(v, "response_data"); m != nil {
		if um, ok := m["usage"].(map[string]any); ok {
			fillCount(&u.prompt, um["prompt_tokens"])
			fillCount(&u.completion, um["completion_tokens"])
			fillCount(&u.total, um["total_tokens"])
		}
	}
	if m := jsonAttrMap(v, "gcp.vertex.agent.llm_response"); m != nil {
		um, _ := m["usage_metadata"].(map[string]any)
		if um == nil {
			um, _ = m["usageMetadata"].(map[string]any)
		}
		if um != nil {
			fillCount(&u.prompt, um["prompt_token_count"])
			if c, ok := anyInt(um["candidates_token_count"]); ok && !u.completion.Set {
				if t, ok := anyInt(um["thoughts_token_count"]); ok {
					c = addCounts(c, t)
				}
				u.completion = someInt(c)
			}
			fillCount(&u.total, um["total_token_count"])
			fillCount(&u.cacheRead, um["cached_content_token_count"])
			fillCount(&u.reasoning, um["thoughts_token_count"])
		}
	}
	if m := jsonAttrMap(v, "ai.response.providerMetadata"); m != nil {
		fillCount(&u.cacheRead, dig(m, "openai", "cachedPromptTokens"))
		fillCount(&u.cacheRead, dig(m, "anthropic", "usage", "cache_read_input_tokens"))
		fillCount(&u.cacheRead, dig(m, "bedrock", "usage", "cacheReadInputTokens"))
		fillCount(&u.cacheCreation, dig(m, "anthropic", "cacheCreationInputTokens"))
		fillCount(&u.cacheCreation, dig(m, "bedrock", "usage", "cacheWriteInputTokens"))
	}

	// Cost.
	langfuseCost(v, &u)
	semconvCost(v, &u)
	for _, k := range costKeys {
		val, ok := v.get(k)
		if !ok || u.cost.Set {
			continue
		}
		if f, ok := valueFloat(val); ok && f >= 0 {
			u.cost = someFloat(f)
		}
	}
	if !u.cost.Set {
		p, okP := v.get("llm.cost.prompt")
		c, okC := v.get("llm.cost.completion")
		if okP && okC {
			fp, ok1 := anyFloat(valueToAny(p))
			fc, ok2 := anyFloat(valueToAny(c))
			if ok1 && ok2 && fp >= 0 && fc >= 0 {
				u.cost = someFloat(fp + fc)
			}
		}
	}
	v.consume("llm.cost.prompt")
	v.consume("llm.cost.completion")

	// Total: explicit when consistent, else the sum (§4).
	if u.prompt.Set || u.completion.Set {
		sum := addCounts(u.prompt.Value, u.completion.Value)
		switch {
		case !u.total.Set:
			u.total = someInt(sum)
		case u.total.Value < sum:
			v.warn("reported total tokens below prompt + completion; sent the sum")
			u.total = someInt(sum)
		}
	}
	return u
}

// aggregatedUsagePrefix is pydantic-ai's explicit aggregate family.
const aggregatedUsagePrefix = "gen_ai.aggregated_usage."

// readAggregatedUsage appends pydantic-ai's gen_ai.aggregated_usage.* to
// dst as usage members, in attribute order.
func readAggregatedUsage(v *spanView, dst []usageMember) []usageMember {
	if !v.hasFlat.aggregatedUsage {
		return dst
	}
	v.forPrefix(aggregatedUsagePrefix, func(rest string, val pcommon.Value) {
		if n, ok := valueCount(val); ok {
			dst = append(dst, usageMember{key: strings.ReplaceAll(rest, ".", "_"), kind: 'i', n: n})
		}
	})
	return dst
}

func fillCount(dst *OptInt, v any) {
	if dst.Set || v == nil {
		return
	}
	if n, ok := anyInt(v); ok {
		*dst = someInt(n)
	}
}

// jsonAttrMap returns a JSON-object attribute (structured or JSON string)
// as a map, consuming it; nil when absent or not an object.
func jsonAttrMap(v *spanView, key string) map[string]any {
	val, ok := v.get(key)
	if !ok {
		return nil
	}
	m, _ := structured(val).(map[string]any)
	return m
}

// dig walks nested maps.
func dig(m map[string]any, path ...string) any {
	var cur any = m
	for _, p := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[p]
	}
	return cur
}

// addCounts adds two token counts, saturating at the int64 bounds: hostile
// counts near MaxInt64 must not wrap into negative totals.
func addCounts(a, b int64) int64 {
	switch {
	case b > 0 && a > math.MaxInt64-b:
		return math.MaxInt64
	case b < 0 && a < math.MinInt64-b:
		return math.MinInt64
	}
	return a + b
}
