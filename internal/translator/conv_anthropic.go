// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"strings"
)

// Anthropic usage: one meaning of input tokens, whoever reports them.
// docs/conventions.md lists the attributes read and the decisions taken
// where the references are silent.

// anthropicExclusiveScopes are instrumentations seen reporting Anthropic's
// own usage.input_tokens (cache reads and writes excluded) as the semconv
// input token count: @traceloop/instrumentation-anthropic 0.27 wrapping
// @anthropic-ai/sdk 1.15 reports 41 where the SDK's own span says 1841.
var anthropicExclusiveScopes = []string{"@traceloop/instrumentation-anthropic"}

// normaliseAnthropicUsage gives Anthropic usage one meaning, the semconv
// one: input tokens include cache reads and writes, which stay apart in the
// cache fields. It runs before nested-usage de-duplication, so that a
// wrapper's span and the SDK's own span of one call carry equal counts.
//
// A count is Anthropic's exclusive one when the span's instrumentation is
// known to report it so, or when it cannot be inclusive (it is below the
// cache parts it would include). Anthropic's own SDK spans
// (com.anthropic.sdk.*) already include the cache.
func normaliseAnthropicUsage(v *spanView, provider string, u *usage) {
	if provider != "anthropic" || !u.prompt.Set || (!u.cacheRead.Set && !u.cacheCreation.Set) {
		return
	}
	cache := addCounts(u.cacheRead.Value, u.cacheCreation.Value)
	if cache <= 0 || strings.HasPrefix(v.scopeName, "com.anthropic.sdk") {
		return
	}
	exclusive := u.prompt.Value < cache
	for _, s := range anthropicExclusiveScopes {
		if v.scopeName == s {
			exclusive = true
		}
	}
	if !exclusive {
		return
	}
	u.prompt = someInt(addCounts(u.prompt.Value, cache))
	if u.total.Set {
		u.total = someInt(addCounts(u.total.Value, cache))
	}
	v.setMeta("usage_normalised", "anthropic input_tokens excludes cache; cache read and write added")
}
