// Copyright The Respan Authors
// SPDX-License-Identifier: Apache-2.0

package translator

import (
	"testing"
)

func TestStreamingMarkers(t *testing.T) {
	base := func(extra map[string]any) map[string]any {
		m := map[string]any{"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o", "gen_ai.usage.input_tokens": 1, "gen_ai.usage.output_tokens": 1}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	td := convTrace(t,
		convSpan{id: 1, scope: "gen_ai", name: "chat", attrs: base(map[string]any{"gen_ai.client.operation.time_to_first_chunk": 0.4})},
		convSpan{id: 2, scope: "x", name: "chat", attrs: base(map[string]any{"gen_ai.response.time_to_first_chunk": 0.2})},
		// An explicit flag wins over the marker.
		convSpan{id: 3, scope: "x", name: "chat", attrs: base(map[string]any{"gen_ai.response.time_to_first_chunk": 0.2, "gen_ai.request.stream": false})},
		convSpan{id: 4, scope: "x", name: "chat", attrs: base(map[string]any{"llm.invocation_parameters": `{"stream":true}`})},
		convSpan{id: 5, scope: "x", name: "chat", attrs: base(nil)},
	)
	logs := decodeLogs(t, DefaultOptions(), td)
	for id, w := range map[byte]any{1: true, 2: true, 3: false, 4: true, 5: nil} {
		want(t, logs[sid(id)], "stream", w)
	}
	want(t, logs[sid(1)], "time_to_first_token", 0.4)
}
